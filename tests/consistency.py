"""Contradictions in the published reports, read as a reader reads them (issue 19, item 7).

Each rule below is one small function that reads the published reports (their text and
tables, per chapter) and yields a readable finding for every place where the report says
two things that cannot both be true, or says something the data contradicts:

    "2019/eenheid, hoofdstuk cter [a]: '…quote…' but …"

`contradictions(site, data)` runs every rule over a published site (`build/site/`) and
returns all findings; `check(...)` also says which rules could not run yet (a rule that
needs a column of data/ that does not exist yet raises `RuleSkipped`).

The report's text per part (cover, chapters, colophon) comes from `report_parts()`, the
one place that knows how a report is laid out in files: today one HTML page per report
whose chapters start at `<section class="chapter…" id="hoofdstuk-<notebook>">`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

COVER = "titelpagina"  # the part before the first chapter: the title page, menu and contents
COLOPHON = "colofon"
NONE = "–"  # what a table shows for "no value"
# The elements whose text a reader reads as a unit: sentences are looked for inside one of them.
BLOCKS = ["p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "th", "td", "summary", "pre", "figcaption", "dt", "dd"]

# ---------------------------------------------------------------------------------------------
# Reading the published reports


def report_files(site: Path) -> list[Path]:
    """Every published report of a site: <year>/<region>/jaarverslag-<year>-<region>.html."""
    return sorted(site.glob("[0-9][0-9][0-9][0-9]/*/jaarverslag-*.html"))


_MARKER = re.compile(r'<section class="(?:chapter[^"]*|colophon)" id="(?:hoofdstuk-)?([^"]+)"\s*>')


def report_parts(path: Path) -> dict[str, str]:
    """The HTML of each part of one report: 'titelpagina', each chapter by its notebook, 'colofon'.

    Read from the one-page edition, where each chapter is a <section>: a part runs from its
    section to the next one (the appendix stays with the last chapter, as it follows it; the
    colophon runs to the end of the page, provenance included). The chapter pages hold the
    same sections' content.
    """
    html = path.read_text(encoding="utf-8")
    markers = list(_MARKER.finditer(html))
    parts = {COVER: html[:markers[0].start() if markers else len(html)]}
    for marker, following in zip(markers, [*markers[1:], None]):
        parts[marker.group(1)] = html[marker.start():following.start() if following else len(html)]
    return parts


def clean(text: str) -> str:
    """Text as a reader sees it: no soft hyphens, single spaces."""
    return re.sub(r"\s+", " ", text.replace("\xad", "")).strip()


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[tuple[str, dict[str, str]]]  # (row label: the last row heading, {column: cell text})

    def row(self, label: str) -> dict[str, str] | None:
        return next((cells for row_label, cells in self.rows if row_label == label), None)

    def cells(self) -> Iterator[str]:
        for _, cells in self.rows:
            yield from cells.values()


@dataclass
class Part:
    """A part of a report: its cover, one chapter, or its colophon."""

    name: str
    html: str = field(repr=False)

    @cached_property
    def soup(self) -> BeautifulSoup:
        soup = BeautifulSoup(self.html, "html.parser")
        for tag in soup(["style", "script"]):
            tag.decompose()
        return soup

    @cached_property
    def text(self) -> str:
        return clean(self.soup.get_text(" "))

    @cached_property
    def sentences(self) -> list[str]:
        """The part's text as a reader meets it: the sentences of each paragraph, heading and table cell."""
        blocks = [element for element in self.soup.find_all(BLOCKS) if not element.find(BLOCKS)]
        return [sentence for element in blocks
                for sentence in re.split(r"(?<=[.!?]) (?=[A-Z‘'\"(])", clean(element.get_text(" "))) if sentence]

    def find_all(self, pattern: re.Pattern | str) -> list[tuple[re.Match, str]]:
        """Each match of a pattern in the part's sentences, with its sentence quoted."""
        return [(match, _quoted(sentence)) for sentence in self.sentences for match in re.finditer(pattern, sentence)]

    def find(self, pattern: re.Pattern | str) -> str | None:
        """The first sentence of the part that matches, quoted; None if none does."""
        return next((sentence for _, sentence in self.find_all(pattern)), None)

    @cached_property
    def tables(self) -> list[Table]:
        tables = []
        for table in self.soup.find_all("table"):
            caption = clean(table.caption.get_text(" ")) if table.caption else ""
            head = table.find("thead")
            columns = [clean(th.get_text(" ")) for th in head.find_all("tr")[-1].find_all("th", class_="col_heading")] if head else []
            rows = []
            for tr in (table.find("tbody") or table).find_all("tr", recursive=False):
                headings = tr.find_all("th")
                label = clean(headings[-1].get_text(" ")) if headings else ""
                values = [clean(td.get_text(" ")) for td in tr.find_all("td")]
                rows.append((label, dict(zip(columns, values))))
            tables.append(Table(caption, columns, rows))
        return tables

    def tables_titled(self, prefix: str) -> list[Table]:
        return [table for table in self.tables if table.caption.startswith(prefix)]


