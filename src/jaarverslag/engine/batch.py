"""Batch engine: render every (year, region, chapter) of the matrix, in parallel and incrementally.

Each job is keyed by a content hash of what determines its output (see `hashing`): the
notebook's cells, the parameters, the chapter's entry in the batch file, the data of
its region, the library's code and the narratives the chapter read when it last ran. A job whose key matches the manifest and whose
outputs exist is skipped without starting a kernel. Results go to the manifest, owned
by the one process that holds the build directory's lock. Workers keep a warm kernel
(see `kernels`); Dask workers get the project as a snapshot and send their outputs back
(see `snapshot`), so they need no shared filesystem.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from asyncio import CancelledError
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .. import __version__
from ..errors import InfrastructureError, RenderError, ResourceError, WorkerSetupError
from ..files import write_atomic
from ..inputs import Dataset
from ..inputs.params import Batch
from . import cluster
from .cluster import Identity
from .hashing import current_reads, data_digests, library_digest, notebook_digest, sha, with_reads
from .janitor import SCRATCH
from .layout import Layout
from .manifest import Manifest, Result, now
from .owner import Owner, kill_children
from .progress import reporter
from .snapshot import BATCH, DATA, NOTEBOOKS, Snapshot

if TYPE_CHECKING:
    from dask.distributed import Client, Future

ATTEMPTS = 2  # an infrastructure failure is retried once before it counts
WINDOW = 2  # Dask jobs in flight per worker thread: one running, one ready to start


@dataclass(frozen=True)
class Job:
    year: int
    region: str
    chapter: str  # the chapter's notebook name

    @property
    def name(self) -> str:
        return f"{self.year}/{self.region}/{self.chapter}"


@dataclass(frozen=True)
class Settings:
    """What every job needs besides its own (year, region, chapter); absolute paths, as pool workers see them."""

    notebooks_dir: Path
    data_dir: Path
    batch_file: Path
    build_dir: Path
    region_names: dict[str, str]
    titles: dict[str, str]  # chapter notebook -> chapter title
    themes: dict[str, list[str]]  # chapter notebook -> the themes it shows
    timeout: float | None = None  # seconds per notebook
    owner: Owner | None = None  # the run; its workers end when it does
    fresh_kernels: bool = False  # a new kernel per notebook instead of each worker's warm one
    comparing: frozenset[str] = frozenset()  # chapters that show the districts beside the region
    peers: dict[str, list[str]] = dataclasses.field(default_factory=dict)  # region -> the districts such a chapter shows
    scratch: str | None = None  # the run's scratch folder (engine/janitor.py): kernels put their sockets there

    @classmethod
    def of(cls, batch: Batch, data: Dataset, notebooks_dir: Path, batch_file: Path, build_dir: Path,
           timeout: float | None = None, fresh_kernels: bool = False) -> Settings:
        """Settings for this batch, with absolute paths (workers may run elsewhere) and this process as owner."""
        from ..analysis.districts import peers

        return cls(
            Path(notebooks_dir).resolve(), Path(data.data_dir).resolve(), Path(batch_file).resolve(),
            Path(build_dir).resolve(), dict(zip(data.regions["id"], data.regions["name"])),
            {chapter.notebook: chapter.title_in(data) for chapter in batch.chapters},
            {chapter.notebook: chapter.themes for chapter in batch.chapters}, timeout, Owner.current(), fresh_kernels,
            frozenset(c.notebook for c in batch.chapters if c.compares_districts),
            {region: peers(data, region) for region in batch.regions},
        )


def execute(job: Job, key: str, hashes: dict, settings: Settings, commit: str) -> Result:
    """Render one job, retrying an infrastructure failure once; runs in a worker process (pool or Dask)."""
    from .render import render

    owner = settings.owner
    if owner is not None:
        owner.watch()
    if settings.scratch:  # a pool worker may come from a forkserver that an earlier run started
        Path(settings.scratch).mkdir(parents=True, exist_ok=True)
        os.environ["TMPDIR"] = os.environ["JUPYTER_RUNTIME_DIR"] = os.environ[SCRATCH] = settings.scratch
    parameters = {"year": job.year, "region": job.region}
    result = Result(job.name, key, "executed", parameters, hashes, started=now(), version=__version__, commit=commit,
                    kernel="fresh" if settings.fresh_kernels else "warm")
    began = time.perf_counter()
    for attempt in range(1, ATTEMPTS + 1):
        result.attempts = attempt
        try:
            rendered = render(
                settings.notebooks_dir / f"{job.chapter}.ipynb", Layout(settings.build_dir), job.year, job.region,
                {**parameters, "data_dir": str(settings.data_dir), "batch_file": str(settings.batch_file)},
                f"{settings.titles[job.chapter]} {job.year} – {settings.region_names[job.region]}",
                timeout=settings.timeout, still_owned=owner.alive if owner else lambda: True,
                warm=not settings.fresh_kernels,
            )
            result.status, result.error = "executed", ""
            result.outputs, result.reads = [str(rendered.notebook), str(rendered.page)], rendered.reads
            result.key = with_reads(key, rendered.reads)
            break
        except RenderError as exc:
            result.status, result.error = "failed", str(exc)
            break
        except ResourceError:  # disk full or read-only: no retry, and the run stops dispatching
            raise
        except InfrastructureError as exc:
            result.status, result.error = "infrastructure", str(exc)
        except Exception as exc:  # a worker must report, never die silently
            result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
            break
    result.duration = round(time.perf_counter() - began, 3)
    result.finished = now()
    return result


@dataclass(frozen=True)
class Delivery:
    """A Dask job's answer: which worker rendered it, with what, and what came out."""

    worker: str  # its address
    identity: Identity  # its library, its kernel and the job's notebook, as the worker found them
    result: Result | None  # None: the worker did not render, its set-up differs from the job's (see cluster.refusal)
    outputs: list[bytes]


