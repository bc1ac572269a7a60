"""The engine at scale: planning, a run with nothing to do, and the manifest, for up to ~3 000 jobs.

A synthetic matrix in a scratch directory: the unit's figures copied to every year, 26 made-up
districts beside the six real ones (33 regions), and the demo generator filling in every
district, year and goal, for 1, 3 and 10 years x 33 regions x 9 chapters. For each size it
measures (1) planning every job (content hashes and manifest lookups), (2) `run` with nothing
changed (plan, then skip every job: no kernel), and (3) the manifest's size. Each should grow
linearly: the per-job figures stay flat.

No notebook is executed: a finished run is recorded as a real one leaves it (each job in the
manifest with its key and its outputs on disk). Executing 3 000 notebooks would measure the
kernels, which benchmarks/batch.py does.

Usage: .venv/bin/python benchmarks/scale.py [--years 1 3 10]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import yaml

from jaarverslag.engine.batch import Job, Settings, plan, run
from jaarverslag.engine.layout import Layout
from jaarverslag.engine.manifest import Manifest, Result
from jaarverslag.feeds import demo
from jaarverslag.inputs import load
from jaarverslag.inputs.params import load_batch
from jaarverslag.inputs.write import write_tables

ROOT = Path(__file__).resolve().parents[1]
REGIONS = 33
LAST = 2019


def synthetic(scratch: Path, years: list[int]) -> tuple[Path, Path]:
    """data/ and a batch file for these years and REGIONS regions."""
    data_dir = scratch / "data"
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(ROOT / "data", data_dir)
    data = load(data_dir)
    regions = data.regions
    made_up = REGIONS - int((regions["level"].isin(["eenheid", "district"])).sum())
    regions = pd.concat([regions, pd.DataFrame([{"id": f"district-{n:02d}", "name": f"District {n:02d}", "level": "district",
                                                 "parent": data.unit} for n in range(1, made_up + 1)])], ignore_index=True)
    unit_years = [years[0] - 1, *years]  # a report shows its year and the one before

    def every_year(frame: pd.DataFrame) -> pd.DataFrame:
        unit = frame[(frame["region"] == data.unit) & (frame["year"] == LAST)]
        return pd.concat([frame[frame["region"] != data.unit]] + [unit.assign(year=y) for y in unit_years],
                         ignore_index=True).drop_duplicates(["indicator", "region", "year"], keep="last")

    unit_goals = data.goals[(data.goals["region"] == data.unit) & (data.goals["year"] == LAST)]
    goals = pd.concat([unit_goals.assign(year=y) for y in years], ignore_index=True)  # districts follow the unit's years
    write_tables(data_dir, {"regions": regions, "observations": every_year(data.observations),
                            "targets": every_year(data.targets), "goals": goals})
    write_tables(data_dir, demo.generate(load(data_dir)))
    config = yaml.safe_load((ROOT / "params" / "batch.yaml").read_text(encoding="utf-8"))
    config["years"] = years
    config["regions"] = list(regions.loc[regions["level"].isin(["eenheid", "district"]), "id"])
    batch_file = scratch / "batch.yaml"
    batch_file.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return data_dir, batch_file


def finished(jobs: list[Job], settings: Settings) -> None:
    """The build a completed run leaves: every job in the manifest, its outputs in place."""
    layout = Layout(settings.build_dir)
    manifest = Manifest(layout)
    to_run, _ = plan(jobs, settings, manifest)
    for job, key, hashes in to_run:
        outputs = [layout.notebook(job.year, job.region, job.chapter), layout.page(job.year, job.region, job.chapter)]
        for output in outputs:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.touch()
        manifest.entries[job.name] = asdict(Result(job.name, key, "executed", {"year": job.year, "region": job.region},
                                                   hashes, [str(o) for o in outputs], kernel="warm"))
    manifest.save()


def measure(scratch: Path, years: list[int]) -> dict:
    data_dir, batch_file = synthetic(scratch, years)
    data = load(data_dir)
    batch = load_batch(batch_file)
    batch.check(data, ROOT / "notebooks")
    jobs = [Job(*job) for job in batch.jobs()]
    settings = Settings.of(batch, data, ROOT / "notebooks", batch_file, scratch / f"build-{len(years)}")
    finished(jobs, settings)
    started = time.perf_counter()
    to_run, skipped = plan(jobs, settings, Manifest(Layout(settings.build_dir)))
    planning = time.perf_counter() - started
    started = time.perf_counter()
    results = run(jobs, settings, workers=2, progress=False)
    idle = time.perf_counter() - started
    assert not to_run and len(skipped) == len(jobs) and {r.status for r in results} == {"skipped"}
    return {"years": len(years), "jobs": len(jobs), "plan": planning, "run": idle,
            "manifest": Layout(settings.build_dir).manifest.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 3, 10], help="matrix sizes, in years")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="jaarverslag-scale-"))
    try:
        rows = [measure(scratch, list(range(LAST - n + 1, LAST + 1))) for n in args.years]
    finally:
        shutil.rmtree(scratch)
    print(f"{'years':>5} {'jobs':>6} {'plan s':>8} {'run s':>7} {'manifest':>10} {'plan/job':>9} {'run/job':>9} {'bytes/job':>9}")
    for r in rows:
        print(f"{r['years']:>5} {r['jobs']:>6} {r['plan']:>8.2f} {r['run']:>7.2f} {r['manifest'] / 1e6:>8.2f}MB "
              f"{r['plan'] / r['jobs'] * 1e3:>7.2f}ms {r['run'] / r['jobs'] * 1e3:>7.2f}ms {r['manifest'] / r['jobs']:>9.0f}")
    largest = rows[-1]
    print(f"\n{largest['jobs']} jobs: plan + no-change run = {largest['plan'] + largest['run']:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
