"""The `jaarverslag` command: validate the data and render the reports."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__
from .engine.batch import Job, Settings, run
from .engine.layout import Layout
from .engine.lock import build_lock
from .engine.progress import summary
from .errors import JaarverslagError, ParameterError
from .inputs import Dataset, load, write_tables
from .inputs.catalog import REGIONAL
from .inputs.params import DEFAULT, Batch, load_batch
from .inputs.sources import DEMO


def _validate(args: argparse.Namespace) -> int:
    data = load(args.data_dir)
    print(
        f"{args.data_dir}: valid ({len(data.regions)} regions, {len(data.indicators)} indicators, "
        f"{len(data.observations)} observations, {len(data.targets)} targets, {len(data.goals)} goals)"
    )
    return 0


def _matrix(args: argparse.Namespace, chapters: list[str] | None = None) -> tuple[Dataset, Batch]:
    """The validated data and the batch matrix narrowed by the command's filters."""
    data = load(args.data_dir)
    batch = load_batch(args.batch).select(args.year, args.region, chapters)
    batch.check(data, args.notebooks_dir)
    return data, batch


def _render(args: argparse.Namespace) -> int:
    data, batch = _matrix(args, args.chapter)
    if args.jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, not {args.jobs}")

    jobs = [Job(*job) for job in batch.jobs()]
    region_names = dict(zip(data.regions["id"], data.regions["name"]))
    titles = {chapter.notebook: chapter.title_in(data) for chapter in batch.chapters}
    # Absolute paths: workers (also on a Dask cluster with a shared filesystem) may run elsewhere.
    settings = Settings(args.notebooks_dir.resolve(), args.data_dir.resolve(), args.batch.resolve(),
                        args.build_dir.resolve(), region_names, titles)
    started = time.perf_counter()
    results = run(jobs, settings, args.jobs, args.executor, args.scheduler, args.force)
    print(summary(results, time.perf_counter() - started))
    return 1 if any(r.status == "failed" for r in results) else 0


def _publish(args: argparse.Namespace) -> int:
    data, batch = _matrix(args)
    from .publish.report import publish  # nbconvert loads slowly; only when publishing

    layout = Layout(args.build_dir)
    with build_lock(layout):
        reports = publish(batch, data, layout, pdf=not args.no_pdf, index_batch=load_batch(args.batch))
    for report in reports:
        gaps = f" (without {', '.join(report.missing)})" if report.missing else ""
        print(f"{report.year} {report.region}: {report.html}" + (f", {report.pdf}" if report.pdf else "") + gaps)
    print(f"index: {layout.index} ({len(reports)} reports)")
    return 0


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
    if book.render(books):
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
    counts = {name: int((getattr(written, name)["source"] == DEMO).sum()) for name in REGIONAL}
    print(f"{args.data_dir}: demo rows (seed {args.seed}): " + ", ".join(f"{n} {name}" for name, n in counts.items()))
    return 0


def _matrix_options(command: argparse.ArgumentParser) -> None:
    """The batch matrix, its filters and the directories, shared by render, publish and book."""
    command.add_argument("--batch", type=Path, default=DEFAULT, help=f"batch matrix and chapter list (default: {DEFAULT})")
    command.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
    command.add_argument("--region", action="append", help="only this region id, e.g. eenheid (repeatable)")
    command.add_argument("--notebooks-dir", type=Path, default=Path("notebooks"), help="notebook directory (default: notebooks)")
    command.add_argument("--build-dir", type=Path, default=Path("build"), help="build directory (default: build)")


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="jaarverslag",
        description="Reproducible annual reports (jaarverslagen) for a police unit and its districts, from validated data.",
    )
    main.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    main.add_argument("--data-dir", type=Path, default=Path("data"), help="directory with the data tables (default: data)")
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check every data table against the contract and exit")
    validate.set_defaults(func=_validate)

    render = commands.add_parser(
        "render",
        help="execute the notebooks with papermill and write HTML reports to the build directory",
        description="Execute every chapter notebook for every (year, region) of the batch matrix and convert it to HTML. "
        "Data and parameters are validated first; nothing is written when they are invalid. Only jobs whose "
        "notebook, parameters, region data or library code changed are executed (see build/manifest.json); "
        "a failed notebook keeps its previous output and makes the exit code 1.",
    )
    _matrix_options(render)
    render.add_argument("--chapter", "--theme", dest="chapter", action="append",
                        help="only this chapter (its notebook name in the batch file), e.g. veiligheidsbeeld (repeatable)")
    render.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                        help="notebooks executed at once (default: number of cores)")
    render.add_argument("--force", action="store_true", help="re-render even when nothing changed")
    render.add_argument("--executor", choices=("local", "dask"), default="local",
                        help="local process pool (default) or a dask.distributed cluster")
    render.add_argument("--scheduler", metavar="ADDRESS",
                        help="address of an existing Dask scheduler (with --executor dask); default: a local cluster")
    render.set_defaults(func=_render)

    publish = commands.add_parser(
        "publish",
        help="assemble the rendered chapters into one HTML report and PDF per (year, region), plus an index",
        description="Assemble the executed notebooks in build/ (from `render`) into one self-contained HTML report "
        "per year and region, print each to PDF with Debian's chromium, and write build/site/index.html. "
        "Nothing is executed again.",
    )
    _matrix_options(publish)
    publish.add_argument("--no-pdf", action="store_true", help="skip the PDFs (no chromium needed)")
    publish.set_defaults(func=_publish)

    book = commands.add_parser(
        "book",
        help="prepare a Quarto book per (year, region) and render it when quarto is installed",
        description="Write one Quarto book project per rendered year and region to build/quarto/<year>/<region>/ "
        "(settings from _quarto.yml; chapters are the executed notebooks, which Quarto does not execute again) "
        "and run `quarto render` on each when quarto is on PATH.",
    )
    _matrix_options(book)
    book.add_argument("--config", type=Path, default=Path("_quarto.yml"), help="base Quarto configuration (default: _quarto.yml)")
    book.set_defaults(func=_book)

    demo_ = commands.add_parser(
        "demo",
        help="(re)generate the labelled demo data for the districts",
        description="Replace every row with source 'demo' by freshly generated district data: counts split so the "
        "districts add up exactly to the unit, percentages spread around the unit's value, targets and goal "
        "results derived. Deterministic for a given seed; real rows are never changed.",
    )
    demo_.add_argument("--seed", type=int, default=2019, help="random seed (default: 2019)")
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
    cbs_.set_defaults(func=_cbs)

    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except JaarverslagError as exc:
        print(f"jaarverslag: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jaarverslag: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
