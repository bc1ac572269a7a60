"""Shared fixtures and helpers: the project's paths, a private copy of the data, the CLI.

Tests that execute notebooks, print PDFs or drive a browser are marked `slow` (here, by
the fixtures they use, or in their module); `pytest -m "not slow"` runs the rest.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
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


def pytest_configure(config):
    """Runs in this process (`cli`) take their pool workers from one forkserver that lives as long as the
    session. Preloaded there, what every worker imports (the engine, papermill, nbconvert, pandas) is
    imported once, not again by each worker of each run: seconds per run. A run in a process of its own
    (the tests that kill or signal one) starts its workers as a scheduler's run does."""
    multiprocessing.set_forkserver_preload(["jaarverslag.engine.batch", "jaarverslag.engine.render"])


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


class Snapshot:
    """A directory made once (a project after a render or a run) and given to each test that changes it
    as it was made: a copy costs a fraction of rendering again. Restored at the path it was made in,
    since outputs name their paths (the manifest its outputs, a report its data folder): only there is
    the copy the same state. For the tests of one module, which run one after another."""

    def __init__(self, place: Path) -> None:
        self.place, self.kept = place, place.with_name(f"{place.name}.kept")
        shutil.copytree(place, self.kept)

    def restore(self) -> Path:
        """The place as it was made, whatever an earlier test did to it."""
        shutil.rmtree(self.place)
        shutil.copytree(self.kept, self.place)
        return self.place


def edit_csv(path: Path, change) -> None:
    """Apply change(frame) to a CSV read as text, and write it back unchanged otherwise."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = change(frame)
    frame.to_csv(path, index=False)


def built_once(tmp_path_factory, name: str, make) -> Path:
    """A build made once for the test run, also when `make test` runs it on two pytest-xdist workers: the first
    to need it makes it under a lock (a render uses both cores), the other waits and reads it. Read only."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, beside each worker's own
    build, done = shared / name / "build", shared / name / "done"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            shutil.rmtree(build, ignore_errors=True)  # a worker that failed to make it left a part
            build.parent.mkdir(exist_ok=True)
            make(build)
            done.touch()
    return build


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """A build directory rendered and published once for the whole session.

    Every chapter for 2019 for the unit and for one district (demo data), and one
    chapter for 2018 (a year without goals), then the published reports and index.
    """
    def make(build: Path) -> None:
        assert cli("render", "--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", build=build) == 0
        assert cli("render", "--year", "2018", "--region", "eenheid", "--chapter", "cter", build=build) == 0
        assert cli("publish", "--region", "eenheid", "--region", "rotterdam-zuid", build=build) == 0

    return built_once(tmp_path_factory, "rendered", make)


@pytest.fixture(scope="session")
def published(tmp_path_factory) -> Path:
    """The whole published site (build/site), made once for the session as one run makes it.

    Every chapter for every year and region of the batch file, then the reports, index and
    search without PDFs: what readers get, for tests that read all reports, and the warm-kernel
    side of test_kernels' proof that warm and fresh kernels render the same. Read only.
    """
    def make(build: Path) -> None:
        assert cli("render", build=build) == 0
        assert cli("publish", "--no-pdf", build=build) == 0

    return built_once(tmp_path_factory, "published", make) / "site"


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
