"""Benchmark of the batch engine against a naive loop and against the kernel floor.

Measured in one run on the same matrix (years x every region x every notebook), in a
scratch copy of data/ and notebooks/:

  (a) naive: a sequential loop calling papermill (and nbconvert) once per notebook
  (b) the engine from cold, default --jobs, a fresh kernel per notebook (--fresh-kernels)
  (c) the engine again, nothing changed (must start no kernel)
  (d) the engine after changing one region's data of one year (must execute only what
      shows it: that region's reports of that year and the next, and the district
      comparisons of the unit and the districts beside it)
  (e) the floor: a bare kernel start plus the notebooks' imports, per notebook
  (f) the engine from cold with warm kernels (the default), in a build of its own; its
      outputs are compared with (b)'s: there must be no difference
  (g) the engine after editing one narrative (must execute only the one chapter that shows it)

Usage: .venv/bin/python benchmarks/batch.py [--years 2018 2019] [--jobs N]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import pandas as pd
import papermill as pm
from jupyter_client.manager import start_new_kernel

from jaarverslag.engine.batch import Job, Settings, run
from jaarverslag.engine.compare import differences
from jaarverslag.engine.render import html_exporter
from jaarverslag.inputs import load
from jaarverslag.inputs.params import load_batch

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = "import jaarverslag.chapters, seaborn, pandas"


def naive(jobs: list[Job], settings: Settings) -> float:
    """What a first script does: papermill then nbconvert, one notebook after another."""
    started = time.perf_counter()
    for job in jobs:
        out = Path(tempfile.gettempdir()) / "jaarverslag-naive" / f"{job.year}-{job.region}-{job.chapter}.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        pm.execute_notebook(
            str(settings.notebooks_dir / f"{job.chapter}.ipynb"), str(out), progress_bar=False,
            parameters={"year": job.year, "region": job.region, "data_dir": str(settings.data_dir),
                        "batch_file": str(settings.batch_file)},
            cwd=str(settings.notebooks_dir),
        )
        body, _ = html_exporter().from_notebook_node(nbformat.read(out, as_version=4))
        out.with_suffix(".html").write_text(body, encoding="utf-8")
    return time.perf_counter() - started


def floor_per_notebook(samples: int = 5) -> float:
    """Kernel start, the notebooks' imports and shutdown: the least one notebook costs."""
    started = time.perf_counter()
    for _ in range(samples):
        manager, client = start_new_kernel(kernel_name="python3")
        client.execute_interactive(IMPORTS, timeout=120)
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return (time.perf_counter() - started) / samples


def change_region_data(data_dir: Path, region: str, year: int) -> None:
    """One more event in one region's data: only that region's notebooks may re-run."""
    path = data_dir / "observations.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    key = (frame["indicator"] == "evenementen") & (frame["region"] == region) & (frame["year"] == str(year))
    if key.any():
        frame.loc[key, "value"] = (frame.loc[key, "value"].astype(float) + 1).astype(int).astype(str)
    else:
        frame.loc[len(frame)] = {"indicator": "evenementen", "region": region, "year": str(year), "value": "1",
                                 "qualifier": "", "source": "jaarverslag-2019"}
    frame.to_csv(path, index=False)


def engine(jobs: list[Job], settings: Settings, workers: int) -> tuple[float, dict[str, int]]:
    started = time.perf_counter()
    results = run(jobs, settings, workers, progress=False)
    counts = {s: sum(r.status == s for r in results) for s in ("executed", "skipped", "failed")}
    return time.perf_counter() - started, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, nargs="+", default=[2018, 2019])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="jaarverslag-bench-"))
    shutil.copytree(ROOT / "data", scratch / "data")
    shutil.copytree(ROOT / "notebooks", scratch / "notebooks")
    data = load(scratch / "data")
    regions = list(data.regions.loc[data.regions["level"].isin(["eenheid", "district"]), "id"])
    batch = load_batch(ROOT / "params" / "batch.yaml").select(args.years, regions)
    jobs = [Job(*job) for job in batch.jobs()]
    settings = Settings.of(batch, data, scratch / "notebooks", ROOT / "params" / "batch.yaml", scratch / "build")
    print(f"matrix: {len(args.years)} years x {len(regions)} regions x {len(batch.chapters)} notebooks = {len(jobs)} jobs; "
          f"{args.jobs} workers on {os.cpu_count()} cores")

    e = floor_per_notebook()
    print(f"(e) floor: {e:.2f} s per notebook (kernel start + imports + shutdown)", flush=True)
    a = naive(jobs, settings)
    print(f"(a) naive sequential papermill loop: {a:.1f} s", flush=True)
    fresh = dataclasses.replace(settings, fresh_kernels=True)
    b, counts_b = engine(jobs, fresh, args.jobs)
    print(f"(b) engine, cold, fresh kernels: {b:.1f} s {counts_b}", flush=True)
    warm = dataclasses.replace(settings, build_dir=scratch / "build-warm")
    f, counts_f = engine(jobs, warm, args.jobs)
    different = list(differences(settings.build_dir, warm.build_dir))
    print(f"(f) engine, cold, warm kernels: {f:.1f} s {counts_f}; outputs differing from (b): {len(different)}", flush=True)
    c, counts_c = engine(jobs, settings, args.jobs)
    print(f"(c) engine, nothing changed: {c:.2f} s {counts_c}", flush=True)

    changed = regions[-1]
    change_region_data(scratch / "data", changed, args.years[-1])
    d, counts_d = engine(jobs, settings, args.jobs)
    year = args.years[-1]
    # the reports that show that year, and the district comparisons beside it that show the changed district
    expected_d = sum(j.year in (year, year + 1) and (j.region == changed or (
        j.chapter in settings.comparing and changed in settings.peers.get(j.region, []))) for j in jobs)
    print(f"(d) engine after changing {changed}'s data: {d:.1f} s {counts_d} (expected {expected_d} executed)", flush=True)
    edited = Path("narratives", str(year), "eenheid", "cybercrime.md")
    text = scratch / "data" / edited
    text.write_text(text.read_text(encoding="utf-8") + "\nEen zin erbij, zonder cijfers.\n", encoding="utf-8")
    g, counts_g = engine(jobs, settings, args.jobs)
    print(f"(g) engine after editing {edited}: {g:.1f} s {counts_g} (expected 1 executed: its own chapter)", flush=True)

    floor_b = e * len(jobs) / min(args.jobs, os.cpu_count() or 1)
    print("\nratios (targets on 2 cores):")
    print(f"  (a)/(b)             = {a / b:6.2f}   target >= 2.0")
    print(f"  (b)/(c)             = {b / c:6.1f}   target >= 50; kernels started in (c): {counts_c['executed']}")
    print(f"  (d) executed        = {counts_d['executed']:6d}   target == {expected_d} (only {changed} and the comparisons showing it)")
    print(f"  (g) executed        = {counts_g['executed']:6d}   target == 1 (only {year}/eenheid/cybercrime shows {edited})")
    print(f"  (b)/floor           = {b / floor_b:6.2f}   target <= 1.3 (floor = {e:.2f} s x {len(jobs)} / cores)")
    print(f"  (b)/(f)             = {b / f:6.2f}   target >= 2.0")
    print(f"  (f)/floor           = {f / floor_b:6.2f}   target <= 0.6")
    print(f"  (f) vs (b) outputs  = {len(different):6d}   differences (target 0){': ' + different[0] if different else ''}")
    shutil.rmtree(scratch)


if __name__ == "__main__":
    main()
