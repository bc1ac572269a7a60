"""What a run leaves when it is killed: nothing. A small process that outlives the run by a moment.

A SIGKILL (the OOM killer, systemd's timeout, kill -9) gives a run no chance to clean up:
its pool workers, kernels and Chromium would live on, write into build/ without the lock,
and leave their temporary files. So every run that holds the build lock starts a janitor.
The janitor notes the run's descendants as they come and go; when the pipe from the run
reaches end of file (the run ended, however it ended), it kills the descendants still
alive, removes the run's scratch folder (TMPDIR and Jupyter's runtime folder of the run
and all it starts: Chromium profiles, kernel connection files) and the half-written
files in build/, and exits. Only the standard library: it starts in a few milliseconds.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROC = Path("/proc")
LOOK = 0.2  # seconds between looks at the run's process tree
PREFIX = "jaarverslag-run-"
SCRATCH = "JAARVERSLAG_SCRATCH"  # names the run's scratch folder for its workers


def _stat(pid: int) -> list[str] | None:
    try:
        return (PROC / str(pid) / "stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None


def descendants(root: int) -> dict[int, str]:
    """Every process below root, with its start time (so a reused pid is never killed)."""
    parents: dict[int, list[tuple[int, str]]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            parents.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found, todo = {}, [root]
    while todo:
        for pid, started in parents.get(todo.pop(), []):
            found[pid] = started
            todo.append(pid)
    return found


def _living(seen: dict[int, str]) -> list[int]:
    return [pid for pid, started in seen.items() if (fields := _stat(pid)) and fields[19] == started and fields[0] != "Z"]


def _sessions(leaders: set[int]) -> dict[int, str]:
    """Every process in a session one of leaders leads (Chromium's helpers, orphaned before they were seen)."""
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) and int(fields[3]) in leaders:
            found[int(entry.name)] = fields[19]
    return found


def sweep(seen: dict[int, str], scratch: Path, build: Path) -> None:
    """Kill what the run started, wait until it is gone (a dying Chromium still writes), then remove what it wrote."""
    seen = {**seen, **_sessions({pid for pid in _living(seen) if (fields := _stat(pid)) and fields[3] == str(pid)})}
    for pid in _living(seen):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    deadline = time.monotonic() + 1.5
    while _living(seen) and time.monotonic() < deadline:
        time.sleep(0.02)
    shutil.rmtree(scratch, ignore_errors=True)
    time.sleep(0.3)  # a helper nobody saw start may still write once as it notices its browser is gone
    shutil.rmtree(scratch, ignore_errors=True)
    for stale in build.rglob(".*.tmp*") if build.is_dir() else ():
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


def watch(run: int, scratch: Path, build: Path) -> None:
    """Note the run's new descendants until its pipe speaks: 'done' after a normal end (the run has
    cleaned up; only the scratch folder goes), end of file after a kill (sweep it all).

    Processes the run had before it took the lock (a test runner's browser) are never touched.
    """
    before = descendants(run)
    seen: dict[int, str] = {}
    while not select.select([sys.stdin], [], [], LOOK)[0]:
        seen.update({pid: started for pid, started in descendants(run).items() if before.get(pid) != started})
    if sys.stdin.readline().strip() == "done":
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        sweep(seen, scratch, build)


class Janitor:
    """Started by the run under the build lock; its scratch folder becomes TMPDIR of what the run starts."""

    def __init__(self, build: Path) -> None:
        for stale in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):  # of runs whose janitor was killed too
            pid = stale.name.removeprefix(PREFIX).partition("-")[0]
            if pid.isdigit() and _stat(int(pid)) is None:
                shutil.rmtree(stale, ignore_errors=True)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(os.getpid()), str(self.scratch), str(Path(build).resolve())],
            stdin=subprocess.PIPE, start_new_session=True,  # not in the run's group: a Ctrl-C there is not for it
        )
        self._environment = {name: os.environ.get(name) for name in ("TMPDIR", "JUPYTER_RUNTIME_DIR", SCRATCH)}
        own = tempfile.gettempdir()
        for name in self._environment:  # for what the run starts
            os.environ[name] = str(self.scratch)
        tempfile.tempdir = own  # the run's own (multiprocessing's) temporary files stay where its exit removes them

    def close(self) -> None:
        """The run ends normally: the janitor sweeps (its workers are gone already) and exits."""
        for name, value in self._environment.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        tempfile.tempdir = None
        self.process.stdin.write(b"done\n")
        self.process.stdin.close()  # it removes the scratch folder and exits; the run need not wait


if __name__ == "__main__":
    watch(int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
