"""The `jaarverslag` command: validate the data, render, publish, and run the whole job on a schedule.

Exit codes: 0 all good, 1 a notebook failed, 2 bad data, parameters or set-up,
3 an infrastructure failure (kernel died, notebook timed out, Chromium failed, disk full).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from . import __version__, logfile, pipeline, status
from .analysis import narratives
from .engine.batch import Job, Settings, exit_code, run
from .engine.layout import Layout
from .engine.lock import build_lock
from .engine.manifest import Result, watching
from .engine.progress import summary
from .errors import InfrastructureError, JaarverslagError, ParameterError
from .inputs import Dataset, load, write_tables
from .inputs.params import DEFAULT, Batch, load_batch
from .inputs.sources import DEMO


def _validate(args: argparse.Namespace) -> int:
    data = load(args.data_dir)
    checked = narratives.require_consistent(data)  # every finding at once, as DataContractError: exit 2
    print(
        f"{args.data_dir}: valid ({len(data.regions)} regions, {len(data.indicators)} indicators, "
        f"{len(data.observations)} observations, {len(data.targets)} targets, {len(data.goals)} goals, "
        f"{len(data.claims)} claims, {checked} narratives)"
    )
    return 0


def _matrix(args: argparse.Namespace, chapters: list[str] | None = None) -> tuple[Dataset, Batch]:
    """The validated data and the batch matrix narrowed by the command's filters."""
    data = load(args.data_dir)
    narratives.require_consistent(data)  # a narrative that contradicts the data is bad input, like a broken table
    batch = load_batch(args.batch).select(args.year, args.region, chapters)
    batch.check(data, args.notebooks_dir)
    return data, batch


def _check_engine_options(args: argparse.Namespace) -> None:
    if args.scheduler and args.executor == "local":
        raise ParameterError("--scheduler is the address of a Dask scheduler: it cannot be used with --executor local")
    args.executor = "dask" if args.scheduler else args.executor or "local"
    if args.jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, not {args.jobs}")
    if args.timeout is not None and args.timeout <= 0:
        raise ParameterError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")


def _render(args: argparse.Namespace) -> int:
    data, batch = _matrix(args, args.chapter)
    _check_engine_options(args)
    settings = Settings.of(batch, data, args.notebooks_dir, args.batch, args.build_dir, args.timeout, args.fresh_kernels)
    started = time.perf_counter()
    settled: list[dict] = []  # each job's entry as the batch settles it, for the summary of a run that stops early
    try:
        with build_lock(Layout(args.build_dir)), watching(settled.append):
            results = run([Job(*job) for job in batch.jobs()], settings, args.jobs, args.executor, args.scheduler, args.force)
    except JaarverslagError:  # e.g. a lost Dask scheduler: what finished is in the manifest, and said
        if settled:
            print(summary([Result(**entry) for entry in settled], time.perf_counter() - started))
        raise
    print(summary(results, time.perf_counter() - started))
    return exit_code(results)


def _worker(args: argparse.Namespace) -> int:
    from .engine import cluster

    options = {"--nthreads": args.nthreads, "--memory-limit": args.memory_limit, "--local-directory": args.local_directory,
               "--name": args.name, "--tls-ca-file": args.tls_ca_file, "--tls-cert": args.tls_cert, "--tls-key": args.tls_key}
    cluster.start_worker(args.scheduler, options)


def _run(args: argparse.Namespace) -> int:
    _check_engine_options(args)
    if args.log:
        logfile.redirect(args.log)
    options = pipeline.Options(
        args.data_dir, args.notebooks_dir, args.batch, args.build_dir, args.config, args.year, args.region, args.chapter,
        args.jobs, args.executor, args.scheduler, args.timeout, args.force, not args.no_pdf, notify=args.notify,
        fresh_kernels=args.fresh_kernels, notify_on=args.notify_on, metrics=args.metrics,
    )
    last = pipeline.run(options, args.command_line)
    print(status.describe({"last": last}))
    return last["exit_code"]


