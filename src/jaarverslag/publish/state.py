"""What was published, and from what: build/publications.json, read by every publishing step so
that a step whose inputs did not change does nothing. When it is damaged it is moved aside
and rebuilt empty: every report is then assembled and printed again, and the run goes on."""

from __future__ import annotations

import json

from ..engine.layout import Layout
from ..files import read_state, write_atomic

REBUILT = "rebuilt empty: every report is assembled and printed again"


class Publications:
    """build/publications.json: per report the key it was assembled from and the HTML its PDF shows."""

    def __init__(self, layout: Layout) -> None:
        self.path = layout.publications
        document = read_state(self.path, _valid, REBUILT)
        self.entries: dict[str, dict] = document if isinstance(document, dict) else {}

    def save(self) -> None:
        write_atomic(self.path, json.dumps(dict(sorted(self.entries.items())), indent=1))


def _valid(document: object) -> bool:
    return isinstance(document, dict) and all(isinstance(entry, dict) for entry in document.values())
