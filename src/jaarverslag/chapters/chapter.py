"""A report chapter for (year, region): what a theme notebook shows, computed here once.

Every method returns something a notebook cell displays (or displays it itself, for
charts). Where the data has nothing for this region and year, the chapter says so in
Dutch instead of failing, so every notebook runs for every (year, region).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Self

import mistune
import nh3
import pandas as pd
from IPython.display import HTML, Markdown, display

from ..analysis.goals import STATUS_LABELS, goal_targets, goals_for, status_counts, summary_sentence
from ..analysis.targets import evaluate
from ..errors import ParameterError
from ..formatting import literal
from ..inputs import Dataset, load
from ..inputs.catalog import READS, content_digest, narrative, read_bytes
from ..inputs.params import DEFAULT, load_batch
from ..inputs.sources import demo_notice
from . import charts, tables

NARRATIVE_TAGS = {"p", "br", "em", "strong", "a", "ul", "ol", "li", "blockquote", "h3", "h4", "code"}


def safe_html(text: str) -> str:
    """HTML reduced to text elements and http(s)/mailto links; everything else is removed."""
    return nh3.clean(text, tags=NARRATIVE_TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"})


def markdown_html(content: bytes) -> str:
    """An analyst's Markdown as safe HTML (see `Chapter.narrative`)."""
    return safe_html(mistune.html(content.decode("utf-8")))


