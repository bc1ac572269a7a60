"""The run's own log file for schedulers without a journal (cron): appended to, and rotated by size.

A shell's `>> build/run.log` grows for ever. `jaarverslag run --log FILE` rotates FILE
before the run when it has reached LIMIT bytes (FILE.1 … FILE.KEEP, oldest dropped), then
sends this process's and its children's standard output and error to it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

LIMIT = 1_000_000  # bytes
KEEP = 5  # older generations kept


def rotate(log: Path) -> None:
    """FILE -> FILE.1 -> … -> FILE.KEEP, once FILE has reached LIMIT."""
    if not log.is_file() or log.stat().st_size < LIMIT:
        return
    for n in range(KEEP - 1, 0, -1):
        older = log.with_name(f"{log.name}.{n}")
        if older.is_file():
            os.replace(older, log.with_name(f"{log.name}.{n + 1}"))
    os.replace(log, log.with_name(f"{log.name}.1"))


def redirect(log: Path) -> None:
    """Append standard output and error (of this process and what it starts) to log, rotated first."""
    log = Path(log).resolve()
    log.parent.mkdir(parents=True, exist_ok=True)
    rotate(log)
    sys.stdout.flush()
    sys.stderr.flush()
    handle = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for stream in (1, 2):
        os.dup2(handle, stream)
    os.close(handle)
