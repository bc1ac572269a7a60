"""Exclusive use of the build directory by one run, released by the OS even on SIGKILL."""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import JaarverslagError
from ..files import STALE
from .janitor import Janitor
from .layout import Layout


@contextmanager
def build_lock(layout: Layout) -> Iterator[None]:
    """Hold the lock on layout.root; a second run is refused with the owner's pid."""
    layout.root.mkdir(parents=True, exist_ok=True)
    with open(layout.lock, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            raise JaarverslagError(
                f"{layout.root} is in use by another jaarverslag run (pid {owner}); wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        # Temporary files (and folders) of a run that was killed are never valid outputs.
        for stale in layout.root.rglob(STALE):
            if stale.is_dir():
                shutil.rmtree(stale)
            else:
                stale.unlink(missing_ok=True)
        janitor = Janitor(layout.root)  # whatever ends the run, nothing of it lives on
        try:
            yield
        finally:
            janitor.close()
            handle.truncate(0)
