"""Validated data, kept per user and keyed by content, so a batch validates each version once.

Every notebook of a batch loads the same data. The key covers the tables' bytes, the
contract's code and the pandas and pandera versions: any change to them means
validating again. An unreadable or unwritable cache is only a missed shortcut; it keeps
the newest entries only.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

import pandas as pd

from ..files import write_atomic
from . import catalog
from .dataset import Dataset

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jaarverslag"


def _key(data_dir: Path) -> str | None:
    contract = Path(find_spec("jaarverslag.inputs.contract").origin)  # read, not imported: pandera loads slowly
    code = contract.read_bytes() + Path(catalog.__file__).read_bytes()
    digest = hashlib.sha256(code + f"{pd.__version__} {version('pandera')}".encode())
    try:
        for name in catalog.TABLES:
            digest.update(name.encode() + catalog.path(data_dir, name).read_bytes())
    except OSError:
        return None  # let validation name the missing file
    return digest.hexdigest()


def load(data_dir: str | Path = "data") -> Dataset:
    """Every table of data_dir as a validated `Dataset` of pandas DataFrames.

    Raises DataContractError naming the bad file, line, column and rule. The validated
    tables are cached per user (~/.cache/jaarverslag), keyed by their content.
    """
    data_dir = Path(data_dir)
    key = _key(data_dir)
    cached = CACHE / f"{key}.pkl"
    if key and cached.is_file():
        try:
            return Dataset(data_dir=data_dir, **pickle.loads(cached.read_bytes()))
        except Exception:  # an unreadable cache entry is only a missed shortcut
            cached.unlink(missing_ok=True)
    from .contract import validate

    dataset = validate(data_dir)
    if key:
        try:
            write_atomic(cached, pickle.dumps({name: getattr(dataset, name) for name in catalog.TABLES}))
            prune()
        except OSError:
            pass  # no cache: the next load validates again
    return dataset


KEEP = 16  # entries: a few versions of the data per checkout, and a few checkouts


def prune() -> None:
    """Keep the newest KEEP entries of each kind, so the cache cannot grow with every edit of the data."""
    for pattern in ("*.pkl", "narratives-*.ok"):
        entries = sorted(CACHE.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
