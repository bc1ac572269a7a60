"""Shared fixtures and helpers: the project's paths, a private copy of the data, the CLI.

Tests that execute notebooks, print PDFs or drive a browser are marked `slow` (here, by
the fixtures they use, or in their module); `pytest -m "not slow"` runs the rest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
BATCH = ROOT / "params" / "batch.yaml"
CHROMIUM = Path("/usr/bin/chromium")
MATRIX_COMMANDS = ("run", "render", "publish", "book")


def chapters() -> list[str]:
    """The chapters of the shipped batch file, in report order."""
    from jaarverslag.inputs.params import load_batch

    return load_batch(BATCH).notebooks


def cli_args(command: str, *extra: str, data: Path = DATA, build: Path | None = None, batch: Path = BATCH,
             notebooks: Path = NOTEBOOKS) -> list[str]:
    """The arguments of one `jaarverslag` command run on these directories."""
    args = ["--data-dir", str(data), command]
    if command in MATRIX_COMMANDS:
        args += ["--batch", str(batch), "--notebooks-dir", str(notebooks), "--build-dir", str(build)]
    elif command == "status":
        args += ["--build-dir", str(build)]
    return [*args, *map(str, extra)]


def cli(command: str, *extra: str, **paths) -> int:
    """Run `jaarverslag command` in this process; return its exit code."""
    from jaarverslag.cli import main

    return main(cli_args(command, *extra, **paths))


SLOW_FIXTURES = {"rendered", "published", "browser"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.suffix == ".ipynb" or SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def dataset():
    from jaarverslag.inputs import load

    return load(DATA)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A writable copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def edit_csv(path: Path, change) -> None:
    """Apply change(frame) to a CSV read as text, and write it back unchanged otherwise."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """A build directory rendered and published once for the whole session.

    Every chapter for 2019 for the unit and for one district (demo data), and one
    chapter for 2018 (a year without goals), then the published reports and index.
    """
    build = tmp_path_factory.mktemp("rendered") / "build"
    assert cli("render", "--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", build=build) == 0
    assert cli("render", "--year", "2018", "--region", "eenheid", "--chapter", "cter", build=build) == 0
    assert cli("publish", "--region", "eenheid", "--region", "rotterdam-zuid", build=build) == 0
    return build


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """The whole published site (build/site), made once for the session as one run makes it.

    Every chapter for every year and region of the batch file, then the reports, index and
    search without PDFs: what readers get, for tests that read all reports.
    """
    build = tmp_path_factory.mktemp("published") / "build"
    assert cli("render", build=build) == 0
    assert cli("publish", "--no-pdf", build=build) == 0
    return build / "site"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()
