"""Content hashes: what determines a job's output, so unchanged jobs are never run again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..inputs.catalog import REGIONAL, SHARED, narratives, path, read_text, shown_years

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
    """The notebook's cells (type, source, tags) and kernel: stored outputs do not count.

    Read as plain JSON (nbformat format 4): importing nbformat costs a second, which a
    run with nothing to do should not pay.
    """
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    cells = [
        (c["cell_type"], "".join(c["source"]), c.get("metadata", {}).get("tags", [])) for c in nb["cells"]
    ]
    return sha(json.dumps([cells, nb["metadata"].get("kernelspec", {}), nb["metadata"].get("title")]).encode())


def data_digests(data_dir: Path, reports: list[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """Per (year, region): the shared tables, that region's rows of the years a report shows, its narratives.

    So a new year's data, or another region's, re-renders nothing that cannot show it.
    """
    shared = [path(data_dir, name).read_bytes() for name in SHARED]
    regional = {name: read_text(data_dir, name) for name in REGIONAL}
    digests = {}
    for year, region in reports:
        shown = [str(y) for y in shown_years(year)]  # data of other years cannot change the report
        rows = [
            frame[(frame["region"] == region) & frame["year"].isin(shown)].to_csv(index=False).encode()
            for frame in regional.values()
        ]
        texts = [str(p.relative_to(data_dir)).encode() + p.read_bytes() for p in narratives(data_dir, region)
                 if p.parent.parent.name in shown]
        digests[year, region] = sha(*shared, *rows, *texts)
    return digests
