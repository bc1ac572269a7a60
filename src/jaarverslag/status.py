"""build/status.json: how the last scheduled runs went, for monitoring and for people.

A `jaarverslag run` records itself as it starts ("running", with its pid and the
process's start time), updates its progress as it goes (at most once a second, and at
every phase) and records how it ended: times, exit code, counts, failures, and what was
found damaged and rebuilt. A "running" entry whose process is gone (SIGKILL, the OOM
killer, a power loss) is reported as killed by the next `status` or run, with its last
progress. When the build directory cannot be written, the status goes to a file outside
it (`fallback`), so monitoring and --notify still see the run. A short history of
earlier runs is kept, newest first. `jaarverslag status` prints it (or --json) and exits
with the last run's code; `--metrics` writes it for Prometheus' textfile collector.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path

from . import files
from .engine.layout import Layout
from .engine.manifest import now
from .engine.progress import STATUSES, line
from .errors import JaarverslagError
from .files import read_state, write_atomic

HISTORY = 20
OUTCOMES = {0: "ok", 1: "a notebook failed", 2: "bad data or parameters", 3: "infrastructure failure",
            130: "interrupted", 143: "interrupted"}
KILLED = "did not finish (killed)"
KILLED_EXIT_CODE = 3  # what `status` exits with for a run that died unseen: the machinery failed (OOM, timeout)
PROGRESS_INTERVAL = 1.0  # seconds between two progress writes within a phase
BRIEF = ("id", "started", "updated", "finished", "state", "exit_code", "outcome", "jobs")


def fallback(layout: Layout) -> Path:
    """Where the status goes when the build directory cannot be written: outside it, one per build directory.

    systemd's StateDirectory= ($STATE_DIRECTORY, the unit hides home directories), else $XDG_STATE_HOME/jaarverslag,
    else ~/.local/state/jaarverslag.
    """
    unit = os.environ.get("STATE_DIRECTORY", "").split(":")[0]
    base = Path(unit) if unit else Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state", "jaarverslag")
    digest = hashlib.sha256(str(layout.root.resolve()).encode()).hexdigest()[:16]
    return Path(base, digest, layout.status.name)


class Run:
    """One run's entry in the status file, from its start to its end, and the runs before it."""

    def __init__(self, layout: Layout, command: list[str], metrics: Path | None = None) -> None:
        self.layout, self.metrics = layout, metrics
        self.path = layout.status  # where the entry is written; the fallback once the build directory refuses
        self.last: dict = {
            "id": uuid.uuid4().hex[:12], "state": "running", "started": now(), "updated": now(), "finished": None, "exit_code": None,
            "outcome": "running", "phase": "validate", "command": command, **_identity(os.getpid()),
            "jobs": {}, "reports": {}, "failures": [], "error": "", "repairs": [],
        }
        self.history: list[dict] | None = None  # the earlier runs, read when the entry is first written
        self.settled: dict[str, dict] = {}  # job -> its entry, as the batch settles them
        self._repairs = len(files.repairs)
        self._counted = 0
        self._written = 0.0
        self._merged_fallback = False

    def start(self) -> None:
        """Record the run as running (call it holding the build lock: it rewrites the status file)."""
        self._write()

    def phase(self, name: str) -> None:
        """Record the phase the run enters (validate, render, publish, books): always written."""
        self.last["phase"] = name
        self._write()

    def job(self, entry: dict) -> None:
        """A job was settled by the batch: counted when the entry is next written, at most once a second."""
        self.settled[entry["job"]] = entry
        if time.monotonic() - self._written >= PROGRESS_INTERVAL:
            self._write()

    def _count(self) -> None:
        statuses = [e["status"] for e in self.settled.values()]
        self.last["jobs"] = {status: statuses.count(status) for status in STATUSES}
        self.last["failures"] = [{"job": e["job"], "status": e["status"], "error": e.get("error", "")}
                                 for e in self.settled.values() if e["status"] in ("failed", "infrastructure")]
        self._counted = len(self.settled)

    def finish(self, code: int, error: str = "") -> None:
        """Record how the run ended."""
        interrupted = code in (130, 143)
        self.last.update(state="interrupted" if interrupted else "finished", finished=now(), exit_code=code,
                         outcome=OUTCOMES.get(code, "interrupted"), error=error or self.last["error"])
        self._write()

    def outside(self) -> None:
        """Write the entry outside the build directory only (it does not exist, and must not be created)."""
        self.path = fallback(self.layout)
        self.last["status_file"] = str(self.path)
        line(f"jaarverslag: {self.layout.root} does not exist and nothing is written there; the status goes to {self.path}")

    def _write(self) -> None:
        if self.history is None:
            found = current(self.layout)
            self.history = found[0]["history"] if found else []
            self._merged_fallback = bool(found) and fallback(self.layout).exists()
        if len(self.settled) != self._counted:  # the batch's own results replace these counts when it returns
            self._count()
        self.last["updated"] = now()
        self.last["repairs"] = files.repairs[self._repairs:]
        document = {"last": self.last, "history": [_brief(self.last)] + self.history[:HISTORY - 1]}
        text = json.dumps(document, indent=1, ensure_ascii=False)
        if self.path == self.layout.status:
            try:
                write_atomic(self.path, text)
                if self._merged_fallback:  # its runs are in this file's history now
                    fallback(self.layout).unlink(missing_ok=True)
                    self._merged_fallback = False
                return self._written_now(document)
            except OSError as exc:
                self.path = fallback(self.layout)
                self.last["status_file"] = str(self.path)
                line(f"jaarverslag: cannot write {self.layout.status} ({files.reason(exc)}); the status goes to {self.path}")
                document["last"] = self.last
                text = json.dumps(document, indent=1, ensure_ascii=False)
        try:
            write_atomic(self.path, text)
        except OSError as exc:
            line(f"jaarverslag: cannot write the status to {self.path} either ({files.reason(exc)})")
        self._written_now(document)

    def _written_now(self, document: dict) -> None:
        self._written = time.monotonic()
        if self.metrics is not None:
            write_metrics(self.metrics, document)