def _preview(args: argparse.Namespace) -> int:
    from .preview import Preview, serve

    data = load(args.data_dir)
    batch = load_batch(args.batch)
    year = args.year if args.year is not None else max(batch.years)
    region = args.region or data.unit
    batch.select([year], [region]).check(data, args.notebooks_dir)  # an unknown year or region: exit 2, with the choices
    layout = Layout(args.build_dir).preview
    with build_lock(layout):
        serve(Preview(args.data_dir, args.notebooks_dir, args.batch, layout, year, region), args.host, args.port,
              not args.no_browser)
    return 0


def _status(args: argparse.Namespace) -> int:
    layout = Layout(args.build_dir)
    found = status.current(layout)
    if args.metrics:
        status.write_metrics(args.metrics, found[0] if found else None)
    if found is None:
        raise JaarverslagError(f"{layout.status}: no run recorded yet (`jaarverslag run` writes it)")
    document, _ = found
    print(json.dumps(document, indent=1, ensure_ascii=False) if args.json else status.describe(document))
    return status.exit_code(document)  # a run in progress: the one before it; a killed run: 3


def _publish(args: argparse.Namespace) -> int:
    data, batch = _matrix(args)
    from .publish.report import publish  # nbconvert loads slowly; only when publishing

    layout = Layout(args.build_dir)
    with build_lock(layout):
        publications = publish(batch, data, layout, pdf=not args.no_pdf, index_batch=load_batch(args.batch), force=args.force)
    for publication in publications:
        report = publication.report
        gaps = f" (without {', '.join(report.missing)})" if report.missing else ""
        done = "assembled" if publication.assembled else "unchanged"
        print(f"{report.year} {report.region}: {report.html}" + (f", {report.pdf}" if report.pdf else "") + f" [{done}]" + gaps)
    print(f"index: {layout.index} (of its reports, {len(publications)} published in this step)")  # it lists all the site has
    unprinted = [p for p in publications if p.failed]
    for publication in unprinted:
        print(f"{publication.report.year} {publication.report.region}: PDF not printed, the previous one stays: "
              f"{publication.failed}", file=sys.stderr)
    return 3 if unprinted else 0  # infrastructure: worth a retry


def _book(args: argparse.Namespace) -> int:
    data, batch = _matrix(args)
    from .publish import book

    if not args.config.is_file():
        raise ParameterError(f"{args.config}: file not found (the base Quarto configuration)")
    layout = Layout(args.build_dir)
    with build_lock(layout):
        books = book.prepare(batch, data, layout, args.config)
        if not books:
            raise JaarverslagError(f"nothing rendered in {args.build_dir}: run `jaarverslag render` first")
        rendered = book.render(books)
        book.settle(layout, books)
    if rendered:
        for item in books:
            print(f"{item.year} {item.region}: {item.project.output}")
    else:
        print(f"quarto is not installed (see https://quarto.org/docs/get-started/); {len(books)} book projects are "
              f"ready in {layout.books}/<year>/<region>/ (the HTML and PDF reports come from `jaarverslag publish`)")
    return 0


def _cbs(args: argparse.Namespace) -> int:
    from .feeds import cbs

    print(cbs.update(args.data_dir, args.year))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .feeds import demo

    written = write_tables(args.data_dir, demo.generate(load(args.data_dir), args.seed))
    counts = {name: int((getattr(written, name)["source"] == DEMO).sum()) for name in demo.GENERATED}
    print(f"{args.data_dir}: demo rows (seed {args.seed}): " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


def _data_option(command: argparse.ArgumentParser) -> None:
    """--data-dir after the command too (`jaarverslag run --data-dir X`); before it, it is the main parser's."""
    command.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                         help="directory with the data tables (default: data)")


def _matrix_options(command: argparse.ArgumentParser) -> None:
    """The batch matrix, its filters and the directories, shared by run, render, publish and book."""
    command.add_argument("--batch", type=Path, default=DEFAULT, help=f"batch matrix and chapter list (default: {DEFAULT})")
    command.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
    command.add_argument("--region", action="append", help="only this region id, e.g. eenheid (repeatable)")
    command.add_argument("--notebooks-dir", type=Path, default=Path("notebooks"), help="notebook directory (default: notebooks)")
    _data_option(command)
    _build_option(command)


