"""`jaarverslag run`: the whole job in one command, as a scheduler runs it.

Under one build lock: validate the data and the batch, render what changed, publish
what changed, prepare (and, with quarto installed, render) the changed books; then
record the outcome in build/status.json and, after a failure, run the notify command.
Exit codes: 0 all good, 1 a notebook failed, 2 bad data or parameters (nothing run),
3 an infrastructure failure (kernel died, timeout, Chromium, disk), each retried once.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import status
from .analysis import narratives
from .engine import batch as engine
from .engine.layout import Layout
from .engine.lock import build_lock
from .engine.manifest import now
from .engine.progress import counts_of, line
from .errors import InfrastructureError, JaarverslagError, ParameterError
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


def run(options: Options) -> dict:
    """Do the whole job once; return what was recorded in status.json (its 'exit_code' is the exit code).

    A second run while one holds the lock is refused (JaarverslagError) and records nothing.
    """
    layout = Layout(options.build_dir)
    with build_lock(layout):
        last = {"started": now(), "finished": None, "exit_code": None, "outcome": None, "jobs": {}, "reports": {},
                "failures": [], "error": ""}
        try:
            last["exit_code"] = _steps(options, layout, last)
        except (InfrastructureError, OSError) as exc:  # OSError: disk full, permissions
            last["exit_code"], last["error"] = 3, str(exc)
        except JaarverslagError as exc:
            last["exit_code"], last["error"] = 2, str(exc)
        except (KeyboardInterrupt, SystemExit) as exc:  # SIGINT, SIGTERM (see cli): recorded, then passed on
            last["exit_code"] = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 130
            last["error"] = "interrupted"
            raise
        except Exception as exc:  # a failure nobody foresaw: recorded and notified like the machinery failing
            last["exit_code"], last["error"] = 3, f"unexpected {type(exc).__name__}: {exc}"
        finally:
            last["finished"] = now()
            last["outcome"] = status.OUTCOMES.get(last["exit_code"], "interrupted")
            status.record(layout, last)
    if last["exit_code"] and options.notify:
        status.notify(options.notify, layout, last["exit_code"])
    return last


def _steps(options: Options, layout: Layout, last: dict) -> int:
    data = load(options.data_dir)
    narratives.require_consistent(data)
    full = load_batch(options.batch_file)
    reports = full.select(options.years, options.regions)  # what is published: whole reports, whatever --chapter says
    batch = reports.select(notebooks=options.chapters)
    batch.check(data, options.notebooks_dir)
    if not options.config.is_file():
        raise ParameterError(f"{options.config}: file not found (the base Quarto configuration)")

    line(f"render: {len(batch.jobs())} notebooks in the matrix")
    settings = engine.Settings.of(batch, data, options.notebooks_dir, options.batch_file, options.build_dir, options.timeout,
                                  options.fresh_kernels)
    jobs = [engine.Job(*job) for job in batch.jobs()]
    results = engine.run(jobs, settings, options.workers, options.executor, options.scheduler, options.force,
                         options.progress)
    last["jobs"] = counts_of(results)
    last["failures"] = [{"job": r.job, "status": r.status, "error": r.error} for r in results
                        if r.status in engine.FAILED]

    from .publish import book
    from .publish.report import publish

    publications = publish(reports, data, layout, pdf=options.pdf, index_batch=full, force=options.force)
    last["reports"] = {
        "assembled": sum(p.assembled for p in publications),
        "unchanged": sum(not p.assembled for p in publications),
        "printed": sum(p.printed for p in publications),
    }
    line("publish: " + ", ".join(f"{n} {what}" for what, n in last["reports"].items()) + f"; index {layout.index}")
    books = book.prepare(reports, data, layout, options.config, force=options.force)
    rendered = book.render(books)
    book.settle(layout, books)
    last["reports"]["books written"] = sum(b.changed for b in books)
    line(f"books: {sum(b.changed for b in books)} of {len(books)} written"
         + ("" if rendered else " (quarto is not installed: not rendered)"))
    return engine.exit_code(results)
