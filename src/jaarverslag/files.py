"""Writing outputs so that no reader, and no crash, ever leaves half a file behind."""

from __future__ import annotations

import os
from pathlib import Path

STALE = ".*.tmp.*"  # what temporary() names look like; the build lock removes leftovers


def temporary(path: Path) -> Path:
    """A private sibling of path to write into before moving it into place."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write data to path in one step: readers see the old file or the new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary(path)
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)
