"""Dask workers the client can trust, and `jaarverslag worker`, which starts one.

A worker renders with its own installed library and its own Jupyter kernel. One whose library
differs from the client's by a single line renders other reports under the client's hashes, and
the manifest would call them up to date; one without the kernel fails every job. So the client asks
every worker before it dispatches (`check_workers`), and every job reports what it rendered with
(`Identity`, judged by `refusal`) before its outputs are written, which also catches a worker that
joins later. Dask's own log lines and tracebacks go to a file (`logging_to`): the console gets one
message that says what to do.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .. import __version__
from ..errors import InfrastructureError, ParameterError, WorkerSetupError
from .hashing import library_digest

if TYPE_CHECKING:
    from dask.distributed import Client

KERNEL = "jaarverslag"  # the notebooks' kernelspec
REGISTER = f"python -m ipykernel install --sys-prefix --name {KERNEL}"
WAIT = 6.0  # seconds for a scheduler to show its first worker; with start-up and connecting, the answer is within 10 s
SHORT = 16  # hex digits of a hash in messages, as `jaarverslag worker` prints them
LOG_LIMIT = 1_000_000  # bytes; a longer Dask log is started afresh
LOGGERS = ("distributed", "tornado", "bokeh", "asyncio")  # those whose lines Dask's set-up sends to the console


@dataclass(frozen=True)
class Identity:
    """What a worker renders with: its library (as its own code hashes), its kernel, the notebook it was given."""

    version: str
    library: str
    kernel: str | None  # the directory of its jaarverslag kernel; None when none is registered
    notebook: str = ""  # the digest of a job's notebook as the worker received it


def kernel_directory() -> str | None:
    """Where this environment's jaarverslag kernel is registered, as papermill will look for it."""
    from jupyter_client.kernelspec import KernelSpecManager

    return KernelSpecManager().find_kernel_specs().get(KERNEL)


def identity() -> Identity:
    """This process's library and kernel (run on each worker by `check_workers`)."""
    return Identity(__version__, library_digest(), kernel_directory())


def refusal(worker: str, found: Identity, hashes: dict) -> str | None:
    """Why the client cannot take this worker's output for a job with these hashes; None when it can."""
    library = getattr(found, "library", "unknown")
    if library != hashes["library"]:
        return (f"the Dask worker {worker} runs another jaarverslag library than this client: its code hashes to "
                f"{library[:SHORT]} (version {getattr(found, 'version', 'unknown')}), the client's to "
                f"{hashes['library'][:SHORT]} (version {__version__}). Its output is refused: install the client's "
                "version on the worker (the same commit; `jaarverslag worker` prints the hash it runs with) and restart it")
    if getattr(found, "kernel", None) is None:
        return (f"the Dask worker {worker} has no Jupyter kernel '{KERNEL}', so it cannot render a notebook: register "
                f"it in the worker's environment with `{REGISTER}` and restart the worker")
    if "notebook" in hashes and found.notebook != hashes["notebook"]:
        return (f"the notebook the Dask worker {worker} received hashes to {found.notebook[:SHORT]}, not to "
                f"{hashes['notebook'][:SHORT]} as planned: it changed while the run started; run again")
    return None


def check_workers(client: Client, library: str) -> None:
    """Refuse the cluster before any job runs when a worker is set up otherwise than this client (WorkerSetupError)."""
    reasons = []
    for worker, found in sorted(client.run(identity, on_error="return").items()):
        if isinstance(found, BaseException):  # e.g. a library so old or broken that it cannot answer
            reasons.append(f"the Dask worker {worker} cannot tell which jaarverslag it runs ({type(found).__name__}: "
                           f"{found}): install the client's version on the worker and restart it")
        elif reason := refusal(worker, found, {"library": library}):
            reasons.append(reason)
    if reasons:
        raise WorkerSetupError("\n".join(reasons))


TLS = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": "tls_ca_file", "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": "tls_client_cert"}


def check_tls(scheduler: str) -> None:
    """A tls:// scheduler needs this client's CA and certificate, from Dask's configuration (ParameterError when not)."""
    if not scheduler.startswith("tls://"):
        return
    from distributed.security import Security

    security = Security()
    missing = [variable for variable, field in TLS.items() if not getattr(security, field)]
    if missing:
        raise ParameterError(f"the Dask scheduler {scheduler} speaks TLS, but this client has no certificates for it: set "
                             f"{' and '.join(missing)} (and DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY for a separate key "
                             "file), or the same keys in Dask's configuration file (README, Running a cluster)")


def wait_for_workers(client: Client, scheduler: str) -> None:
    """Fail in WAIT seconds, naming the scheduler, when it has no worker (Dask would wait for ever per job)."""
    try:
        client.wait_for_workers(1, timeout=WAIT)
    except TimeoutError:
        raise InfrastructureError(f"the Dask scheduler {scheduler} has no workers (none joined within {WAIT:g} s): "
                                  f"start them with `jaarverslag worker {scheduler}` (README, Running a cluster)") from None


@contextlib.contextmanager
def logging_to(log: Path) -> Iterator[None]:
    """Send Dask's log lines and tracebacks (a lost scheduler prints dozens) to log instead of the console."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fresh = not log.is_file() or log.stat().st_size >= LOG_LIMIT
    handler = logging.FileHandler(log, mode="w" if fresh else "a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    loggers = [logging.getLogger(name) for name in LOGGERS]
    loggers += [logger for name, logger in list(logging.Logger.manager.loggerDict.items())
                if isinstance(logger, logging.Logger) and name.startswith(tuple(f"{n}." for n in LOGGERS)) and logger.handlers]
    saved = [(logger, logger.handlers[:], logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers, logger.propagate = [handler], False
    try:
        yield
    finally:
        for logger, handlers, propagate in saved:
            logger.handlers, logger.propagate = handlers, propagate
        handler.close()


def worker_command(scheduler: str, options: dict[str, object]) -> list[str]:
    """`dask worker` for this scheduler with these options (None: Dask's default)."""
    command = [sys.executable, "-m", "distributed.cli.dask_worker", scheduler]
    for option, value in options.items():
        if value is not None:
            command += [option, str(value)]
    return command


def start_worker(scheduler: str, options: dict[str, object]) -> NoReturn:
    """Check that this environment can render (the kernel), say what it renders with, then become a Dask worker."""
    found = identity()
    if found.kernel is None:
        raise WorkerSetupError(f"no Jupyter kernel '{KERNEL}' in this environment ({sys.prefix}), so this worker could not "
                               f"render a notebook: register it with `{REGISTER}` and start the worker again")
    print(f"jaarverslag worker: version {found.version}, library {found.library[:SHORT]}, kernel {found.kernel}; "
          f"joining the Dask scheduler {scheduler}", file=sys.stderr, flush=True)
    command = worker_command(scheduler, options)
    os.execv(command[0], command)
