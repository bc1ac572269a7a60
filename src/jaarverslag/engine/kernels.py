"""Kernels for the batch: warm ones, kept by each worker across notebooks, or a fresh one per notebook.

A fresh kernel per notebook (papermill's way) costs a kernel start plus the notebooks' imports every
time: the floor under any engine that works like that. A warm kernel pays it once per worker; before
each notebook `kernel_state.restore` puts it back into the state a fresh kernel starts with, so the
outputs are the same (tests/test_kernels.py renders the batch both ways and compares every output).
This is a papermill engine of our own ("jaarverslag-warm"): parameters, cell errors and the
executed notebook stay papermill's. A kernel whose notebook failed or timed out, that died, or that
grew beyond MEMORY_LIMIT is replaced by a new one for the next notebook.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import remove_args

from ..errors import InfrastructureError

ENGINE = "jaarverslag-warm"
MEMORY_LIMIT = 2 * 1024**3  # bytes of resident memory after a notebook; beyond it the kernel is replaced
TAKE = "__import__('jaarverslag.engine.kernel_state', fromlist=['take']).take(get_ipython())"
RESTORE = "__import__('jaarverslag.engine.kernel_state', fromlist=['restore']).restore(get_ipython(), {cwd!r})"


class Kernel:
    """One warm kernel: its manager, its client once started, and how many notebooks it ran."""

    def __init__(self, manager: AsyncKernelManager) -> None:
        self.manager, self.client, self.notebooks = manager, None, 0

    def memory(self) -> int:
        """Resident bytes of the kernel process (0 when it cannot be told)."""
        pid = getattr(self.manager.provisioner, "pid", None)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except (OSError, TypeError):
            return 0
        line = next((ln for ln in status.splitlines() if ln.startswith("VmRSS:")), "VmRSS: 0 kB")
        return int(line.split()[1]) * 1024

    def shutdown(self) -> None:
        """Stop the kernel at once; one that is already gone is fine."""
        if self.client is not None:
            self.client.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(self.manager.shutdown_kernel)(now=True)


_kernels: dict[int, Kernel] = {}  # per thread: a kernel's client lives on its thread's event loop


def discard() -> None:
    """Replace this worker's warm kernel with a new one at the next notebook."""
    kernel = _kernels.pop(threading.get_ident(), None)
    if kernel is not None:
        kernel.shutdown()


def shutdown() -> None:
    """End every warm kernel of this process (at the end of an in-process run)."""
    for ident in list(_kernels):
        _kernels.pop(ident).shutdown()


def _current(kernel_name: str, manager_class: type[AsyncKernelManager]) -> Kernel:
    kernel = _kernels.get(threading.get_ident())
    if kernel is not None and kernel.manager.kernel_name != kernel_name:
        discard()
        kernel = None
    if kernel is None:
        kernel = _kernels[threading.get_ident()] = Kernel(manager_class(kernel_name=kernel_name))
    return kernel


class WarmClient(PapermillNotebookClient):
    """Papermill's client on a kernel it does not own: clean state first, then the cells."""

    kernel: Kernel

    def papermill_execute_cells(self) -> None:
        if self.kernel.notebooks == 0:
            self._hidden(TAKE)
        self._hidden(RESTORE.format(cwd=os.getcwd()))  # papermill runs the engine in the notebook's cwd
        super().papermill_execute_cells()

    def _hidden(self, code: str) -> None:
        """Run code in the kernel with no output, no history and no execution count of its own."""
        reply = self.wait_for_reply(self.kc.execute(code, silent=True, store_history=False, allow_stdin=False))
        if reply is None or reply["content"]["status"] != "ok":
            content = (reply or {}).get("content", {})
            raise InfrastructureError(f"the warm kernel could not be reset: {content.get('ename')}: {content.get('evalue')}")


class WarmEngine(NBClientEngine):
    """Papermill's nbclient engine, on this worker's warm kernel."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> Any:
        kernel = _current(kernel_name, kwargs.pop("kernel_manager_class", AsyncKernelManager))
        timeout, start_timeout = kwargs.pop("execution_timeout", None), kwargs.pop("start_timeout", 60)
        client = WarmClient(nb_man, km=kernel.manager, timeout=timeout, startup_timeout=start_timeout,
                            kernel_name=kernel_name, log=logger,
                            **remove_args(["input_path", "timeout", "startup_timeout"], **kwargs))
        client.kernel, client.kc = kernel, kernel.client
        try:
            notebook = client.execute()
        except BaseException:
            discard()
            raise
        kernel.client = client.kc
        kernel.notebooks += 1
        if kernel.memory() > MEMORY_LIMIT:
            discard()
        return notebook


papermill_engines.register(ENGINE, WarmEngine)
