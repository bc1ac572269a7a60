"""Content hashes: what determines a job's output, so unchanged jobs are never run again."""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from pathlib import Path

from ..inputs.catalog import REGIONAL, SHARED, content_digest, path, read_bytes, shown_years

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
    """Per (year, region): the shared tables and that region's rows of the years a report shows.

    So a new year's data, or another region's, re-renders nothing that cannot show it. Each
    table is read once and its rows grouped by (region, year), so the cost grows with the
    rows plus the reports, not rows x reports (benchmarks/scale.py). Narratives are not in
    it: each chapter is keyed on the narratives it read (`with_reads`).
    """
    shared = [path(data_dir, name).read_bytes() for name in SHARED]
    grouped = [_rows_by_region_and_year(path(data_dir, name)) for name in REGIONAL]
    digests = {}
    for year, region in reports:
        shown = [str(y) for y in shown_years(year)]  # data of other years cannot change the report
        digests[year, region] = sha(*shared, *(table.get((region, y), b"") for table in grouped for y in shown))
    return digests


def current_reads(data_dir: Path, recorded: dict[str, str]) -> dict[str, str]:
    """The digests now of the files a chapter recorded reading (a narrative edited, added or removed shows)."""
    return {name: content_digest(read_bytes(Path(data_dir) / name)) for name in recorded}


def with_reads(key: str, reads: dict[str, str]) -> str:
    """A job's key: what was known before it ran, and the files it read (as `render.reads` found them).

    Like a compiler's depfile: the first render records what the chapter read; the next
    plan hashes those files again, so a narrative edit re-renders exactly the chapters that show it.
    """
    return sha(key.encode(), json.dumps(reads, sort_keys=True).encode()) if reads else key


def _rows_by_region_and_year(file: Path) -> dict[tuple[str, str], bytes]:
    """The table's rows (each as the list of its cells) per (region, year), in file order."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    with open(file, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        region, year = header.index("region"), header.index("year")
        for row in reader:
            if len(row) == len(header):
                groups[row[region], row[year]].append(json.dumps(row, ensure_ascii=False))
    return {key: "\n".join(rows).encode() for key, rows in groups.items()}
