"""Content hashes: what determines a job's output, so unchanged jobs are never run again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat

from ..inputs.catalog import REGIONAL, SHARED, narratives, path, read_text

PACKAGE = Path(__file__).parents[1]


def sha(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def library_digest() -> str:
    """The library's code and templates: any change re-renders everything."""
    files = sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    return sha(*(str(p.relative_to(PACKAGE)).encode() + p.read_bytes() for p in files))


def notebook_digest(notebook: Path) -> str:
    """The notebook's cells (type, source, tags) and kernel: stored outputs do not count."""
    nb = nbformat.read(notebook, as_version=4)
    cells = [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]
    return sha(json.dumps([cells, nb.metadata.get("kernelspec", {}), nb.metadata.get("title")]).encode())


def data_digests(data_dir: Path, regions: list[str]) -> dict[str, str]:
    """Per region: the shared tables, that region's rows of the regional tables and its narratives."""
    shared = [path(data_dir, name).read_bytes() for name in SHARED]
    regional = {name: read_text(data_dir, name) for name in REGIONAL}
    digests = {}
    for region in regions:
        rows = [frame[frame["region"] == region].to_csv(index=False).encode() for frame in regional.values()]
        texts = [str(p.relative_to(data_dir)).encode() + p.read_bytes() for p in narratives(data_dir, region)]
        digests[region] = sha(*shared, *rows, *texts)
    return digests