@dataclass
class Chapter:
    data: Dataset
    year: int
    region: str
    themes: tuple[str, ...]
    title_text: str
    evaluation: pd.DataFrame
    goals: pd.DataFrame

    @classmethod
    def build(cls, notebook: str, year: int, region: str, data_dir: str | Path = "data",
              batch_file: str | Path = DEFAULT) -> Self:
        """Load and validate the data, look the chapter up in the batch file and evaluate its themes."""
        data = load(data_dir)
        data.check_run(year, region)
        spec = load_batch(batch_file).chapter(notebook)
        known = set(data.themes["id"])
        unknown = [t for t in spec.themes if t not in known]
        if unknown:
            raise ParameterError(f"chapter {notebook!r}: unknown theme(s) {', '.join(unknown)}; see {batch_file}")
        goals = goals_for(data, year, region, spec.themes)
        return cls(data, year, region, tuple(spec.themes), spec.title_in(data),
                   goal_targets(evaluate(data, year, region), goals), goals)

    # -- helpers -------------------------------------------------------------------

    @property
    def region_name(self) -> str:
        return self.data.region_name(self.region)

    def theme_label(self, theme: str) -> str:
        return self.data.theme_label(theme)

    def _theme(self, theme: str | None) -> str:
        if theme is None:
            if len(self.themes) != 1:
                raise ParameterError(f"this chapter has several themes {self.themes}: name one")
            return self.themes[0]
        return theme

    @staticmethod
    def missing(text: str) -> Markdown:
        """What is missing and why, in one italic sentence, where a table or chart would be."""
        return Markdown(f"*{literal(text)}*")

    def gaps(self, rows: pd.DataFrame, targets: str) -> list[str]:
        """What a figures table leaves out and why, each said once: the table drops those columns."""
        notes = []
        if rows["previous"].isna().all():
            notes.append(f"Voor {self.year - 1} zijn voor {self.region_name} geen cijfers vastgelegd; "
                         f"de tabel toont alleen {self.year}.")
        if rows["kind"].isna().all() and rows.get("goal", pd.Series(dtype=object)).isna().all():
            notes.append(targets)
        return notes

    @staticmethod
    def with_notes(table: HTML, notes: list[str]) -> HTML:
        return HTML(table.data + "".join(f'<p class="note"><em>{escape(n)}</em></p>' for n in notes))

    # -- content ---------------------------------------------------------------------

    def title(self) -> Markdown:
        """Chapter heading; on pages with demo figures, a notice no reader can miss."""
        notice = demo_notice(self.data, self.year, self.region)
        return Markdown(f"# {literal(self.title_text)} {self.year}\n\n**{literal(self.region_name)}**{notice}")

    def narrative(self, theme: str | None = None) -> HTML | Markdown:
        """The chapter's text from data/narratives/<year>/<region>/<theme>.md, as safe HTML.

        Narratives are written by analysts: their Markdown is rendered and then sanitised
        (nh3) to a small set of text elements, so no script, event handler, style or
        javascript: link can reach a published page. The file and its digest go into the
        output's metadata, so the engine re-renders this chapter, and only the chapters that
        show the file, when it changes (engine/hashing.py).
        """
        theme = self._theme(theme)
        content, read = self._read(theme)
        if content is None:
            return Markdown(self.missing(f"Geen toelichting: voor {self.theme_label(theme)} is voor {self.region_name} "
                                         f"in {self.year} geen tekst geschreven.").data, metadata=read)
        return HTML(markdown_html(content), metadata=read)

    def _read(self, name: str) -> tuple[bytes | None, dict]:
        """A narrative's bytes (None when absent) and the metadata that keys the chapter on them."""
        path = narrative(self.data.data_dir, self.year, self.region, name)
        content = read_bytes(path)  # read once: what is shown is what the key records
        return content, {READS: {path.relative_to(self.data.data_dir).as_posix(): content_digest(content)}}

    def figures(self, theme: str | None = None) -> HTML | Markdown:
        """The theme's headline figures with the change against the previous year."""
        theme = self._theme(theme)
        rows = self.evaluation[(self.evaluation["theme"] == theme) & self.evaluation["current"].notna()]
        rows = rows.sort_values("kpi_order", na_position="last", kind="stable")
        if rows.empty:
            return self.missing(f"Geen kerncijfers: voor {self.theme_label(theme)} zijn voor {self.region_name} in {self.year} "
                                "geen cijfers vastgelegd.")
        caption = f"Kerncijfers {self.theme_label(theme)}, {self.region_name}, {self.year}"
        table = tables.figures_table(rows, self.year, caption, f"figures-{theme}")
        return self.with_notes(table, self.gaps(rows, "Geen van deze kerncijfers heeft een streefwaarde of een doel."))

    def figures_chart(self, theme: str | None = None) -> None:
        """The theme's figures known for both years: counts year on year, percentages against their norm."""
        theme = self._theme(theme)
        label = self.theme_label(theme)
        rows = self.evaluation[(self.evaluation["theme"] == theme) & self.evaluation["current"].notna()
                               & self.evaluation["previous"].notna()].sort_values("kpi_order", na_position="last", kind="stable")
        if rows.empty:
            shown = self.evaluation[(self.evaluation["theme"] == theme) & self.evaluation["current"].notna()]
            if shown.empty:  # figures() has said there are none
                return None
            return display(self.missing(f"Geen grafiek: voor {label} heeft {self.region_name} alleen cijfers over "
                                        f"{self.year}, niet over {self.year - 1}; ze staan in de tabel hierboven."))
        norms = rows[(rows["unit"] == "percentage") & rows["reference"].notna()]
        counts = rows.drop(norms.index)
        if not counts.empty:
            charts.show(charts.years_side_by_side(counts.head(4), self.year, f"{label}, {self.year - 1} en {self.year}"))
        if not norms.empty:
            charts.show(charts.against_norm(norms, {"previous": str(self.year - 1), "current": str(self.year)},
                                            f"{label}: percentages tegen hun norm, {self.year}"))

    def _goals(self, theme: str | None) -> pd.DataFrame:
        return self.goals[self.goals["theme"] == self._theme(theme)]

    def goal_summary(self, theme: str | None = None) -> Markdown:
        """'x van y doelen gerealiseerd', or why there are none (said here once; table and charts stay empty)."""
        goals = self._goals(theme)
        if goals.empty:
            return self.missing(f"Geen doelen: voor {self.theme_label(self._theme(theme))} zijn voor {self.region_name} "
                                f"in {self.year} geen doelen uit het jaarplan vastgelegd.")
        return Markdown(f"**{summary_sentence(goals)}**")

    def goals_table(self, theme: str | None = None) -> HTML | None:
        theme = self._theme(theme)
        goals = self._goals(theme)
        if goals.empty:
            return None
        caption = f"Doelen en resultaten {self.theme_label(theme)}, {self.region_name}, {self.year}"
        return tables.goals_table(goals, caption, f"goals-{theme}")

    def status_chart(self, theme: str | None = None) -> None:
        """Goals per status for each ambition; one sentence instead when all goals share one status."""
        theme = self._theme(theme)
        goals = self._goals(theme)
        if goals.empty:
            return None
        goals = goals.assign(ambitie=[f"{c}. {a}" for c, a in zip(goals["ambition_code"], goals["ambition"])])
        title = f"Status van de doelen per ambitie, {self.theme_label(theme)}"
        charts.show(charts.status_per_group(goals, "ambitie", STATUS_LABELS, title))

    def result_chart(self, theme: str | None = None) -> None:
        """Result against target for the theme's quantified percentage goals, if any (one goal: a sentence)."""
        theme = self._theme(theme)
        goals = self._goals(theme)
        rows = goals[(goals["unit"] == "percentage") & goals["target_value"].notna() & goals["result_value"].notna()]
        if goals.empty:
            return None
        if rows.empty:
            return display(self.missing(
                f"Geen resultaatgrafiek: {self.theme_label(theme)} heeft voor {self.region_name} in {self.year} geen in "
                "procenten gemeten doelen met streefwaarde en resultaat."))
        rows = rows.assign(reference=rows["target_value"])
        title = f"Resultaat ten opzichte van de streefwaarde, {self.theme_label(theme)}"
        charts.show(charts.against_norm(rows, {"result_value": "resultaat"}, title))

    def status_overview(self) -> HTML | Markdown:
        """Goals per status for every theme of the year (the appendix at a glance)."""
        goals = goals_for(self.data, self.year, self.region, list(self.data.themes["id"]))
        if goals.empty:
            return self.missing(f"Geen doelen: voor {self.region_name} zijn in {self.year} geen doelen uit het jaarplan vastgelegd.")
        labels = self.data.themes.set_index("id")["label"]
        counts = status_counts(goals.assign(thema=goals["theme"].map(labels)), by="thema")
        counts = counts.reindex([labels[t] for t in dict.fromkeys(goals["theme"])])
        caption = f"Status van de doelen per thema, {self.region_name}, {self.year}"
        summary = f"<p><strong>{summary_sentence(goals)}</strong></p>"
        return HTML(summary + tables.status_table(counts, caption, "status-overview").data)