def _build_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--build-dir", type=Path, default=Path("build"), help="build directory (default: build)")


def _engine_options(command: argparse.ArgumentParser) -> None:
    """How notebooks are executed, shared by run and render."""
    command.add_argument("--chapter", "--theme", dest="chapter", action="append",
                         help="only this chapter (its notebook name in the batch file), e.g. veiligheidsbeeld (repeatable)")
    command.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                         help="notebooks executed at once (default: number of cores)")
    command.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                         help=f"stop a notebook that runs longer (an infrastructure failure, exit 3; default: {DEFAULT_TIMEOUT:g})")
    command.add_argument("--force", action="store_true", help="do everything again, even what did not change")
    command.add_argument("--fresh-kernels", action="store_true",
                         help="start a new kernel for every notebook, as papermill does (slower; the default reuses each "
                         "worker's kernel, reset to a fresh kernel's state before every notebook: the same outputs)")
    command.add_argument("--executor", choices=("local", "dask"),
                         help="local process pool (default) or a dask.distributed cluster (implied by --scheduler)")
    command.add_argument("--scheduler", metavar="ADDRESS",
                         help="address of an existing Dask scheduler, e.g. tcp://host:8786 (implies --executor dask); "
                         "without it, --executor dask starts a local cluster. Workers: `jaarverslag worker`; tls://: the "
                         "client's certificates from DASK_DISTRIBUTED__COMM__TLS__* (README, Running a cluster)")


def _metrics_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--metrics", type=Path, metavar="FILE",
                         help="also write the status as Prometheus metrics to FILE (for node_exporter's textfile "
                         "collector, e.g. /var/lib/prometheus/node-exporter/jaarverslag.prom)")


def _config_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--config", type=Path, default=Path("_quarto.yml"), help="base Quarto configuration (default: _quarto.yml)")


