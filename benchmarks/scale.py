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

With --dask it measures memory on a Dask cluster instead: a `dask scheduler` and two workers
(`dask worker --nthreads 1`, what `jaarverslag worker` starts), each a process of its own in a
directory of its own. First, real: the chapters of one report rendered through the Dask path,
then the RSS of each worker's warm kernel and of each worker. Then the largest matrix (3 300
jobs) through the Dask path with the render step stubbed: on the workers, papermill and
nbconvert (`engine.render.render`) are replaced by a stand-in that writes an executed notebook
and an HTML page of the real sizes (random bytes). Everything else is real: the snapshot, the
workers' checks, Dask's transfers, the client writing each output (fsynced) and the manifest.
It reports the peak RSS of the client (sampled every 20 ms), the scheduler and the workers.

Usage: .venv/bin/python benchmarks/scale.py [--years 1 3 10]
       .venv/bin/python benchmarks/scale.py --dask [--dask-years 10]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import psutil
import yaml
from dask.distributed import Client, WorkerPlugin

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


OUTPUTS = (150_000, 350_000)  # bytes of an executed notebook and its HTML page, as rendered for the unit in 2019
MB = 1024 * 1024


class StubRender(WorkerPlugin):
    """On each worker: render.render replaced by writing its two outputs at their real sizes (no kernel, no nbconvert)."""

    def __init__(self, sizes: tuple[int, int]) -> None:
        self.sizes = sizes

    def setup(self, worker) -> None:
        from jaarverslag.engine import render as module

        sizes = self.sizes

        def stub(notebook, layout, year, region, *args, **kwargs):
            chapter = Path(notebook).stem
            outputs = (layout.notebook(year, region, chapter), layout.page(year, region, chapter))
            for output, size in zip(outputs, sizes):
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_bytes(os.urandom(size))
            return outputs

        module.render = stub


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def rss() -> int:
    return psutil.Process().memory_info().rss


def kernels_rss() -> list[int]:
    """The resident memory of this worker's warm kernels."""
    from jaarverslag.engine import kernels

    return [kernel.memory() for kernel in kernels._kernels.values()]


class Sampler:
    """The peak RSS of this process while it runs, sampled every 20 ms."""

    def __enter__(self) -> Sampler:
        self.peak, self._stop = rss(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def start(command: list[str], home: Path) -> subprocess.Popen:
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "log", "w") as log:
        return subprocess.Popen(command, cwd=home, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def dask_memory(scratch: Path, years: int) -> dict:
    data_dir, batch_file = synthetic(scratch, list(range(LAST - years + 1, LAST + 1)))
    data = load(data_dir)
    batch = load_batch(batch_file)
    batch.check(data, ROOT / "notebooks")
    jobs = [Job(*job) for job in batch.jobs()]
    address_file = scratch / "scheduler.json"
    processes = [start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                        "--no-dashboard", "--scheduler-file", str(address_file)], scratch / "scheduler")]
    try:
        while not address_file.is_file():
            time.sleep(0.1)
        time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        for n in (1, 2):
            home = scratch / f"worker-{n}"
            processes.append(start([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                    "--no-dashboard", "--local-directory", str(home)], home))
        with Client(address) as client:
            client.wait_for_workers(2, timeout=60)
            report = [Job(LAST, data.unit, chapter) for chapter in batch.notebooks]  # real: every chapter of one report
            real = run(report, Settings.of(batch, data, ROOT / "notebooks", batch_file, scratch / "build-real"), workers=2,
                       executor="dask", scheduler=address, progress=False)
            assert {r.status for r in real} == {"executed"}, [r.error for r in real]
            warm = {"kernels": sum(client.run(kernels_rss).values(), []), "workers": list(client.run(rss).values())}

            client.register_plugin(StubRender(OUTPUTS))
            settings = Settings.of(batch, data, ROOT / "notebooks", batch_file, scratch / "build-stubbed")
            before = rss()
            started = time.perf_counter()
            with Sampler() as client_memory, contextlib.redirect_stderr(io.StringIO()):  # no 3 300 progress lines
                results = run(jobs, settings, workers=2, executor="dask", scheduler=address, progress=False)
            elapsed = time.perf_counter() - started
            assert len(results) == len(jobs) and {r.status for r in results} == {"executed"}, {r.error for r in results}
            return {"jobs": len(jobs), "report": len(report), "warm": warm, "time": elapsed, "client": before,
                    "client peak": client_memory.peak, "scheduler peak": client.run_on_scheduler(peak_rss),
                    "worker peaks": list(client.run(peak_rss).values()), "workers after": list(client.run(rss).values())}
    finally:
        for process in reversed(processes):
            os.killpg(process.pid, 9)
            process.wait()


def print_dask(r: dict) -> None:
    def mb(values: int | list[int]) -> str:
        return ", ".join(f"{v / MB:.0f}" for v in (values if isinstance(values, list) else [values])) + " MB"

    print(f"real: {r['report']} chapters of one report on 2 workers; then RSS of each warm kernel {mb(r['warm']['kernels'])}, "
          f"of each worker {mb(r['warm']['workers'])}")
    print(f"stubbed render, {r['jobs']} jobs with outputs of {sum(OUTPUTS) / 1e3:.0f} kB each ({r['jobs'] * sum(OUTPUTS) / 1e9:.2f} GB "
          f"in all): {r['time']:.0f} s, {r['time'] / r['jobs'] * 1e3:.0f} ms per job")
    print(f"client: {mb(r['client'])} before, peak {mb(r['client peak'])} (+{(r['client peak'] - r['client']) / MB:.0f} MB)")
    print(f"scheduler peak {mb(r['scheduler peak'])}; workers' peak {mb(r['worker peaks'])}, after {mb(r['workers after'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 3, 10], help="matrix sizes, in years")
    parser.add_argument("--dask", action="store_true", help="measure memory on a Dask cluster instead (see above)")
    parser.add_argument("--dask-years", type=int, default=10, help="the matrix for --dask, in years (default: 10, 3 300 jobs)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="jaarverslag-scale-"))
    if args.dask:
        try:
            print_dask(dask_memory(scratch, args.dask_years))
        finally:
            shutil.rmtree(scratch)
        return
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
