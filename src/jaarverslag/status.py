"""build/status.json: how the last scheduled runs went, for monitoring and for people.

Written atomically at the end of every `jaarverslag run` that got the build lock: the
last run in full (times, exit code, counts, failures) and a short history of earlier
runs, newest first. `jaarverslag status` prints it and exits with the last run's code.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime

from .engine.layout import Layout
from .engine.progress import line
from .errors import JaarverslagError
from .files import write_atomic

HISTORY = 20
OUTCOMES = {0: "ok", 1: "a notebook failed", 2: "bad data or parameters", 3: "infrastructure failure",
            130: "interrupted", 143: "interrupted"}


def record(layout: Layout, last: dict) -> None:
    """Make last the newest run in build/status.json, keeping a short history."""
    previous = read(layout) if layout.status.is_file() else {}
    history = [_brief(last)] + previous.get("history", [])
    document = {"last": last, "history": history[:HISTORY]}
    write_atomic(layout.status, json.dumps(document, indent=1, ensure_ascii=False))


def _brief(run: dict) -> dict:
    return {k: run.get(k) for k in ("started", "finished", "exit_code", "outcome", "jobs")}


def read(layout: Layout) -> dict:
    try:
        return json.loads(layout.status.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise JaarverslagError(f"{layout.status}: no run recorded yet (`jaarverslag run` writes it)") from None
    except json.JSONDecodeError as exc:
        raise JaarverslagError(f"{layout.status}: not valid JSON ({exc})") from None


def describe(document: dict) -> str:
    """The status for a person: the last run, what it did, what failed, and the runs before it."""
    last = document["last"]
    seconds = (datetime.fromisoformat(last["finished"]) - datetime.fromisoformat(last["started"])).total_seconds()
    lines = [f"last run: {last['started']} to {last['finished']} ({seconds:.0f} s): exit {last['exit_code']}, "
             f"{last['outcome']}"]
    if last.get("jobs"):
        lines.append("notebooks: " + ", ".join(f"{n} {status}" for status, n in last["jobs"].items()))
    if last.get("reports"):
        lines.append("reports: " + ", ".join(f"{n} {what}" for what, n in last["reports"].items()))
    if last.get("error"):
        lines.append(f"error: {last['error']}")
    lines += [f"  {f['job']}: {f['status']}: {f['error']}" for f in last.get("failures", [])]
    if len(document.get("history", [])) > 1:
        lines.append("earlier runs:")
        lines += [f"  {run['started']}  exit {run['exit_code']}  {run['outcome']}" for run in document["history"][1:]]
    return "\n".join(lines)


def notify(command: str, layout: Layout, code: int) -> None:
    """Run command with `sh -c` after a failed run: $1 and $JAARVERSLAG_STATUS are the status file."""
    env = {"JAARVERSLAG_STATUS": str(layout.status), "JAARVERSLAG_EXIT_CODE": str(code)}
    try:
        result = subprocess.run(["sh", "-c", command, "jaarverslag-notify", str(layout.status)], timeout=120,
                                env={**os.environ, **env}, capture_output=True, text=True, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        line(f"notify command failed: {exc}")
        return
    if result.returncode != 0:
        line(f"notify command exited {result.returncode}: {result.stderr.strip()[-300:]}")