DEFAULT_TIMEOUT = 600.0
EXIT_CODES = ("Exit codes: 0 all good; 1 a notebook failed (its cell and error reported, previous outputs kept); "
              "2 bad data, parameters or set-up (nothing run); 3 an infrastructure failure (kernel died, notebook "
              "timed out, Chromium failed, disk full), retried once before it counts.")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="jaarverslag",
        description="Reproducible annual reports (jaarverslagen) for a police unit and its districts, from validated data.",
    )
    main.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    main.add_argument("--data-dir", type=Path, default=Path("data"), help="directory with the data tables (default: data)")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate",
        help="check every data table against the contract, and the narratives' numbers against the data, and exit",
        description="Check every table of the data directory against the contract, then every number and direction "
        "word (nam toe, daalde, ruim, meer dan, …) of the narratives (narratives/<year>/<region>/<theme>.md) against "
        "the figures of that year and region. Every finding is listed with file, line, sentence and figure; exit 2 "
        "when there is any. A number or direction word that is deliberately not from the data (a date, a count of "
        "something the data does not hold) is marked by writing <!-- vrij --> right after it; the report does not "
        "show the marker. See data/README.md, Narratives.",
    )
    _data_option(validate)
    validate.set_defaults(func=_validate)

    run_ = commands.add_parser(
        "run",
        help="the whole job, as a scheduler runs it: validate, render, publish and prepare the books",
        description="Validate the data and the batch, render the notebooks that changed, assemble and print the "
        "reports that changed, write the index and prepare the Quarto books that changed, all under one lock on "
        "the build directory. A run with nothing changed starts no kernel and no Chromium. The outcome goes to "
        "build/status.json (see `jaarverslag status`). " + EXIT_CODES,
    )
    _matrix_options(run_)
    _engine_options(run_)
    _config_option(run_)
    run_.add_argument("--no-pdf", action="store_true", help="skip the PDFs (no chromium needed)")
    run_.add_argument("--notify", metavar="COMMAND",
                      help="after the run (see --notify-on), run COMMAND with sh -c; $1 and $JAARVERSLAG_STATUS name the "
                      "status file (an absolute path), $JAARVERSLAG_EXIT_CODE holds the exit code")
    run_.add_argument("--notify-on", choices=("failure", "always"), default="failure",
                      help="run the notify command after a failed run only (default), or after every run")
    _metrics_option(run_)
    run_.add_argument("--log", type=Path, metavar="FILE",
                      help="append all output to FILE instead of the terminal, rotated at 1 MB (FILE.1 … FILE.5 kept); "
                      "for cron, which has no journal")
    run_.set_defaults(func=_run)

    preview = commands.add_parser(
        "preview",
        help="serve one report locally and bring it up to date as you edit its data, narratives or notebooks",
        description="Render one report (default: the batch's latest year, the unit) into build/preview/, serve it at "
        "http://HOST:PORT/ and open it in the browser. Every change to the data directory (tables, narratives), the "
        "notebooks or the batch file renders again only the chapters it affects, on a warm kernel kept for the "
        "session, and the open page reloads itself. Bad input keeps the last good page and shows the message "
        "(file, line, rule) in the page and here. No PDF, data package or search index is made, and the published "
        "site in build/site is not touched. Stop with Ctrl-C.",
    )
    preview.add_argument("--batch", type=Path, default=DEFAULT, help=f"batch matrix and chapter list (default: {DEFAULT})")
    preview.add_argument("--year", type=int, help="the report's year (default: the batch's latest)")
    preview.add_argument("--region", help="the report's region id, e.g. rotterdam-zuid (default: the unit)")
    preview.add_argument("--notebooks-dir", type=Path, default=Path("notebooks"), help="notebook directory (default: notebooks)")
    _data_option(preview)
    _build_option(preview)
    preview.add_argument("--host", default="127.0.0.1", help="address to serve on (default: 127.0.0.1, this machine only)")
    preview.add_argument("--port", type=int, default=8000, help="port to serve on (default: 8000; 0 picks a free one)")
    preview.add_argument("--no-browser", action="store_true", help="do not open a browser; the address is printed")
    preview.set_defaults(func=_preview)

    status_ = commands.add_parser(
        "status",
        help="how the last runs went (from build/status.json); exits with the last run's exit code",
        description="Print how the last runs went: a run in progress with its progress, the last run's times, exit "
        "code, notebooks, reports and failures, a run that was killed (it did not finish), and the runs before. "
        "Exits with the last ended run's exit code (3 for a run that was killed; a run in progress does not count).",
    )
    _build_option(status_)
    status_.add_argument("--json", action="store_true", help="print the status as JSON, for monitoring systems")
    _metrics_option(status_)
    status_.set_defaults(func=_status)

    render = commands.add_parser(
        "render",
        help="execute the notebooks with papermill and write HTML reports to the build directory",
        description="Execute every chapter notebook for every (year, region) of the batch matrix and convert it to HTML. "
        "Data and parameters are validated first; nothing is written when they are invalid. Only jobs whose "
        "notebook, parameters, region data or library code changed are executed (see build/manifest.json); "
        "a failed notebook keeps its previous output. " + EXIT_CODES,
    )
    _matrix_options(render)
    _engine_options(render)
    render.set_defaults(func=_render)

    publish = commands.add_parser(
        "publish",
        help="assemble the rendered chapters into a web book and a PDF per (year, region), plus an index and search",
        description="Assemble the executed notebooks in build/ (from `render`) into a report per year and region: "
        "a landing page and a page per chapter, appendix and colophon, and the whole report on one page, which "
        "Debian's chromium prints to PDF; then write build/site/index.html, the verantwoording, the "
        "toegankelijkheidsverklaring, robots.txt and sitemap.xml (with site_url) and the Pagefind search index "
        "(zoeken.html). "
        "Nothing is executed again, and only reports whose chapters, structure or provenance changed are "
        "assembled and printed again; the search index is rebuilt only when a page changed.",
    )
    _matrix_options(publish)
    publish.add_argument("--no-pdf", action="store_true", help="skip the PDFs (no chromium needed)")
    publish.add_argument("--force", action="store_true", help="assemble and print every report again")
    publish.set_defaults(func=_publish)

    book = commands.add_parser(
        "book",
        help="prepare a Quarto book per (year, region) and render it when quarto is installed",
        description="Write one Quarto book project per rendered year and region to build/quarto/<year>/<region>/ "
        "(settings from _quarto.yml; chapters are the executed notebooks, which Quarto does not execute again) "
        "and run `quarto render` on each when quarto is on PATH.",
    )
    _matrix_options(book)
    _config_option(book)
    book.set_defaults(func=_book)

    demo_ = commands.add_parser(
        "demo",
        help="(re)generate the labelled demo data for the districts",
        description="Replace every row with source 'demo' by freshly generated district data: counts split so the "
        "districts add up exactly to the unit, percentages spread around the unit's value, targets and goal "
        "results derived. Deterministic for a given seed; real rows are never changed.",
    )
    demo_.add_argument("--seed", type=int, default=2019, help="random seed (default: 2019)")
    _data_option(demo_)
    demo_.set_defaults(func=_demo)

    cbs_ = commands.add_parser(
        "cbs",
        help="replace demo figures by registered crime from CBS open data",
        description="Fetch registered crime for the unit's municipalities from CBS open data (StatLine 83648NED "
        "for the total, the police's table 47013NED on the third-party catalogue for woninginbraak, straatroof "
        "and overval), sum it to districts and the unit, and write it into observations.csv with provenance in "
        "sources.csv. Only demo and earlier CBS rows are replaced; published figures are kept. On a network "
        "failure or an unexpected table layout, data/ is left untouched.",
    )
    cbs_.add_argument("--year", type=int, action="append", required=True, help="year to fetch (repeatable)")
    _data_option(cbs_)
    cbs_.set_defaults(func=_cbs)

    worker = commands.add_parser(
        "worker",
        help="start a Dask worker for `render --scheduler` / `run --scheduler` (checks the Jupyter kernel first)",
        description="Check that this environment has the Jupyter kernel 'jaarverslag' (exit 2 with the command that "
        "registers it, when not), print the library's version and hash, then become a Dask worker (`dask worker`) of "
        "SCHEDULER. A client refuses a worker whose library differs from its own (exit 2), so install the same version "
        "everywhere. One thread per worker keeps one warm kernel per worker. See README, Running a cluster.",
    )
    worker.add_argument("scheduler", metavar="SCHEDULER", help="the Dask scheduler's address, e.g. tcp://host:8786 or tls://host:8786")
    worker.add_argument("--nthreads", type=int, default=1, help="notebooks rendered at once, each on its own warm kernel (default: 1)")
    worker.add_argument("--memory-limit", help="Dask's memory limit of the worker process, e.g. 2GB (its kernels are not counted; "
                        "default: Dask's, a share of the machine's memory)")
    worker.add_argument("--local-directory", type=Path, help="where the worker unpacks the project's snapshot (default: Dask's)")
    worker.add_argument("--name", help="the worker's name on the scheduler (default: its address)")
    worker.add_argument("--tls-ca-file", type=Path, help="CA certificate(s) for a tls:// scheduler (PEM)")
    worker.add_argument("--tls-cert", type=Path, help="this worker's certificate for TLS (PEM)")
    worker.add_argument("--tls-key", type=Path, help="this worker's private key for TLS (PEM)")
    worker.set_defaults(func=_worker)

    return main


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: the lock is released, the status recorded


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    args.command_line = ["jaarverslag", *map(str, argv)]
    signal.signal(signal.SIGTERM, _terminated)
    try:
        return args.func(args)
    except (InfrastructureError, OSError) as exc:  # OSError: disk full, permissions
        print(f"jaarverslag: error: {exc}", file=sys.stderr)
        return 3
    except JaarverslagError as exc:
        print(f"jaarverslag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jaarverslag: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a failure nobody foresaw: one line, never a traceback; the machinery's code
        print(f"jaarverslag: error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