def execute_shipped(job: Job, key: str, hashes: dict, settings: Settings, commit: str, snapshot: Snapshot) -> Delivery:
    """A Dask job on a worker that sees none of the client's files: unpack the snapshot (once per worker),
    render into a private build directory, return the result and the outputs' bytes; render nothing when
    this worker's library, kernel or copy of the notebook is not what the client planned with."""
    from dask.distributed import get_worker

    worker = get_worker()
    base = Path(worker.local_directory) / "jaarverslag"
    base.mkdir(parents=True, exist_ok=True)
    root = snapshot.unpack(base)
    found = dataclasses.replace(cluster.identity(), notebook=notebook_digest(root / NOTEBOOKS / f"{job.chapter}.ipynb"))
    if cluster.refusal(worker.address, found, hashes):
        return Delivery(worker.address, found, None, [])
    build = Path(tempfile.mkdtemp(prefix="build-", dir=base))
    try:
        local = dataclasses.replace(settings, notebooks_dir=root / NOTEBOOKS, data_dir=root / DATA,
                                    batch_file=root / BATCH, build_dir=build)
        result = execute(job, key, hashes, local, commit)
        return Delivery(worker.address, found, result, [Path(p).read_bytes() for p in result.outputs])
    finally:
        shutil.rmtree(build, ignore_errors=True)


