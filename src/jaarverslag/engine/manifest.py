"""The manifest: per job what was rendered, from which content, when and how it went.

build/manifest.json holds the state after the last completed run. While a batch runs,
each finished job is appended to a journal (one JSON line, flushed), so the cost per
job stays constant however large the matrix; at the end the journal is merged into the
manifest and removed. A run killed even with SIGKILL leaves a journal that the next
load replays, ignoring a last line cut off mid-write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..files import write_atomic
from .layout import Layout


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


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Manifest:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.entries: dict[str, dict] = self._read()
        self._journal = None

    def _read(self) -> dict[str, dict]:
        path, journal = self.layout.manifest, self.layout.journal
        entries = json.loads(path.read_text(encoding="utf-8"))["jobs"] if path.is_file() else {}
        if journal.is_file():
            for line in journal.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    continue  # the last line of a killed run
                entries[entry["job"]] = entry
        return entries

    def get(self, job: str) -> dict:
        return self.entries.get(job, {})

    def record(self, entry: dict) -> None:
        """Keep entry (keyed by its 'job') and append it to the journal at once."""
        self.entries[entry["job"]] = entry
        if self._journal is None:
            self.layout.root.mkdir(parents=True, exist_ok=True)
            self._journal = open(self.layout.journal, "a", encoding="utf-8")
        self._journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._journal.flush()

    def save(self) -> None:
        """Write every entry to manifest.json in one step and drop the journal it now contains."""
        document = {"updated": now(), "jobs": dict(sorted(self.entries.items()))}
        write_atomic(self.layout.manifest, json.dumps(document, indent=1, ensure_ascii=False))
        if self._journal is not None:
            self._journal.close()
            self._journal = None
        self.layout.journal.unlink(missing_ok=True)
