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
