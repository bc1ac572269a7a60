"""Provenance of a report: the data, code and render time recorded for the jobs that made it.

Read from the manifest, never recomputed at publish time, so the footer describes the
code and data that actually rendered the chapters, and says so when chapters differ. Like
is compared with like: each chapter's data version is that of the report's own region and
years (a chapter comparing the districts records theirs apart), so one clean render never
reads as mixed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_date

from ..engine.manifest import Manifest


@dataclass(frozen=True)
class Provenance:
    data: tuple[str, ...]  # distinct values, short forms, sorted
    library: tuple[str, ...]
    code: tuple[str, ...]  # 'version (commit c)'
    rendered: tuple[str, ...]  # first and last render date (ISO), one if equal

    @classmethod
    def of(cls, manifest: Manifest, year: int, region: str, chapters: list[str]) -> Provenance:
        entries = [e for e in (manifest.get(f"{year}/{region}/{c}") for c in chapters) if e]

        def distinct(values: Iterable[str]) -> tuple[str, ...]:
            return tuple(sorted({v for v in values if v}))

        dates = sorted(e["finished"][:10] for e in entries if e.get("finished"))
        return cls(
            data=distinct(e["hashes"]["data"][:12] for e in entries),
            library=distinct(e["hashes"]["library"][:12] for e in entries),
            code=distinct(f"{e.get('version') or 'onbekend'} (commit `{e.get('commit') or 'onbekend'}`" for e in entries),
            rendered=tuple(dict.fromkeys([dates[0], dates[-1]])) if dates else (),
        )

    @property
    def mixed(self) -> bool:
        return len(self.data) > 1 or len(self.library) > 1 or len(self.code) > 1

    def edition(self) -> str:
        """The cover's line: the date of this edition (the last render); versions are the colophon's small print."""
        day = self.rendered[-1] if self.rendered else None
        when = format_date(datetime.fromisoformat(day).date(), format="long", locale="nl_NL") if day else "onbekende datum"
        return f"Uitgave van {when}"

    def text(self, data_dir: object) -> str:
        """The footer in Dutch (Markdown)."""
        data = ", ".join(f"`{h}`" for h in self.data) or "onbekend"
        library = ", ".join(f"`{h}`" for h in self.library) or "onbekend"
        code = "; ".join(f"code jaarverslag {c}, bibliotheek {library})" for c in self.code) or "code onbekend"
        days = [format_date(datetime.fromisoformat(d).date(), format="long", locale="nl_NL") for d in self.rendered]
        when = " tot ".join(days) if days else "onbekende datum"
        text = f"Herkomst: gegevensversie {data} (inhoud van {data_dir}), {code}, gemaakt op {when}."
        if self.mixed:
            text += (" Let op: de hoofdstukken van dit verslag zijn niet allemaal met dezelfde gegevens- en "
                     "codeversie gemaakt.")
        return text
