"""Batch engine: render every (year, region, theme) of the matrix, in parallel and incrementally.

Each job is keyed by a content hash of what determines its output: the notebook's cells,
the parameters, the data rows of its region (plus the shared tables and its narratives)
and the library's code. A job whose key matches the manifest and whose outputs exist is
skipped without starting a kernel. Results go into build/manifest.json, written
atomically by the one process that owns the build directory's lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pandas as pd

from .contract import TABLES
from .errors import JaarverslagError, RenderError
from .files import STALE, write_atomic

PACKAGE = Path(__file__).parent
REGIONAL_TABLES = ("observations", "targets", "goals")  # rows belong to one region
SHARED_TABLES = tuple(t for t in TABLES if t not in REGIONAL_TABLES)


@dataclass(frozen=True)
class Job:
    year: int
    region: str
    theme: str

    @property
    def name(self) -> str:
        return f"{self.year}/{self.region}/{self.theme}"


@dataclass
class Result:
    job: str
    key: str
    status: str  # executed | skipped | failed
    parameters: dict
    hashes: dict
    outputs: list[str] = field(default_factory=list)
    duration: float = 0.0
    started: str = ""
    finished: str = ""
    error: str = ""


# -- content hashes ----------------------------------------------------------------


def _sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def library_digest() -> str:
    """The library's code and templates: any change re-renders everything."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return _sha(*(str(p.relative_to(PACKAGE)).encode() + p.read_bytes() for p in files))


def notebook_digest(path: Path) -> str:
    """The notebook's cells (type, source, tags) and kernel: stored outputs do not count."""
    nb = nbformat.read(path, as_version=4)
    cells = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]
    return _sha(json.dumps([cells, nb.metadata.get("kernelspec", {}), nb.metadata.get("title")]).encode())


def data_digests(data_dir: Path, regions: list[str]) -> dict[str, str]:
    """Per region: the shared tables, that region's rows of the regional tables and its narratives."""
    data_dir = Path(data_dir)
    shared = [(data_dir / f"{name}.csv").read_bytes() for name in SHARED_TABLES]
    regional = {name: pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False) for name in REGIONAL_TABLES}
    digests = {}
    for region in regions:
        rows = [frame[frame["region"] == region].to_csv(index=False).encode() for frame in regional.values()]
        narratives = sorted((data_dir / "narratives").glob(f"*/{region}/*.md"))
        texts = [str(p.relative_to(data_dir)).encode() + p.read_bytes() for p in narratives]
        digests[region] = _sha(*shared, *rows, *texts)
    return digests


# -- manifest and lock ---------------------------------------------------------------


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_manifest(build_dir: Path) -> dict[str, dict]:
    path = Path(build_dir) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))["jobs"] if path.is_file() else {}


def save_manifest(build_dir: Path, entries: dict[str, dict]) -> None:
    document = {"updated": _now(), "jobs": dict(sorted(entries.items()))}
    write_atomic(Path(build_dir) / "manifest.json", json.dumps(document, indent=1, ensure_ascii=False))


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Exclusive use of build_dir; released by the OS even when the process is killed."""
    build_dir = Path(build_dir)
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            raise JaarverslagError(
                f"{build_dir} is in use by another jaarverslag run (pid {owner}); wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        # Temporary files of a run that was killed are never valid outputs.
        for stale in build_dir.rglob(STALE):
            stale.unlink(missing_ok=True)
        try:
            yield
        finally:
            handle.truncate(0)


# -- running -------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What every job needs besides its own (year, region, theme)."""

    notebooks_dir: Path
    data_dir: Path
    build_dir: Path
    region_names: dict[str, str]


def execute(job: Job, key: str, hashes: dict, settings: Settings) -> Result:
    """Render one job; runs in a worker process (local pool or Dask worker)."""
    from .render import render

    result = Result(job.name, key, "executed", {"year": job.year, "region": job.region}, hashes, started=_now())
    began = time.perf_counter()
    try:
        outputs = render(
            settings.notebooks_dir / f"{job.theme}.ipynb", settings.build_dir, settings.data_dir,
            job.year, job.region, settings.region_names[job.region],
        )
        result.outputs = [str(p) for p in outputs]
    except RenderError as exc:
        result.status, result.error = "failed", str(exc)
    except Exception as exc:  # a worker must report, never die silently
        result.status, result.error = "failed", f"{job.name}: {type(exc).__name__}: {exc}"
    result.duration = round(time.perf_counter() - began, 3)
    result.finished = _now()
    return result