def current(layout: Layout) -> tuple[dict, Path] | None:
    """The status as monitoring should see it, and the file holding its newest run; None when no run is recorded.

    Both build/status.json and its fallback are read (a damaged one is moved aside), their
    runs merged, and a "running" run whose process is gone marked killed.
    """
    found = []
    for path in (layout.status, fallback(layout)):
        document = read_state(path, _valid, "started afresh")
        if isinstance(document, dict):
            found.append((_healed(document), path))
    if not found:
        return None
    newest, path = max(found, key=lambda item: item[0]["last"]["started"])
    runs: dict[object, dict] = {}
    for document, _ in found:  # the healed last runs first: their brief replaces a stale one
        runs.setdefault(_key(document["last"]), _brief(document["last"]))
    for document, _ in found:
        for brief in document["history"]:
            runs.setdefault(_key(brief), brief)
    history = sorted(runs.values(), key=lambda brief: str(brief.get("started")), reverse=True)
    return {"last": newest["last"], "history": history[:HISTORY]}, path


def read(layout: Layout) -> tuple[dict, Path]:
    found = current(layout)
    if found is None:
        raise JaarverslagError(f"{layout.status}: no run recorded yet (`jaarverslag run` writes it)")
    return found


def _valid(document: object) -> bool:
    return (isinstance(document, dict) and isinstance(document.get("last"), dict)
            and isinstance(document["last"].get("started"), str) and isinstance(document.get("history"), list)
            and all(isinstance(brief, dict) for brief in document["history"]))


def _key(run: dict) -> object:
    return run.get("id") or run.get("started")


def _brief(run: dict) -> dict:
    return {k: run.get(k) for k in BRIEF}


def _healed(document: dict) -> dict:
    last = document["last"]
    if last.get("state") != "running" or alive(last):
        return document
    last = {**last, "state": "killed", "outcome": KILLED}
    history = [_brief(last) if _key(brief) == _key(last) else brief for brief in document["history"]]
    return {"last": last, "history": history}


def _identity(pid: int) -> dict:
    """What tells this process from a later one with the same pid: its start time since boot, and the boot."""
    return {"pid": pid, "process_start": _start_ticks(pid), "boot_id": _boot_id()}


def _start_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else int(fields[19])  # field 22 of proc(5): starttime


def _boot_id() -> str | None:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def alive(run: dict) -> bool:
    """Whether the process that recorded run is still that run (not gone, not a reused pid, not an earlier boot)."""
    pid = run.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if run.get("boot_id") and _boot_id() and run["boot_id"] != _boot_id():
        return False
    if run.get("process_start") is not None:
        return _start_ticks(pid) == run["process_start"]
    try:
        os.kill(pid, 0)  # no /proc: the pid alone
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def exit_code(document: dict) -> int:
    """What `jaarverslag status` exits with: the last ended run's code; a killed run counts as 3."""
    ended = _ended(document)
    if ended is None:
        return 0  # only a run in progress: nothing has failed yet
    if ended.get("state") == "killed" or ended.get("exit_code") is None:
        return KILLED_EXIT_CODE
    return ended["exit_code"]


