"""A Dask worker plugin that makes folders unreadable in the worker, as on a machine without them.

In a module of its own so that worker processes started with this folder on PYTHONPATH can
import it when the test registers the plugin.
"""

from __future__ import annotations

import builtins
import io
import os

from dask.distributed import WorkerPlugin


class Blindfold(WorkerPlugin):
    """Opening a file under one of these folders fails in the worker."""

    def __init__(self, folders):
        self.folders = tuple(str(f) for f in folders)

    def setup(self, worker):
        real, folders = io.open, self.folders

        def guarded(file, *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and os.path.abspath(file).startswith(folders):
                raise PermissionError(f"this worker cannot see {file}")
            return real(file, *args, **kwargs)

        builtins.open = io.open = guarded