@dataclass
class Report:
    year: int
    region: str
    parts: dict[str, Part]

    @classmethod
    def read(cls, path: Path) -> Report:
        year, region = int(path.parent.parent.name), path.parent.name
        return cls(year, region, {name: Part(name, html) for name, html in report_parts(path).items()})

    @property
    def chapters(self) -> list[Part]:
        return [part for name, part in self.parts.items() if name not in (COVER, COLOPHON)]

    def where(self, part: Part) -> str:
        kind = "" if part.name in (COVER, COLOPHON) else "hoofdstuk "
        return f"{self.year}/{self.region}, {kind}{part.name}"


class Site(list):
    """The reports of a site, and its verantwoording page (for rule f)."""

    verantwoording: Part | None = None


def read(site: Path) -> Site:
    reports = Site(Report.read(path) for path in report_files(site))
    page = site / "verantwoording.html"
    if page.exists():
        reports.verantwoording = Part("verantwoording", page.read_text(encoding="utf-8"))
    return reports


def _quoted(sentence: str, width: int = 200) -> str:
    return "'" + (sentence if len(sentence) <= width else sentence[:width - 1] + "…") + "'"


# ---------------------------------------------------------------------------------------------
# The rules: each takes the reports and the Dataset and yields findings.


class RuleSkipped(Exception):
    """A rule that cannot run yet (e.g. a column of data/ it needs does not exist)."""


Rule = Callable[[list[Report], object], Iterable[str]]
RULES: dict[str, Rule] = {}


