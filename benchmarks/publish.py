"""Benchmark of printing the PDFs: one Chromium kept open for the publish step, printing beside it,
against one Chromium per print.

Measured in one run, on the default batch (params/batch.yaml) rendered once in a scratch
copy of the project, each command in a fresh process on a copy of that build, its wall time
and the CPU time of it and all it started (Chromium's helpers too: the measured process
reaps them):

  (a) the issue's path: `jaarverslag publish --force` printing as the library did before
      issue 21 item 5: every report assembled first, then per report a `chromium --headless
      --print-to-pdf` process per print, two prints (the second with the contents' page
      numbers), the destinations read and the PDF mended by pypdf (as 1512c0e's `finish`),
      one report after the other
  (b) the same with today's post-processing by qpdf (pikepdf), which this issue brought too:
      a stricter baseline
  (c) `jaarverslag publish --force` as it is: one Chromium over the DevTools protocol on its
      pipe (publish/devtools.py), two reports at once, each printed while the next is
      assembled; without a previous PDF the last report with the same contents gives likely
      page numbers, and without those an untagged draft finds them
  (d) `jaarverslag publish --force --no-pdf`: what all spend besides printing (assembling,
      data packages, index, search)
  (e) (c) again on its own result, as an operator's re-publish runs: the PDF being replaced
      gives the contents' page numbers, so a report whose pages did not move is printed once

Then every PDF of (a) and of (b) is compared with (c)'s: page count, the text of every page,
the outline (level, title, target page) and the contents' page numbers, in the PDF and in
the HTML page beside it. There must be no difference.

Usage: .venv/bin/python benchmarks/publish.py [--repeat 1] [--build-dir DIR (a rendered build of the default batch to reuse)]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
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
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h
BASELINE_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-pdf-header-footer", "--generate-pdf-document-outline")


def number(pages: dict[str, int], box: re.Match) -> str:
    return f'<span class="toc-page" data-target="{box[1]}">{pages.get(box[1], "")}</span>'


def print_pdf(html: Path, pdf: Path) -> None:
    """The baseline's print: a Chromium process of its own, with a profile of its own."""
    with tempfile.TemporaryDirectory(prefix="jaarverslag-chromium-") as profile:
        subprocess.run(["chromium", *BASELINE_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=300)


def baseline(reports: list[tuple[Path, Path]], site: Path, site_url: str | None, pypdf: bool = True) -> None:
    """The print step as it was: per report, print, read the destinations' pages, fill them in, print again,
    then mend the PDF; with pypdf as the library did until this issue's work (pypdf False: with today's
    post-processing by qpdf, which this issue brought too).
    """
    from jaarverslag.files import write_atomic
    from jaarverslag.publish import pdf as library

    destination_pages, finish = (pypdf_destination_pages, pypdf_finish) if pypdf else (library.destination_pages, library.finish)
    for html, pdf in reports:
        draft = pdf.with_name(f".{pdf.stem}.draft.tmp{pdf.suffix}")
        print_pdf(html, draft)
        text = filled = html.read_text(encoding="utf-8")
        if library.TOC_PAGE.search(text):
            filled = library.TOC_PAGE.sub(partial(number, destination_pages(draft)), text)
            if filled != text:
                write_atomic(html, filled)
                print_pdf(html, draft)
        finish(draft, filled if library.TOC_PAGE.search(text) else None, site, site_url)
        os.replace(draft, pdf)


def pypdf_destination_pages(pdf: Path) -> dict[str, int]:
    """The library's destination_pages before pikepdf (pypdf)."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    return {str(name).lstrip("/"): reader.get_destination_page_number(dest) + 1 for name, dest in reader.named_destinations.items()}


def pypdf_finish(pdf: Path, html: str | None, site: Path, site_url: str | None) -> None:
    """The library's finish before pikepdf (pypdf, as in 1512c0e): outline mended, links made web links, U+00AD taken out of
    the text layer, in one rewrite; what `jaarverslag.publish.pdf.finish` does by qpdf."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    from jaarverslag.files import temporary
    from jaarverslag.publish.pdf import SOFT_HYPHEN_TEXT, heading_titles, without_soft_hyphens

    writer, changed = PdfWriter(clone_from=pdf), False
    headings = heading_titles(html) if html is not None else {}
    for item in _outline_items(writer._root_object.get("/Outlines")):
        better = headings.get(re.sub(r"\s+", "", str(item.get("/Title", ""))))
        if better and better != str(item.get("/Title", "")):
            item[NameObject("/Title")] = TextStringObject(better)
            changed = True
    root = site.resolve().as_uri() + "/"
    for page in writer.pages:
        kept = ArrayObject()
        for reference in page.get("/Annots") or []:
            action = reference.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if uri.startswith("file:"):
                changed = True
                if not (site_url and uri.startswith(root)):
                    continue
                action.get_object()[NameObject("/URI")] = TextStringObject(site_url + uri.removeprefix(root))
            kept.append(reference)
        if "/Annots" in page:
            page[NameObject("/Annots")] = kept
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        cleaned = SOFT_HYPHEN_TEXT.sub(without_soft_hyphens, data)
        if cleaned != data:
            content.set_data(cleaned)
            page.replace_contents(content)
            page.compress_content_streams()
            changed = True
    if changed:
        tmp = temporary(pdf)
        with open(tmp, "wb") as out:
            writer.write(out)
        os.replace(tmp, pdf)


def _outline_items(node: object) -> list:
    """Every bookmark below an outline node, depth first (pypdf)."""
    items = []
    child = node.get_object().get("/First") if node is not None else None
    while child is not None:
        child = child.get_object()
        items += [child, *_outline_items(child)]
        child = child.get("/Next")
    return items


class Baseline:
    """The publish step's printer as it was: nothing printed until every report is assembled, then `baseline`."""

    pypdf = True

    def __init__(self, site: Path, site_url: str | None) -> None:
        self.site, self.site_url, self.reports, self.failures = site, site_url, [], {}

    def __enter__(self) -> Baseline:
        return self

    def start(self) -> None:
        """Nothing started before the first print."""

    def add(self, html: Path, pdf: Path) -> None:
        self.reports.append((html, pdf))

    def __exit__(self, kind: type | None, *_: object) -> None:
        if kind is None:
            baseline(self.reports, self.site, self.site_url, self.pypdf)


class BaselineWithQpdf(Baseline):
    pypdf = False


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
    """One measured publish; its every descendant is reaped here, so their CPU time counts in the parent's."""
    from jaarverslag.cli import main

    if how.startswith("baseline"):
        import jaarverslag.publish.report

        jaarverslag.publish.report.Printer = Baseline if how == "baseline" else BaselineWithQpdf
    # Chromium's helpers can outlive the browser (and its wait): they come to this process and are waited for
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    code = main(["publish", "--force", "--build-dir", build, *(["--no-pdf"] if how == "none" else [])])
    with contextlib.suppress(ChildProcessError):
        while True:
            os.wait()
    return code


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

    measures = ("baseline", "baseline-qpdf", "new", "none", "again")
    times: dict[str, list[float]] = {how: [] for how in measures}
    cpu: dict[str, list[float]] = {how: [] for how in measures}
    for _ in range(args.repeat):
        for how in measures:
            build = project / f"build-{how}"
            if how != "again":  # again: on the result of new, its PDFs in place
                shutil.rmtree(build, ignore_errors=True)
                shutil.copytree(rendered, build)
            wall, used = publish(project, project / "build-new" if how == "again" else build, "new" if how == "again" else how)
            times[how].append(wall)
            cpu[how].append(used)
            print(f"  publish --force, {how:13s}: {wall:6.1f} s, CPU {used:6.1f} s; load average {os.getloadavg()[0]:.1f}",
                  flush=True)
    a, q, b, c, d = (statistics.median(times[how]) for how in measures)
    ca, cq, cb, cc, cd = (statistics.median(cpu[how]) for how in measures)
    different = [*differences(project / "build-baseline", project / "build-new"),
                 *differences(project / "build-baseline-qpdf", project / "build-new")]
    printed = len(list((project / "build-new" / "site").glob("*/*/*.pdf")))

    print(f"\n(a) publish --force, a Chromium per print, pypdf (the issue's path): {a:6.1f} s, CPU {ca:6.1f} s")
    print(f"(b) the same, with today's post-processing (qpdf):                 {q:6.1f} s, CPU {cq:6.1f} s")
    print(f"(c) publish --force as it is: one Chromium, printing beside:       {b:6.1f} s, CPU {cb:6.1f} s")
    print(f"(d) publish --force --no-pdf (no printing):                        {c:6.1f} s, CPU {cc:6.1f} s")
    print(f"(e) (c) again, over its own PDFs (a re-publish):                   {d:6.1f} s, CPU {cd:6.1f} s")
    print("\nratios (target >= 5 against the issue's path):")
    print(f"  (a)/(c) = {a / b:5.2f}   from a build without PDFs (two prints per report)")
    print(f"  (a)/(e) = {a / d:5.2f}   a re-publish (one print per report whose pages did not move)")
    print(f"  (b)/(c) = {q / b:5.2f}   the same against the stricter baseline")
    print(f"  (b)/(e) = {q / d:5.2f}")
    print(f"  CPU: (a)/(c) = {ca / cb:5.2f}, (b)/(c) = {cq / cb:5.2f}   Chromium's helpers included")
    print(f"  PDFs compared: {printed} (page count, text, outline, contents' page numbers, HTML), (a) and (b) each against (c)")
    print(f"  differences:   {len(different)} (target 0)" + "".join(f"\n    {d}" for d in different[:20]))
    shutil.rmtree(project)


if __name__ == "__main__":
    main()
