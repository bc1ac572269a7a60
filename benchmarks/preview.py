"""Benchmark of `jaarverslag preview`: how soon an edit is in the served page.

Measured in one run, in a scratch copy of the project (data/, notebooks/, params/), for
the report chosen (default: the batch's latest year, the unit):

  (a) preview: a narrative edit (a sentence appended) until the served report page
      contains it, median of --repeat edits (target <= 3 s on 2 cores)
  (b) preview: a notebook edit (a heading changed) until the page shows it, and how many
      chapters were rendered for it (target: 1)
  (c) the baseline, what an analyst had without preview: the same narrative edit, then
      `jaarverslag run --no-pdf` for that year and region, until it returns

Usage: .venv/bin/python benchmarks/preview.py [--repeat 5] [--year 2019] [--region eenheid]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JAARVERSLAG = [sys.executable, "-m", "jaarverslag.cli"]


def shows(url: str, text: str) -> bool:
    return text in urllib.request.urlopen(url).read().decode("utf-8")


def until_served(url: str, text: str, change: Callable[[], object]) -> float:
    """Seconds from the change to a served page that holds text (polled every 20 ms)."""
    started = time.perf_counter()
    change()
    while not shows(url, text):
        time.sleep(0.02)
    return time.perf_counter() - started


def append(path: Path, sentence: str) -> Callable[[], object]:
    return lambda: path.write_text(path.read_text(encoding="utf-8") + f"\n{sentence}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--region", default="eenheid")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="jaarverslag-preview-"))
    for folder in ("data", "notebooks", "params"):
        shutil.copytree(ROOT / folder, scratch / folder)
    shutil.copy(ROOT / "_quarto.yml", scratch)  # the baseline's `run` prepares the Quarto books too
    narrative = scratch / "data" / "narratives" / str(args.year) / args.region / "cybercrime.md"
    log = scratch / "preview.log"
    command = [*JAARVERSLAG, "preview", "--no-browser", "--port", "0", "--year", str(args.year), "--region", args.region]
    with open(log, "w") as sink:
        preview = subprocess.Popen(command, cwd=scratch, stdout=subprocess.PIPE, stderr=sink, text=True)
    try:
        url = re.search(r"http://\S+", preview.stdout.readline())[0]
        started = time.perf_counter()
        while "report up to date" not in log.read_text():
            time.sleep(0.1)
        print(f"first render of the report: {time.perf_counter() - started:.1f} s", flush=True)
        time.sleep(1)

        edits = []
        for number in range(args.repeat):
            sentence = f"Proefzin {number} van de benchmark."
            edits.append(until_served(url, sentence, append(narrative, sentence)))
            time.sleep(0.5)
        a = statistics.median(edits)
        print(f"(a) narrative edit visible: median {a:.2f} s of {', '.join(f'{t:.2f}' for t in edits)}", flush=True)

        notebook = scratch / "notebooks" / "cter.ipynb"
        before = log.read_text()
        b = until_served(url, "De kerncijfers", lambda: notebook.write_text(
            notebook.read_text(encoding="utf-8").replace("## Kerncijfers", "## De kerncijfers"), encoding="utf-8"))
        time.sleep(0.5)
        rendered = re.findall(r"\] (\S+): executed", log.read_text()[len(before):])
        print(f"(b) notebook edit visible: {b:.2f} s; chapters rendered: {rendered}", flush=True)
    finally:
        preview.terminate()
        preview.wait(30)

    report = ["--year", str(args.year), "--region", args.region]
    subprocess.run([*JAARVERSLAG, "run", "--no-pdf", *report], cwd=scratch, check=True, capture_output=True)  # cold
    baseline = []
    for number in range(min(args.repeat, 3)):
        append(narrative, f"Basiszin {number}.")()
        started = time.perf_counter()
        subprocess.run([*JAARVERSLAG, "run", "--no-pdf", *report], cwd=scratch, check=True, capture_output=True)
        baseline.append(time.perf_counter() - started)
    c = statistics.median(baseline)
    print(f"(c) baseline, narrative edit then `jaarverslag run --no-pdf {' '.join(report)}`: median {c:.2f} s", flush=True)

    print("\nratios and targets (2 cores):")
    print(f"  (a) narrative edit  = {a:6.2f} s   target <= 3.0")
    print(f"  (b) chapters        = {len(rendered):6d}     target == 1 (cter only)")
    print(f"  (c)/(a)             = {c / a:6.1f}     how much sooner preview shows an edit than a run")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