def plan(
    jobs: list[Job], settings: Settings, manifest: dict[str, dict], force: bool = False
) -> tuple[list[tuple[Job, str, dict]], list[Result]]:
    """Split jobs into those to run (with key and hashes) and those the manifest shows up to date."""
    library = library_digest()
    data = data_digests(settings.data_dir, sorted({j.region for j in jobs}))
    notebooks = {t: notebook_digest(settings.notebooks_dir / f"{t}.ipynb") for t in sorted({j.theme for j in jobs})}
    to_run, skipped = [], []
    for job in jobs:
        hashes = {"notebook": notebooks[job.theme], "data": data[job.region], "library": library}
        params = {"year": job.year, "region": job.region}
        key = _sha(json.dumps([job.theme, params, hashes], sort_keys=True).encode())
        entry = manifest.get(job.name, {})
        outputs = entry.get("outputs") or []
        up_to_date = (
            entry.get("key") == key and entry.get("status") in ("executed", "skipped")
            and bool(outputs) and all(Path(p).is_file() for p in outputs)
        )
        if up_to_date and not force:
            skipped.append(Result(**{**entry, "status": "skipped"}))
        else:
            to_run.append((job, key, hashes))
    return to_run, skipped


def run(jobs: list[Job], settings: Settings, workers: int, executor: str = "local", scheduler: str | None = None,
        force: bool = False, progress: bool | None = None) -> list[Result]:
    """Run the jobs that changed; return every job's result (manifest order)."""
    with build_lock(settings.build_dir):
        entries = load_manifest(settings.build_dir)
        to_run, results = plan(jobs, settings, entries, force)
        for result in results:
            entries[result.job] = asdict(result)
        report = _reporter(len(to_run), progress)
        for result in _dispatch(to_run, settings, workers, executor, scheduler):
            if result.status == "failed" and result.job in entries:
                entries[result.job] = {**entries[result.job], "status": "failed", "error": result.error}
            else:
                entries[result.job] = asdict(result)
            save_manifest(settings.build_dir, entries)
            results.append(result)
            report(result)
        save_manifest(settings.build_dir, entries)
    return results


def _dispatch(to_run, settings: Settings, workers: int, executor: str, scheduler: str | None):
    if not to_run:
        return
    if executor == "dask":
        yield from _dispatch_dask(to_run, settings, workers, scheduler)
        return
    if workers <= 1:
        for job, key, hashes in to_run:
            yield execute(job, key, hashes, settings)
        return
    # forkserver: workers must not inherit the build lock (a forked child would hold it
    # after its parent was killed).
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        futures = [pool.submit(execute, job, key, hashes, settings) for job, key, hashes in to_run]
        try:
            for future in as_completed(futures):
                yield future.result()
        except BrokenProcessPool:
            raise JaarverslagError("a worker process died (out of memory or killed); finished jobs are in the manifest") from None


def _dispatch_dask(to_run, settings: Settings, workers: int, scheduler: str | None):
    from dask.distributed import Client, LocalCluster, as_completed as dask_completed

    try:
        cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
        client = Client(scheduler or cluster, timeout=30)
    except (OSError, TimeoutError) as exc:
        raise JaarverslagError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {exc}") from None
    try:
        futures = [client.submit(execute, job, key, hashes, settings, pure=False) for job, key, hashes in to_run]
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _reporter(total: int, progress: bool | None):
    """A tqdm bar on a terminal, plain log lines otherwise."""
    if progress is None:
        progress = sys.stderr.isatty()
    if progress and total:
        from tqdm import tqdm

        bar = tqdm(total=total, unit="notebook", file=sys.stderr)

        def update(result: Result) -> None:
            bar.set_postfix_str(f"{result.job} {result.status}")
            bar.update()
            if bar.n == total:
                bar.close()

        return update
    done = iter(range(1, total + 1))

    def log(result: Result) -> None:
        print(f"[{next(done)}/{total}] {result.job}: {result.status} ({result.duration:.1f} s)", file=sys.stderr, flush=True)

    return log


def summary(results: list[Result], elapsed: float) -> str:
    """The final table: executed, skipped, failed and time."""
    counts = pd.Series([r.status for r in results]).value_counts()
    lines = [f"{'executed':<10}{counts.get('executed', 0):>6}", f"{'skipped':<10}{counts.get('skipped', 0):>6}",
             f"{'failed':<10}{counts.get('failed', 0):>6}", f"{'time':<10}{elapsed:>5.1f}s"]
    failures = [f"  {r.job}: {r.error}" for r in results if r.status == "failed"]
    return "\n".join(lines + (["failures:"] + failures if failures else []))
