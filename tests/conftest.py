"""Shared fixtures: a private copy of the shipped data and the project's paths."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
NOTEBOOKS = ROOT / "notebooks"
BATCH = ROOT / "params" / "batch.yaml"


@pytest.fixture(scope="session")
def dataset():
    from jaarverslag import contract

    return contract.load(DATA)


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
    from jaarverslag.cli import main

    build = tmp_path_factory.mktemp("rendered") / "build"
    common = ["--data-dir", str(DATA), "render", "--batch", str(BATCH), "--notebooks-dir", str(NOTEBOOKS),
              "--build-dir", str(build)]
    assert main([*common, "--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid"]) == 0
    assert main([*common, "--year", "2018", "--region", "eenheid", "--theme", "cter"]) == 0
    assert main(["--data-dir", str(DATA), "publish", "--batch", str(BATCH), "--notebooks-dir", str(NOTEBOOKS),
                 "--build-dir", str(build), "--region", "eenheid", "--region", "rotterdam-zuid"]) == 0
    return build
