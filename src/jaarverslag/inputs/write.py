"""Validated writes to data/: the feeds rewrite tables only through here."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from ..errors import DataContractError
from .cache import load
from .catalog import TABLES, path
from .dataset import Dataset


def write_tables(data_dir: str | Path, tables: dict[str, pd.DataFrame]) -> Dataset:
    """Replace some tables of data_dir, but only once the result passes the contract.

    The new tables are written into a scratch copy of data_dir and validated there; only
    then is each file moved into place, so invalid output never reaches data/.
    """
    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix=".jaarverslag-", dir=data_dir.parent) as scratch:
        staged = Path(scratch) / data_dir.name
        shutil.copytree(data_dir, staged)
        for name, frame in tables.items():
            frame.to_csv(path(staged, name), index=False, float_format="%.10g")
        try:
            load(staged)
        except DataContractError as exc:
            raise DataContractError(str(exc).replace(str(staged), f"{data_dir} (as it would be written)")) from None
        for name in (n for n in TABLES if n in tables):  # referenced tables first
            os.replace(path(staged, name), path(data_dir, name))
    return load(data_dir)