def rule(letter: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        RULES[letter] = function
        return function
    return register


NO_TARGETS = re.compile(r"geen streefwaarden (?:vastgesteld|vastgelegd)")
TARGETS_MET = re.compile(r"\b\d+ van \d+ streefwaarden gehaald")
TARGET_CELL = re.compile(r"^[≥≤] ")


@rule("a")
def no_targets_but_targets_shown(reports: list[Report], data: object) -> Iterator[str]:
    """A chapter that says no targets were set must not show one (a '≥ …'/'≤ …' cell or 'N van M streefwaarden gehaald')."""
    for report in reports:
        for chapter in report.chapters:
            said = chapter.find(NO_TARGETS)
            if not said:
                continue
            shown = next((table for table in chapter.tables for cell in table.cells() if TARGET_CELL.match(cell)), None)
            met = chapter.find(TARGETS_MET)
            if shown:
                cell = next(cell for cell in shown.cells() if TARGET_CELL.match(cell))
                yield f"{report.where(chapter)} [a]: {said} but the table '{shown.caption}' shows the target '{cell}'"
            elif met:
                yield f"{report.where(chapter)} [a]: {said} but also {met}"


@rule("b")
def no_key_figures_but_table(reports: list[Report], data: object) -> Iterator[str]:
    """'De kerncijfers staan in de tabel' must point at a Kerncijfers table, and not follow 'Geen kerncijfers'."""
    for report in reports:
        for chapter in report.chapters:
            points = chapter.find(r"de kerncijfers staan in de tabel")
            if not points:
                continue
            none = chapter.find(r"Geen kerncijfers")
            if none:
                yield f"{report.where(chapter)} [b]: {none} but {points}"
            elif not chapter.tables_titled("Kerncijfers"):
                yield f"{report.where(chapter)} [b]: {points} but the chapter has no Kerncijfers table"


COMPARES = re.compile(r"De tabel zet de cijfers van (?P<year>\d{4}) naast die van (?P<previous>\d{4})"
                      r"(?P<targets> en meet ze aan de streefwaarden)?")


@rule("c")
def table_compares_what_is_missing(reports: list[Report], data: object) -> Iterator[str]:
    """'De tabel zet de cijfers van Y naast die van Y-1 (en meet ze aan de streefwaarden)' needs Y-1 figures (and targets)."""
    for report in reports:
        for chapter in report.chapters:
            for compares, sentence in chapter.find_all(COMPARES):
                missing = [chapter.find(rf"Voor {compares['previous']} zijn .*geen cijfers vastgelegd")]
                if compares["targets"]:
                    missing.append(chapter.find(rf"Voor {compares['year']} zijn .*geen streefwaarden (?:vastgesteld|vastgelegd)"))
                for said in filter(None, missing):
                    yield f"{report.where(chapter)} [c]: {sentence} but {said}"


@rule("d")
def targets_met_and_none_set(reports: list[Report], data: object) -> Iterator[str]:
    """'N van M streefwaarden gehaald' and 'geen streefwaarden vastgesteld' cannot both hold in one chapter."""
    for report in reports:
        for chapter in report.chapters:
            met, none = chapter.find(TARGETS_MET), chapter.find(NO_TARGETS)
            if met and none:
                yield f"{report.where(chapter)} [d]: {met} but {none}"


MIXED_VERSIONS = re.compile(r"niet allemaal met dezelfde")


def mixed_versions(one_run: bool) -> Rule:
    """The colophon's mixed-version warning is false in a build made in one run (same data and code throughout)."""
    def mixed_version_warning(reports: list[Report], data: object) -> Iterator[str]:
        if not one_run:
            return
        for report in reports:
            colophon = report.parts.get(COLOPHON)
            warning = colophon and colophon.find(MIXED_VERSIONS)
            if warning:
                yield f"{report.where(colophon)} [e]: {warning} in a build made in one run"
    return mixed_version_warning


RULES["e"] = mixed_versions(one_run=True)

# The wording the colophon and the verantwoording use: "De status van een doel is die uit de bron".
STATUS_FROM_SOURCE = re.compile(r"[Ss]tatus(sen)?\b[^.;]{0,80}?\b(is|zijn|komt|komen|staat|staan|volgt|volgen)\b[^.;]{0,30}?\buit de bron")


def _judged_goals(data: object, year: int | None = None, region: str | None = None) -> pd.DataFrame:
    """Goals whose status is not the source's: generated demo goals, and goals whose status we judged
    (`status_basis` 'derived', once goals.csv has that column)."""
    goals = data.goals
    if year is not None:
        goals = goals[(goals["year"] == year) & (goals["region"] == region)]
    judged = goals["source"] == "demo"
    if "status_basis" in goals.columns:
        judged |= goals["status_basis"] == "derived"
    return goals[judged]


@rule("f")
def statuses_from_source(reports: list[Report], data: object) -> Iterator[str]:
    """'De status … is die uit de bron' is false where a goal's status is generated (demo) or judged by us."""
    def findings(where: str, part: Part, judged: pd.DataFrame) -> Iterator[str]:
        for _, sentence in part.find_all(STATUS_FROM_SOURCE):
            if not judged.empty and "demo" not in sentence.lower():  # a sentence that names the exception is fine
                why = "demo data" if (judged["source"] == "demo").all() else "demo data or judged by us"
                yield (f"{where} [f]: {sentence} but the status of {len(judged)} goal(s) is {why}, "
                       f"e.g. '{clean(judged['label'].iloc[0])}'")

    for report in reports:
        judged = _judged_goals(data, report.year, report.region)
        for part in report.parts.values():
            yield from findings(report.where(part), part, judged)
    verantwoording = getattr(reports, "verantwoording", None)
    if verantwoording is not None:
        yield from findings("verantwoording", verantwoording, _judged_goals(data))


@rule("g")
def false_precision(reports: list[Report], data: object) -> Iterator[str]:
    """A percentage recorded as a whole number (no decimal point in observations.csv) must not be printed as 'N,0%'."""
    observations = pd.read_csv(Path(data.data_dir) / "observations.csv", dtype=str, keep_default_na=False)
    units = data.indicators.set_index("id")["unit"]
    whole = observations[observations["indicator"].map(units).eq("percentage") & ~observations["value"].str.contains(r"\.")]
    whole = set(zip(whole["indicator"], whole["region"], whole["year"].astype(int)))
    by_label = {}
    for indicator, label in zip(data.indicators["id"], data.indicators["label"]):
        by_label.setdefault(clean(label), []).append(indicator)
    for report in reports:
        for chapter in report.chapters:
            for table in chapter.tables:
                years = [column for column in table.columns if re.fullmatch(r"\d{4}", column)]
                for label, cells in table.rows:
                    for indicator in by_label.get(label, []):
                        for column in years:
                            if (indicator, report.region, int(column)) in whole and re.fullmatch(r"\d+,0%", cells.get(column, "")):
                                yield (f"{report.where(chapter)} [g]: '{table.caption}', {label}, {column}: "
                                       f"'{cells[column]}' but observations.csv records a whole number")


GOAL_TABLES = ("Doelen en resultaten", "Status van de doelen")


@rule("h")
def district_goals_without_unit_goals(reports: list[Report], data: object) -> Iterator[str]:
    """A district report follows the unit's structure per year: no appendix goals in a year the unit's report has none."""
    unit = data.unit
    unit_reports = {report.year: report for report in reports if report.region == unit}
    for report in reports:
        if report.region == unit:
            continue
        if report.year in unit_reports:
            unit_has_goals = any(chapter.tables_titled(GOAL_TABLES) for chapter in unit_reports[report.year].chapters)
        else:  # the unit's report is not on this site: ask the data
            unit_has_goals = bool(((data.goals["year"] == report.year) & (data.goals["region"] == unit)).any())
        if unit_has_goals:
            continue
        for chapter in report.chapters:
            for table in chapter.tables_titled(GOAL_TABLES):
                yield (f"{report.where(chapter)} [h]: shows the table '{table.caption}' "
                       f"but the unit's report of {report.year} has no appendix goals")


def _ancestors(data: object, region: str) -> set[str]:
    parents = dict(zip(data.regions["id"], data.regions["parent"].fillna("")))
    found = set()
    while region and region not in found:
        found.add(region)
        region = parents.get(region, "")
    return found


def _goal_labels(report: Report) -> dict[str, tuple[Part, Table, dict[str, str]]]:
    """Each goal of a report's 'Doelen en resultaten' tables by its label: where it is and its row."""
    return {label: (chapter, table, cells)
            for chapter in report.chapters for table in chapter.tables_titled("Doelen en resultaten")
            for label, cells in table.rows}


def _blank(value: object) -> bool:
    return pd.isna(value) or str(value).strip() == ""


@rule("i")
def goal_outside_its_place(reports: list[Report], data: object) -> Iterator[str]:
    """A goal for one place (goals.csv `place`) belongs only in the reports of that place and the regions around it."""
    if "place" not in data.goals.columns:
        raise RuleSkipped("goals.csv has no column 'place' yet")
    allowed: dict[tuple[int, str], set[str] | None] = {}  # (year, label) -> regions, None = anywhere
    for year, label, place in zip(data.goals["year"], data.goals["label"], data.goals["place"]):
        key = (int(year), clean(label))
        if _blank(place) or allowed.get(key, set()) is None:
            allowed[key] = None
        else:
            allowed[key] = allowed.get(key, set()) | _ancestors(data, str(place))
    for report in reports:
        for label, (chapter, table, _) in _goal_labels(report).items():
            regions = allowed.get((report.year, label))
            if regions is not None and report.region not in regions:
                yield (f"{report.where(chapter)} [i]: the goal '{label}' ('{table.caption}') "
                       f"applies only to {', '.join(sorted(regions))}")


def _linked_indicators(goals: pd.DataFrame) -> pd.Series | None:
    """The indicators that measure each goal: goals.csv `indicators` (ids separated by spaces) or `indicator`."""
    column = next((c for c in ("indicators", "indicator") if c in goals.columns), None)
    return None if column is None else goals[column].map(lambda v: [] if _blank(v) else str(v).split())


@rule("j")
def linked_goal_and_indicator(reports: list[Report], data: object) -> Iterator[str]:
    """A goal measured by indicators shares its target with them and takes its result from their observation.

    (A goal 'niet-vergelijkbaar' keeps its result, but its indicator need not show its target: the figure measures
    something other than the target.)"""
    linked = _linked_indicators(data.goals)
    if linked is None:
        raise RuleSkipped("goals.csv has no column 'indicators' (or 'indicator') yet")
    labels = data.indicators.set_index("id")["label"]
    observed = set(zip(data.observations["indicator"], data.observations["region"], data.observations["year"].astype(int)))
    by_report = {(report.year, report.region): report for report in reports}
    targeted = data.goals["target_value"].map(lambda v: not _blank(v)) & linked.map(bool)
    goals = data.goals[targeted]
    for year, region, label, status, indicators in zip(goals["year"], goals["region"], goals["label"], goals["status"],
                                                        linked[targeted]):
        report = by_report.get((int(year), region))
        shown = report and _goal_labels(report).get(clean(label))
        if not shown:
            continue
        chapter, table, cells = shown
        for indicator in indicators if status != "niet-vergelijkbaar" else []:  # its figure measures something else
            indicator_label = clean(labels.get(indicator, indicator))
            for key_figures in chapter.tables_titled("Kerncijfers"):
                row = key_figures.row(indicator_label)
                if row and "geen streefwaarde" in row.values():
                    yield (f"{report.where(chapter)} [j]: '{key_figures.caption}', {indicator_label}: 'geen streefwaarde' "
                           f"but the goal '{clean(label)}' that it measures has a target")
        if cells.get("Resultaat") == NONE and all((i, region, int(year)) in observed for i in indicators):
            yield (f"{report.where(chapter)} [j]: the goal '{clean(label)}' shows no result ('{NONE}') "
                   f"but observations.csv has {' and '.join(indicators)} for {year}")


@rule("k")
def hashes_on_cover(reports: list[Report], data: object) -> Iterator[str]:
    """The cover shows no build hashes: they belong to the colophon's small print."""
    for report in reports:
        cover = report.parts[COVER]
        title_page = cover.soup.find("div", class_="title-page")
        found = title_page and re.search(r"gegevensversie\W+[0-9a-f]{6,}", clean(title_page.get_text(" ")))
        if found:
            yield f"{report.where(cover)} [k]: {cover.find(found.re)} shows a build hash on the title page"


@rule("l")
def all_targets_met_but_goal_missed(reports: list[Report], data: object) -> Iterator[str]:
    """'Every quantitative goal was met' cannot be judged 'klopt' while a goal with a target was not realised."""
    claims = data.claims[data.claims["rule"] == "all_targets_met"]
    goals = data.goals[data.goals["target_value"].map(lambda v: not _blank(v)) & (data.goals["status"] == "niet")]
    by_report = {(report.year, report.region): report for report in reports}
    for year, region, claim in zip(claims["year"], claims["region"], claims["claim"]):
        report = by_report.get((int(year), region))
        missed = goals[(goals["year"] == year) & (goals["region"] == region)]
        if report is None or missed.empty:
            continue
        for chapter in report.chapters:
            for table in chapter.tables_titled("Beweringen"):
                row = table.row(clean(claim))
                if row and "klopt" in row.get("Oordeel", ""):
                    yield (f"{report.where(chapter)} [l]: the claim '{clean(claim)}' is judged '{row['Oordeel']}' "
                           f"but {len(missed)} goal(s) with a target were not realised, e.g. '{clean(missed['label'].iloc[0])}'")


# ---------------------------------------------------------------------------------------------


@dataclass
class Check:
    findings: list[str]
    skipped: dict[str, str]  # rule letter -> why it could not run


def check(reports: Site, data: object, *, rules: Iterable[str] | None = None, one_run: bool = True) -> Check:
    """Run the rules (all by default) over the reports of a site. `one_run`: the site was built in one run."""
    findings, skipped = [], {}
    for letter in rules or RULES:
        function = mixed_versions(one_run) if letter == "e" else RULES[letter]
        try:
            findings += list(function(reports, data))
        except RuleSkipped as reason:
            skipped[letter] = str(reason)
    return Check(findings, skipped)


def contradictions(site: Path, data: object, *, one_run: bool = True) -> list[str]:
    """Every contradiction in the published reports of `site` (build/site/), as readable findings."""
    return check(read(site), data, one_run=one_run).findings


if __name__ == "__main__":  # python tests/consistency.py build/site
    import sys
    from collections import Counter

    from jaarverslag.inputs import load

    result = check(read(Path(sys.argv[1])), load(Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parents[1] / "data"))
    print("\n".join(result.findings))
    print(Counter(re.search(r"\[(\w)\]", finding).group(1) for finding in result.findings), result.skipped)