def _ended(document: dict) -> dict | None:
    """The last run that is not running: the last one, or the one before a run in progress."""
    if document["last"].get("state") != "running":
        return document["last"]
    return next((run for run in document["history"][1:] if run.get("state") != "running"), None)


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def describe(document: dict) -> str:
    """The status for a person: the last run, what it did, what failed, and the runs before it."""
    last = document["last"]
    state = last.get("state", "finished")
    if state == "running":
        lines = [f"running since {last['started']} (pid {last.get('pid')}, {last.get('phase')}; last progress "
                 f"{last.get('updated')})"]
    elif state == "killed":
        lines = [f"last run: {last['started']}: {KILLED} (pid {last.get('pid')}; last progress {last.get('updated')}, "
                 f"during {last.get('phase')})"]
    else:
        seconds = _seconds(last["started"], last.get("finished")) or 0
        lines = [f"last run: {last['started']} to {last['finished']} ({seconds:.0f} s): exit {last['exit_code']}, "
                 f"{last['outcome']}"]
    if last.get("jobs"):
        lines.append("notebooks: " + ", ".join(f"{n} {status}" for status, n in last["jobs"].items()))
    if last.get("reports"):
        lines.append("reports: " + ", ".join(f"{n} {what}" for what, n in last["reports"].items()))
    if last.get("error"):
        lines.append(f"error: {last['error']}")
    lines += [f"  {f['job']}: {f['status']}: {f['error']}" for f in last.get("failures", [])]
    lines += [f"repaired: {repair}" for repair in last.get("repairs", [])]
    if last.get("status_file"):
        lines.append(f"status file: {last['status_file']} (outside the build directory, which could not be written)")
    if len(document.get("history", [])) > 1:
        lines.append("earlier runs:")
        lines += [f"  {run['started']}  exit {run.get('exit_code')}  {run.get('outcome')}" for run in document["history"][1:]]
    return "\n".join(lines)


def notify(command: str, run: Run, code: int) -> None:
    """Run command with `sh -c`: $1 and $JAARVERSLAG_STATUS are the status file (absolute), $JAARVERSLAG_EXIT_CODE the code."""
    path = str(run.path.absolute())
    env = {"JAARVERSLAG_STATUS": path, "JAARVERSLAG_EXIT_CODE": str(code), "JAARVERSLAG_OUTCOME": run.last["outcome"]}
    try:
        result = subprocess.run(["sh", "-c", command, "jaarverslag-notify", path], timeout=120,
                                env={**os.environ, **env}, capture_output=True, text=True, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        line(f"notify command failed: {exc}")
        return
    if result.returncode != 0:
        line(f"notify command exited {result.returncode}: {result.stderr.strip()[-300:]}")


def metrics(document: dict | None) -> str:
    """The status in Prometheus' text format, for node_exporter's textfile collector."""
    running = document is not None and document["last"].get("state") == "running"
    out = _metric("jaarverslag_run_running", "1 while a run is in progress.", [("", int(running))])
    ended = _ended(document) if document else None
    if ended is None:
        return out
    end = ended.get("finished") or ended.get("updated") or ended["started"]
    success = next((run for run in document["history"] if run.get("exit_code") == 0 and run.get("finished")), None)
    out += _metric("jaarverslag_last_run_timestamp_seconds", "When the last run ended (its last progress if killed), "
                   "Unix time.", [("", datetime.fromisoformat(end).timestamp())])
    if success is not None:
        out += _metric("jaarverslag_last_success_timestamp_seconds", "When the last run with exit code 0 ended, Unix time.",
                       [("", datetime.fromisoformat(success["finished"]).timestamp())])
    out += _metric("jaarverslag_last_run_exit_code", "Exit code of the last run (3 when it was killed).",
                   [("", exit_code({"last": ended, "history": []}))])
    out += _metric("jaarverslag_last_run_killed", "1 when the last run did not finish (SIGKILL, OOM, power loss).",
                   [("", int(ended.get("state") == "killed"))])
    out += _metric("jaarverslag_last_run_duration_seconds", "How long the last run took (until its last progress if "
                   "killed).", [("", _seconds(ended["started"], end) or 0)])
    jobs = ended.get("jobs") or {}
    out += _metric("jaarverslag_jobs", "Notebooks of the last run per outcome.",
                   [(f'{{outcome="{status}"}}', jobs.get(status, 0)) for status in STATUSES])
    return out


def _metric(name: str, help_: str, samples: list[tuple[str, float]]) -> str:
    values = "".join(f"{name}{labels} {int(value) if float(value).is_integer() else float(value)!r}\n"
                     for labels, value in samples)
    return f"# HELP {name} {help_}\n# TYPE {name} gauge\n{values}"


def write_metrics(path: Path, document: dict | None) -> None:
    """Write the metrics file in one step (the collector must never read half of it); a failure is logged only."""
    try:
        path = Path(path)  # the collector reads every *.prom: the temporary file must not be one
        write_atomic(path, metrics(document), tmp=path.with_name(f".{path.name}.{os.getpid()}.tmp"))
    except OSError as exc:
        line(f"jaarverslag: cannot write the metrics to {path} ({files.reason(exc)})")
