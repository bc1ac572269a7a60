"""The run that owns a worker: workers and their kernels end when it does.

A worker process (pool or Dask worker on the same machine) is given the identity of the
run that started it: host, pid and the process's start time, so that a reused pid is
never taken for the run. A daemon thread looks twice a second; once the run is gone it
kills the worker's child processes (its kernel) and ends the worker at once, so no
orphan finishes queued jobs or writes into build/ without the lock. `render` also asks
before it moves an output into place.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
POLL = 0.5
_watching: set[int] = set()  # pids of processes whose watchdog runs (one per process)


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name; None when there is no such process."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def _start_time(pid: int) -> str | None:
    fields = _stat(pid)
    return fields[19] if fields else None  # field 22 of stat: start time in clock ticks after boot


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: str | None

    @classmethod
    def current(cls) -> Owner:
        return cls(socket.gethostname(), os.getpid(), _start_time(os.getpid()))

    def alive(self) -> bool:
        """False once the run has ended; True when it cannot be told (another host, no /proc)."""
        if self.host != socket.gethostname() or self.started is None:
            return True
        fields = _stat(self.pid)
        return fields is not None and fields[0] != "Z" and fields[19] == self.started

    def watch(self) -> None:
        """In a worker: end this process and its children when the run is gone (started once per process)."""
        if self.pid == os.getpid() or os.getpid() in _watching or self.started is None:
            return
        _watching.add(os.getpid())
        threading.Thread(target=self._guard, name="jaarverslag-owner-watchdog", daemon=True).start()

    def _guard(self) -> None:
        while self.alive():
            time.sleep(POLL)
        kill_children(os.getpid())
        os._exit(75)  # EX_TEMPFAIL: the run is gone, nothing of this worker's is valid


def kill_children(pid: int) -> None:
    """Kill the child processes of pid (its kernels) and their process groups."""
    for child in _children(pid):
        try:
            os.killpg(child, signal.SIGKILL)  # a kernel leads its own process group
        except OSError:
            try:
                os.kill(child, signal.SIGKILL)
            except OSError:
                pass


def _children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and fields[1] == str(pid):
                found.append(int(entry.name))
    return found
