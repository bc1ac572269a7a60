"""The `jaarverslag` command: validate the data and render the reports."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__, contract
from .errors import JaarverslagError, RenderError
from .params import check_batch, load_batch


def _validate(args) -> int:
    data = contract.load(args.data_dir)
    print(
        f"{args.data_dir}: valid ({len(data.regions)} regions, {len(data.indicators)} indicators, "
        f"{len(data.observations)} observations, {len(data.targets)} targets, {len(data.goals)} goals)"
    )
    return 0


def _render(args) -> int:
    data = contract.load(args.data_dir)
    batch = load_batch(args.batch)
    filters = {"years": args.year, "regions": args.region, "themes": args.theme}
    batch = batch.model_copy(update={key: value for key, value in filters.items() if value})
    check_batch(batch, data, args.notebooks_dir)

    labels = data.themes.set_index("id")["label"]
    jobs = [(y, r, t) for y in batch.years for r in batch.regions for t in batch.themes]
    failures = []
    from .render import render  # papermill/nbconvert load slowly; only when rendering

    for number, (year, region, theme) in enumerate(jobs, 1):
        started = time.perf_counter()
        title = f"{labels.get(theme, theme)} {year} – {data.region_name(region)}"
        try:
            _, html = render(args.notebooks_dir / f"{theme}.ipynb", args.build_dir, args.data_dir, year, region, title)
        except RenderError as exc:
            failures.append(str(exc))
            print(f"[{number}/{len(jobs)}] {year} {region} {theme}: FAILED", flush=True)
            continue
        print(f"[{number}/{len(jobs)}] {year} {region} {theme}: {html} ({time.perf_counter() - started:.1f} s)", flush=True)
    for failure in failures:
        print(f"jaarverslag: error: {failure}", file=sys.stderr)
    return 1 if failures else 0


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
        description="Execute every theme notebook for every (year, region) of the batch matrix and convert it to HTML. "
        "Data and parameters are validated first; nothing is written when they are invalid.",
    )
    render.add_argument("--batch", type=Path, default=Path("params/batch.yaml"), help="batch matrix (default: params/batch.yaml)")
    render.add_argument("--year", type=int, action="append", help="render only this year (repeatable)")
    render.add_argument("--region", action="append", help="render only this region id, e.g. eenheid (repeatable)")
    render.add_argument("--theme", action="append", help="render only this theme notebook, e.g. veiligheidsbeeld (repeatable)")
    render.add_argument("--notebooks-dir", type=Path, default=Path("notebooks"), help="notebook directory (default: notebooks)")
    render.add_argument("--build-dir", type=Path, default=Path("build"), help="output directory (default: build)")
    render.set_defaults(func=_render)
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
