"""The manifest: per job what was rendered, from which content, when and how it went.

build/manifest.json holds the state after the last completed run. While a batch runs,
each finished job is appended to a journal (one JSON line, flushed), so the cost per
job stays constant however large the matrix; at the end the journal is merged into the
manifest and removed. A run killed even with SIGKILL leaves a journal that the next
load replays. A damaged manifest or journal line (a torn last line, a disk error) is
moved aside and logged (see files.read_state): what cannot be proven current is
rendered again, and the run goes on. Only the holder of the build lock reads it.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..files import damaged, read_state, sync_directory, write_atomic
from .layout import Layout

REBUILT = "rebuilt empty: every notebook it listed is rendered again"


@dataclass
class Result:
    """One job's outcome, as the manifest keeps it."""

    job: str
    key: str
    status: str  # executed | skipped | failed (the notebook) | infrastructure (kernel, timeout, disk)
    parameters: dict
    hashes: dict
    outputs: list[str] = field(default_factory=list)
    duration: float = 0.0
    started: str = ""
    finished: str = ""
    error: str = ""
    version: str = ""
    commit: str = ""
    attempts: int = 1
    kernel: str = ""  # warm (a worker's kernel, reset) or fresh (one per notebook): which produced the outputs
    reads: dict = field(default_factory=dict)  # files of data/ the chapter read (a narrative) -> digest; part of the key


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Manifest:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.entries: dict[str, dict] = self._read()
        self._journal = None

    def _read(self) -> dict[str, dict]:
        document = read_state(self.layout.manifest, _valid, REBUILT)
        entries = Entries(document["jobs"] if isinstance(document, dict) else {})
        entries.update(self._replay())  # dict.update: replayed entries are not news to listeners
        return entries

    def _replay(self) -> dict[str, dict]:
        """The journal of a run that did not merge it; damaged lines are skipped, the journal rewritten without them."""
        journal = self.layout.journal
        try:
            lines = journal.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as exc:
            damaged(journal, str(exc), REBUILT)
            return {}
        entries, good, bad = {}, [], []
        for n, text in enumerate(lines, 1):
            try:
                entry = json.loads(text)
                if not _valid_entry(entry):
                    raise ValueError("not a job's entry")
            except ValueError as exc:  # JSONDecodeError too: a line cut off by SIGKILL or a power loss
                bad.append(f"line {n}: {exc}")
                continue
            entries[entry["job"]] = entry
            good.append(text)
        if bad:
            skipped = "; ".join(bad[:3]) + (f"; {len(bad) - 3} more" if len(bad) > 3 else "")
            damaged(journal, skipped, f"its {len(good)} good lines kept")
            with contextlib.suppress(OSError):  # a build directory that cannot be written fails the run anyway
                write_atomic(journal, "".join(f"{text}\n" for text in good))
        return entries

    def get(self, job: str) -> dict:
        return self.entries.get(job, {})

    def record(self, entry: dict) -> None:
        """Keep entry (keyed by its 'job') and append it to the journal at once."""
        self.entries[entry["job"]] = entry
        if self._journal is None:
            self.layout.root.mkdir(parents=True, exist_ok=True)
            self._journal = open(self.layout.journal, "a", encoding="utf-8")
            sync_directory(self.layout.root)
        self._journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._journal.flush()
        os.fsync(self._journal.fileno())  # milliseconds against a notebook's seconds: a finished job survives a power loss

    def save(self) -> None:
        """Write every entry to manifest.json in one step and drop the journal it now contains."""
        document = {"updated": now(), "jobs": dict(sorted(self.entries.items()))}
        write_atomic(self.layout.manifest, json.dumps(document, indent=1, ensure_ascii=False))
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self.layout.journal.unlink(missing_ok=True)


REQUIRED = {"job": str, "key": str, "status": str, "parameters": dict, "hashes": dict}


def _valid_entry(entry: object) -> bool:
    """A job's entry as Result writes it: its required fields, and no field Result does not know."""
    return (isinstance(entry, dict) and all(isinstance(entry.get(k), t) for k, t in REQUIRED.items())
            and set(entry) <= set(Result.__dataclass_fields__))


def _valid(document: object) -> bool:
    jobs = document.get("jobs") if isinstance(document, dict) else None
    return isinstance(jobs, dict) and all(_valid_entry(e) and e["job"] == job for job, e in jobs.items())


_listeners: list[Callable[[dict], None]] = []


class Entries(dict):
    """The manifest's entries; each one set (a job skipped, a job finished) is also told to the listeners."""

    def __setitem__(self, job: str, entry: dict) -> None:
        super().__setitem__(job, entry)
        for listener in _listeners:
            listener(entry)


@contextlib.contextmanager
def watching(listener: Callable[[dict], None]) -> Iterator[None]:
    """Call listener with every job's entry as the batch settles it, so a run that is interrupted still knows
    which jobs it finished (the batch returns its results only at its end)."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
