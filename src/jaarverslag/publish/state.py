"""What was published, and from what: build/publications.json, read by every publishing step so
that a step whose inputs did not change does nothing."""

from __future__ import annotations

import json

from ..engine.layout import Layout
from ..files import write_atomic


class Publications:
    """build/publications.json: per report the key it was assembled from and the HTML its PDF shows."""

    def __init__(self, layout: Layout) -> None:
        self.path = layout.publications
        self.entries: dict[str, dict] = json.loads(self.path.read_text(encoding="utf-8")) if self.path.is_file() else {}

    def save(self) -> None:
        write_atomic(self.path, json.dumps(dict(sorted(self.entries.items())), indent=1))
