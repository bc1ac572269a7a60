"""Benchmark of printing the PDFs: one Chromium kept open for the publish step against one per print.

Measured in one run, on the default batch (params/batch.yaml) rendered once in a scratch
copy of the project, each command in a fresh process on a copy of that build:

  (a) baseline: `jaarverslag publish --force` printing as before issue 21 item 5: a
      `chromium --headless --print-to-pdf` process per print, two prints per report
      (the second with the contents' page numbers), one report after the other
  (b) `jaarverslag publish --force` as it is: one Chromium over the DevTools protocol
      (Playwright), two reports at once, the second print on the page still loaded
  (c) `jaarverslag publish --force --no-pdf`: what both spend besides printing (assembling,
      data packages, index, search)
  (d) (b) again on its own result: `publish --force` where every report already has a PDF, as
      an operator's re-publish runs; the PDF being replaced gives the contents' page numbers,
      so a report whose pages did not move is printed once (the baseline prints twice anyway)

Then every PDF of (a) and (b) is compared: page count, the text of every page, the outline
(level, title, target page) and the contents' page numbers, in the PDF and in the HTML
page beside it. There must be no difference.

Usage: .venv/bin/python benchmarks/publish.py [--repeat 1] [--build-dir DIR (a rendered build of the default batch to reuse)]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JAARVERSLAG = [sys.executable, "-m", "jaarverslag.cli"]
BASELINE_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-pdf-header-footer", "--generate-pdf-document-outline")


def number(pages: dict[str, int], box: re.Match) -> str:
    return f'<span class="toc-page" data-target="{box[1]}">{pages.get(box[1], "")}</span>'


def print_pdf(html: Path, pdf: Path) -> None:
    """The baseline's print: a Chromium process of its own, with a profile of its own."""
    with tempfile.TemporaryDirectory(prefix="jaarverslag-chromium-") as profile:
        subprocess.run(["chromium", *BASELINE_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=300)


def baseline(reports: list[tuple[Path, Path]], site: Path, site_url: str | None) -> dict:
    """print_numbered as it was: per report, print, read the destinations' pages, fill them in, print again.

    The post-processing is the library's (one rewrite for outline and links, where it was two):
    if anything, the baseline is faster than it was.
    """
    from jaarverslag.files import write_atomic
    from jaarverslag.publish.pdf import TOC_PAGE, destination_pages, finish

    for html, pdf in reports:
        draft = pdf.with_name(f".{pdf.stem}.draft.tmp{pdf.suffix}")
        print_pdf(html, draft)
        text = filled = html.read_text(encoding="utf-8")
        if TOC_PAGE.search(text):
            filled = TOC_PAGE.sub(partial(number, destination_pages(draft)), text)
            if filled != text:
                write_atomic(html, filled)
                print_pdf(html, draft)
        finish(draft, filled if TOC_PAGE.search(text) else None, site, site_url)
        os.replace(draft, pdf)
    return {}


def publish(project: Path, build: Path, how: str) -> tuple[float, float]:
    """`jaarverslag publish --force` in a process of its own; how: baseline, new or none (--no-pdf).

    Its wall time, and the CPU time of it and all it started (Chromium included): on a machine
    shared with other work the wall time depends on their load, the CPU time much less.
    """
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run([sys.executable, __file__, "--publish-with", how, str(build)], cwd=project, check=True, capture_output=True)
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _publish_here(how: str, build: str) -> int:
    from jaarverslag.cli import main

    if how == "baseline":
        import jaarverslag.publish.report

        jaarverslag.publish.report.print_numbered = baseline
    return main(["publish", "--force", "--build-dir", build, *(["--no-pdf"] if how == "none" else [])])


def outline(reader: object, items: list | None = None, depth: int = 0) -> list[tuple[int, str, int]]:
    found = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            found += outline(reader, item, depth + 1)
        else:
            found.append((depth, item.title, reader.get_destination_page_number(item) + 1))
    return found


def reading(pdf: Path) -> dict[str, object]:
    """What a reader gets from a PDF; the contents' page numbers from its HTML page too."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    return {"pages": len(reader.pages), "text": [page.extract_text() for page in reader.pages], "outline": outline(reader),
            "contents": re.findall(r'<span class="toc-page" data-target="([^"]+)">([^<]*)</span>', html), "html": html}


def differences(a: Path, b: Path) -> list[str]:
    found = []
    pdfs = sorted(p.relative_to(a) for p in (a / "site").glob("*/*/*.pdf"))
    if pdfs != sorted(p.relative_to(b) for p in (b / "site").glob("*/*/*.pdf")):
        return ["not the same PDFs"]
    for pdf in pdfs:
        left, right = reading(a / pdf), reading(b / pdf)
        found += [f"{pdf}: {what}" for what in left if left[what] != right[what]]
        if not all(number for _, number in left["contents"]):
            found.append(f"{pdf}: a contents entry without page number")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--build-dir", type=Path, help="a rendered build of the default batch to reuse (default: render one)")
    parser.add_argument("--publish-with", nargs=2, metavar=("HOW", "BUILD"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish_with:
        sys.exit(_publish_here(*args.publish_with))

    project = Path(tempfile.mkdtemp(prefix="jaarverslag-bench-publish-"))
    for name in ("data", "notebooks", "params"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "_quarto.yml", project)
    rendered = project / "rendered"
    if args.build_dir:
        shutil.copytree(args.build_dir, rendered, ignore=shutil.ignore_patterns("site", "publications.json", "quarto"))
    else:
        started = time.perf_counter()
        subprocess.run([*JAARVERSLAG, "render", "--build-dir", str(rendered)], cwd=project, check=True, capture_output=True)
        print(f"render (once): {time.perf_counter() - started:.1f} s", flush=True)
    reports = len(list(rendered.glob("reports/*/*")))
    print(f"{reports} reports; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start", flush=True)

    times: dict[str, list[float]] = {"baseline": [], "new": [], "none": [], "again": []}
    cpu: dict[str, list[float]] = {how: [] for how in times}
    for _ in range(args.repeat):
        for how in ("baseline", "new", "none"):
            build = project / f"build-{how}"
            shutil.rmtree(build, ignore_errors=True)
            shutil.copytree(rendered, build)
            wall, used = publish(project, build, how)
            times[how].append(wall)
            cpu[how].append(used)
            print(f"  publish --force, {how:8s}: {wall:6.1f} s, CPU {used:6.1f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
        wall, used = publish(project, project / "build-new", "new")  # (d): on (b)'s result, PDFs in place
        times["again"].append(wall)
        cpu["again"].append(used)
        print(f"  publish --force, again   : {wall:6.1f} s, CPU {used:6.1f} s; load average {os.getloadavg()[0]:.1f}", flush=True)
    a, b, c, d = (statistics.median(times[how]) for how in ("baseline", "new", "none", "again"))
    ca, cb, cc, cd = (statistics.median(cpu[how]) for how in ("baseline", "new", "none", "again"))
    different = differences(project / "build-baseline", project / "build-new")
    printed = len(list((project / "build-new" / "site").glob("*/*/*.pdf")))

    print(f"\n(a) publish --force, a Chromium per print (baseline): {a:6.1f} s, CPU {ca:6.1f} s")
    print(f"(b) publish --force, one Chromium, two pages:         {b:6.1f} s, CPU {cb:6.1f} s")
    print(f"(c) publish --force --no-pdf (no printing):           {c:6.1f} s, CPU {cc:6.1f} s")
    print(f"(d) (b) again, over its own PDFs (a re-publish):      {d:6.1f} s, CPU {cd:6.1f} s")
    print("\nratios:")
    print(f"  (a)/(b)               = {a / b:6.2f}   target >= 5: from a build without PDFs")
    print(f"  (a)/(d)               = {a / d:6.2f}   target >= 5: a re-publish")
    print(f"  printing: (a-c)/(b-c) = {(a - c) / (b - c):6.2f}   the print step alone")
    print(f"  CPU of printing       = {(ca - cc) / (cb - cc):6.2f}   (a-c)/(b-c) in CPU time")
    print(f"  PDFs compared         = {printed:6d}   page count, text, outline, contents' page numbers, HTML")
    print(f"  differences           = {len(different):6d}   target 0" + "".join(f"\n    {d}" for d in different[:20]))
    shutil.rmtree(project)


if __name__ == "__main__":
    main()