def git_commit() -> str:
    """The library's commit, for provenance; 'onbekend' outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "onbekend"


Planned = tuple[Job, str, dict]  # a job to run, its key (before the files it reads) and its hashes


def plan(jobs: list[Job], settings: Settings, manifest: Manifest, force: bool = False) -> tuple[list[Planned], list[Result]]:
    """Split jobs into those to run (with key and hashes) and those the manifest shows up to date."""
    library = library_digest()
    shown = {(j.year, j.region) for j in jobs}
    shown |= {(j.year, p) for j in jobs if j.chapter in settings.comparing for p in settings.peers.get(j.region, [])}
    data = data_digests(settings.data_dir, sorted(shown))
    chapters = sorted({j.chapter for j in jobs})
    notebooks = {c: notebook_digest(settings.notebooks_dir / f"{c}.ipynb") for c in chapters}
    to_run, skipped = [], []
    for job in jobs:
        hashes = {"notebook": notebooks[job.chapter], "data": data[job.year, job.region], "library": library}
        if job.chapter in settings.comparing:  # the districts it shows count too, apart from the region's own data
            hashes["peers"] = sha(*(data[job.year, p].encode() for p in settings.peers.get(job.region, [])))
        params = {"year": job.year, "region": job.region}
        chapter = [job.chapter, settings.titles[job.chapter], settings.themes[job.chapter]]  # as the batch names it
        key = sha(json.dumps([chapter, params, hashes], sort_keys=True).encode())
        entry = manifest.get(job.name)
        known = with_reads(key, current_reads(settings.data_dir, entry.get("reads") or {}))
        outputs = entry.get("outputs") or []
        up_to_date = (
            entry.get("key") == known and entry.get("status") in ("executed", "skipped")
            and bool(outputs) and all(Path(p).is_file() for p in outputs)
        )
        if up_to_date and not force:
            skipped.append(Result(**{**entry, "status": "skipped"}))
        else:
            to_run.append((job, key, hashes))
    return to_run, skipped


def run(jobs: list[Job], settings: Settings, workers: int, executor: str = "local", scheduler: str | None = None,
        force: bool = False, progress: bool | None = None, keep_kernel: bool = False) -> list[Result]:
    """Run the jobs that changed; return every job's result (skipped first, then in order of completion).

    keep_kernel: with one worker, this process's warm kernel outlives the run, for the next
    (`jaarverslag preview`, which shuts it down with `kernels.shutdown()` when it ends).

    The caller holds the build lock. A failed job keeps its previous output and entry
    (with the new status and error), so the next run tries it again. A ResourceError (disk
    full, read-only) ends the run at once: no further job starts, finished ones are kept.
    """
    settings = dataclasses.replace(settings, scratch=os.environ.get(SCRATCH))  # this run's, under the lock
    manifest = Manifest(Layout(settings.build_dir))
    to_run, results = plan(jobs, settings, manifest, force)
    for result in results:
        manifest.entries[result.job] = asdict(result)
    report = reporter(len(to_run), progress)
    commit = git_commit() if to_run else ""
    try:
        for result in _dispatch(to_run, settings, workers, executor, scheduler, commit, keep_kernel):
            previous = manifest.get(result.job)
            if result.status in FAILED and previous:
                manifest.record({**previous, "status": result.status, "error": result.error})
            else:
                manifest.record(asdict(result))
            results.append(result)
            report(result)
    finally:
        manifest.save()
    return results


FAILED = ("failed", "infrastructure")


def exit_code(results: list[Result]) -> int:
    """3 when the machinery failed (worth a retry), 1 when a notebook failed, 0 when all is well."""
    statuses = {r.status for r in results}
    return 3 if "infrastructure" in statuses else 1 if "failed" in statuses else 0


def _dispatch(to_run: list[Planned], settings: Settings, workers: int, executor: str, scheduler: str | None,
              commit: str, keep_kernel: bool = False) -> Iterator[Result]:
    if not to_run:
        return
    if executor == "dask":
        yield from _dispatch_dask(to_run, settings, workers, scheduler, commit)
        return
    if workers <= 1:
        try:
            for job, key, hashes in to_run:
                yield execute(job, key, hashes, settings, commit)
        finally:
            if not keep_kernel:
                from . import kernels  # papermill loads slowly: only once a job ran

                kernels.shutdown()
        return
    # forkserver: workers must not inherit the build lock (a forked child would hold it
    # after its parent was killed).
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
    try:
        futures = [pool.submit(execute, job, key, hashes, settings, commit) for job, key, hashes in to_run]
        for future in as_completed(futures):
            yield future.result()
    except BrokenProcessPool:
        raise InfrastructureError("a worker process died (out of memory or killed); finished jobs are in the manifest") from None
    finally:
        # Also when interrupted (SIGTERM, Ctrl-C): queued jobs are dropped and running ones abandoned,
        # instead of the pool's default of finishing every queued notebook first.
        workers_ = list(pool._processes or {})  # pids; the executor has no public way to stop a running task
        pool.shutdown(wait=False, cancel_futures=True)
        for pid in workers_:
            kill_children(pid)  # their warm kernels
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _reachable(scheduler: str, seconds: float = 3.0) -> None:
    """Fail in seconds, not after the client's 30 s, when nothing listens at a tcp:// scheduler address."""
    address = urlsplit(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if address.scheme not in ("tcp", "tls") or not address.hostname or not address.port:
        return  # other transports: let the client tell
    try:
        socket.create_connection((address.hostname, address.port), timeout=seconds).close()
    except OSError as exc:
        raise InfrastructureError(f"cannot reach the Dask scheduler {scheduler}: {exc.strerror or exc}") from None


def _dispatch_dask(to_run: list[Planned], settings: Settings, workers: int, scheduler: str | None, commit: str) -> Iterator[Result]:
    """On a Dask cluster whose workers were checked first; Dask's log goes to build/cluster.log, not the console."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        cluster.check_tls(scheduler)
        _reachable(scheduler)
    layout = Layout(settings.build_dir)
    with cluster.logging_to(layout.cluster_log):
        try:
            local = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
            client = Client(scheduler or local, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise InfrastructureError(f"cannot reach the Dask scheduler {scheduler or '(local cluster)'}: {exc}") from None
        try:
            address = scheduler or client.scheduler.address
            cluster.wait_for_workers(client, address)
            cluster.check_workers(client, to_run[0][2]["library"])
            yield from _stream(client, address, to_run, settings, commit, external=bool(scheduler))
        finally:
            client.close()
            if local is not None:
                local.close()


def _stream(client: Client, address: str, to_run: list[Planned], settings: Settings, commit: str,
            external: bool) -> Iterator[Result]:
    """Each result checked and written as it arrives, then released, with WINDOW jobs per worker thread in
    flight: neither this process nor a worker holds more than a few results, and a lost worker costs only
    the jobs it was running."""
    from dask.distributed import KilledWorker
    from dask.distributed import as_completed as dask_completed

    layout = Layout(settings.build_dir)
    # Workers get the project as a snapshot, sent to each once, and none of the client's paths.
    shipped = client.scatter(Snapshot.of(settings.notebooks_dir, settings.titles, settings.data_dir, settings.batch_file), hash=True)
    remote = dataclasses.replace(settings, notebooks_dir=Path(), data_dir=Path(), batch_file=Path(), build_dir=Path(),
                                 owner=None if external else settings.owner,  # an external cluster's workers outlive us
                                 scratch=None if external else settings.scratch)
    planned: dict[str, Planned] = {}

    def submit(job: Job, key: str, hashes: dict) -> Future:
        future = client.submit(execute_shipped, job, key, hashes, remote, commit, shipped, pure=False)
        planned[future.key] = (job, key, hashes)
        return future

    queue, pending = iter(to_run), dask_completed(loop=client.loop)  # it drops each future as it hands it out
    counted, window = -1.0, 0

    def submit_more() -> None:
        """Keep WINDOW jobs per worker thread in flight (workers that join count within a second): results wait
        for this process in bounded numbers, however fast the workers are and however slow this disk is."""
        nonlocal counted, window
        if client.status != "running":  # the scheduler is gone: asking it would wait for a reconnection (30 s)
            return
        if time.monotonic() - counted >= 1:
            counted, window = time.monotonic(), WINDOW * max(sum(client.nthreads().values()), 1)
        while pending.count() < window and (planned_job := next(queue, None)) is not None:
            pending.add(submit(*planned_job))

    submit_more()
    for done, future in enumerate(pending):
        job, key, hashes = planned.pop(future.key)
        try:
            submit_more()  # before the next is awaited, whatever becomes of this one
            delivery = future.result()
            refused = _refusal(client, future, delivery, hashes)
        except ResourceError:
            raise
        except KilledWorker:  # its worker died every time it tried (out of memory, killed): this job only
            yield Result(job.name, key, "infrastructure", {"year": job.year, "region": job.region}, hashes, started=now(),
                         finished=now(), version=__version__, commit=commit, error="its Dask worker died each time it "
                         f"rendered it (out of memory or killed); see {layout.cluster_log}")
            continue
        except (Exception, CancelledError) as exc:  # a lost scheduler cancels every future
            lost = isinstance(exc, CancelledError) or client.status != "running"
            what = f"lost the Dask scheduler {address}" if lost else f"the Dask cluster failed ({type(exc).__name__}: {exc})"
            raise InfrastructureError(f"{what} after {done} of {len(to_run)} notebooks: those are in the manifest, the "
                                      f"others run next time (Dask's log: {layout.cluster_log})") from None
        finally:
            future.release()  # the worker forgets the result
        if refused:
            raise WorkerSetupError(f"{job.name}: {refused}")
        result = delivery.result
        if delivery.outputs:
            targets = [layout.notebook(job.year, job.region, job.chapter), layout.page(job.year, job.region, job.chapter)]
            for target, content in zip(targets, delivery.outputs, strict=True):
                write_atomic(target, content)
            result.outputs = [str(t) for t in targets]
        del delivery
        yield result


def _refusal(client: Client, future: Future, delivery: object, hashes: dict) -> str | None:
    """Why this answer's outputs must not land (another library, no kernel, another notebook); None when they may."""
    if not isinstance(delivery, Delivery):  # a worker of a version before deliveries
        workers = ", ".join(client.who_has(future).get(future.key, ())) or "(unknown)"
        return (f"the Dask worker {workers} runs another version of jaarverslag (its answer is not one this client "
                "knows): install the client's version on the worker and restart it")
    reason = cluster.refusal(delivery.worker, delivery.identity, hashes)
    if reason is None and delivery.result is None:
        return f"the Dask worker {delivery.worker} did not render it, for a reason this client does not know"
    return reason
