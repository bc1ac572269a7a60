"""`jaarverslag run`: the whole job in one command, as a scheduler runs it.

Under one build lock: validate the data and the batch, render what changed, publish
what changed, prepare (and, with quarto installed, render) the changed books. The run is
recorded in build/status.json as it starts, as its phases and jobs progress, and as it
ends (see `status`); then the notify command runs, after a failure or always.
Exit codes: 0 all good, 1 a notebook failed, 2 bad data or parameters (nothing run),
3 an infrastructure failure (kernel died, timeout, Chromium, disk), each retried once.
Bad input into a build directory that does not exist yet creates nothing there.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from . import status
from .analysis import narratives
from .engine import batch as engine
from .engine.layout import Layout
from .engine.lock import build_lock
from .engine.manifest import watching
from .engine.progress import counts_of, line
from .errors import InfrastructureError, JaarverslagError, ParameterError
from .files import reason
from .inputs import load
from .inputs.params import load_batch


@dataclass(frozen=True)
class Options:
    """What to run and where: the command line's options."""

    data_dir: Path
    notebooks_dir: Path
    batch_file: Path
    build_dir: Path
    config: Path
    years: list[int] | None = None
    regions: list[str] | None = None
    chapters: list[str] | None = None
    workers: int = 1
    executor: str = "local"
    scheduler: str | None = None
    timeout: float | None = None
    force: bool = False
    pdf: bool = True
    progress: bool | None = None
    notify: str | None = None
    fresh_kernels: bool = False
    notify_on: str = "failure"  # or "always": success is news too ("no news" is then "no run")
    metrics: Path | None = None  # a Prometheus textfile, written with the status


def run(options: Options, command: list[str] | None = None) -> dict:
    """Do the whole job once; return what was recorded in status.json (its 'exit_code' is the exit code).

    A second run while one holds the lock is refused (JaarverslagError) and records nothing.
    SIGINT and SIGTERM are recorded and notified, then passed on.
    """
    layout = Layout(options.build_dir)
    record = status.Run(layout, command or [], options.metrics)
    interrupted: BaseException | None = None
    with contextlib.ExitStack() as held:
        if not layout.root.exists():
            try:
                _inputs(options)  # bad input must not create the build directory (a wrong working directory)
            except (JaarverslagError, OSError) as exc:
                record.outside()
                record.finish(2 if isinstance(exc, JaarverslagError) else 3, str(exc))
                return _notified(options, record)
        try:
            held.enter_context(build_lock(layout))  # refused while another run holds it: that run owns the status
        except OSError as exc:  # a build directory that cannot be created or written (read-only, full)
            record.finish(3, f"{layout.root} cannot be written: {reason(exc)}")
            return _notified(options, record)
        record.start()
        try:
            record.finish(_steps(options, layout, record))
        except (InfrastructureError, OSError) as exc:  # OSError: disk full, permissions
            record.finish(3, str(exc))
        except JaarverslagError as exc:
            record.finish(2, str(exc))
        except (KeyboardInterrupt, SystemExit) as exc:  # SIGINT, SIGTERM (see cli): recorded, notified, passed on
            record.finish(exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 130, "interrupted")
            interrupted = exc
        except Exception as exc:  # a failure nobody foresaw: recorded and notified like the machinery failing
            record.finish(3, f"unexpected {type(exc).__name__}: {exc}")
    _notified(options, record)
    if interrupted is not None:
        raise interrupted
    return record.last


def _notified(options: Options, record: status.Run) -> dict:
    code = record.last["exit_code"]
    if options.notify and (code or options.notify_on == "always"):
        status.notify(options.notify, record, code)
    return record.last


def _inputs(options: Options) -> tuple:
    """The validated data, the whole batch, the reports to publish and the jobs' batch; JaarverslagError when bad."""
    data = load(options.data_dir)
    narratives.require_consistent(data)
    full = load_batch(options.batch_file)
    reports = full.select(options.years, options.regions)  # what is published: whole reports, whatever --chapter says
    batch = reports.select(notebooks=options.chapters)
    batch.check(data, options.notebooks_dir)
    if not options.config.is_file():
        raise ParameterError(f"{options.config}: file not found (the base Quarto configuration)")
    return data, full, reports, batch


def _steps(options: Options, layout: Layout, record: status.Run) -> int:
    last = record.last
    data, full, reports, batch = _inputs(options)

    line(f"render: {len(batch.jobs())} notebooks in the matrix")
    record.phase("render")
    settings = engine.Settings.of(batch, data, options.notebooks_dir, options.batch_file, options.build_dir, options.timeout,
                                  options.fresh_kernels)
    jobs = [engine.Job(*job) for job in batch.jobs()]
    with watching(record.job):  # jobs are counted as they settle: an interrupted run still records what it did
        results = engine.run(jobs, settings, options.workers, options.executor, options.scheduler, options.force,
                             options.progress)
    last["jobs"] = counts_of(results)
    last["failures"] = [{"job": r.job, "status": r.status, "error": r.error} for r in results
                        if r.status in engine.FAILED]

    from .publish import book
    from .publish.report import publish

    record.phase("publish")
    publications = publish(reports, data, layout, pdf=options.pdf, index_batch=full, force=options.force)
    last["reports"] = {
        "assembled": sum(p.assembled for p in publications),
        "unchanged": sum(not p.assembled for p in publications),
        "printed": sum(p.printed for p in publications),
    }
    line("publish: " + ", ".join(f"{n} {what}" for what, n in last["reports"].items()) + f"; index {layout.index}")
    record.phase("books")
    books = book.prepare(reports, data, layout, options.config, force=options.force)
    rendered = book.render(books)
    book.settle(layout, books)
    last["reports"]["books written"] = sum(b.changed for b in books)
    line(f"books: {sum(b.changed for b in books)} of {len(books)} written"
         + ("" if rendered else " (quarto is not installed: not rendered)"))
    unprinted = [p for p in publications if p.failed]  # each kept its previous PDF; the rest was published
    last["failures"] += [{"job": f"{p.report.year}/{p.report.region} (PDF)", "status": "infrastructure", "error": p.failed}
                         for p in unprinted]
    return max(engine.exit_code(results), 3 if unprinted else 0)
