"""Benchmark of `jaarverslag run` with nothing changed: the scheduled job on a quiet night.

Measured in one run, on the default batch (params/batch.yaml) in a scratch copy of the
project (first rendered and published once, cold):

  (a) `jaarverslag run`, nothing changed: must start no kernel and no Chromium
  (b) `jaarverslag publish --force`: what every run paid before publishing was
      incremental (every report assembled and printed again)
  (c) `jaarverslag --version`: the interpreter and import floor of any command

Usage: .venv/bin/python benchmarks/run.py [--repeat 5] [--build-dir DIR (reuse a rendered build)]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JAARVERSLAG = [sys.executable, "-m", "jaarverslag.cli"]


def timed(args: list[str], cwd: Path, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--build-dir", type=Path, help="a build of the default batch to reuse (default: render one)")
    args = parser.parse_args()

    project = Path(tempfile.mkdtemp(prefix="jaarverslag-bench-run-"))
    for name in ("data", "notebooks", "params"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "_quarto.yml", project)
    if args.build_dir:
        shutil.copytree(args.build_dir, project / "build")
    started = time.perf_counter()
    subprocess.run([*JAARVERSLAG, "run"], cwd=project, check=True, capture_output=True)
    print(f"first run (cold or catching up): {time.perf_counter() - started:.1f} s", flush=True)

    a = timed([*JAARVERSLAG, "run"], project, args.repeat)
    last = json.loads((project / "build" / "status.json").read_text())["last"]
    print(f"(a) run, nothing changed:   median {statistics.median(a):6.2f} s  (min {min(a):.2f}, max {max(a):.2f}); "
          f"executed {last['jobs']['executed']}, assembled {last['reports']['assembled']}, printed {last['reports']['printed']}",
          flush=True)
    b = timed([*JAARVERSLAG, "publish", "--force"], project, max(1, args.repeat // 2))
    print(f"(b) publish --force:        median {statistics.median(b):6.2f} s", flush=True)
    c = timed([*JAARVERSLAG, "--version"], project, args.repeat)
    print(f"(c) --version (floor):      median {statistics.median(c):6.2f} s", flush=True)

    print("\nratios:")
    print(f"  (b)/(a) = {statistics.median(b) / statistics.median(a):6.1f}   what an unchanged night no longer pays")
    print(f"  (a)/(c) = {statistics.median(a) / statistics.median(c):6.1f}   the unchanged run against starting Python at all")
    print(f"  (a) kernels started: {last['jobs']['executed']}, PDFs printed: {last['reports']['printed']}   target 0 and 0")
    shutil.rmtree(project)


if __name__ == "__main__":
    main()
