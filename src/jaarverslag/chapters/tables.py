"""HTML tables for the report, built with pandas' Styler.

Ids are fixed (no random uuid) so outputs are identical between runs and nbval can
compare them. Status is shown in words and a symbol, colour only adds to it. Each kind
of table has its own column widths (a colgroup, so print can fix the layout to the A4
width), and long Dutch compound words get soft hyphens, so no word runs into the next
column.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd
from IPython.display import HTML

from .. import formatting
from ..analysis.audit import published_text
from ..analysis.claims import AGAINST_CLAIM, AGAINST_DATA, AGREES, UNCHECKABLE
from ..analysis.goals import INCOMPARABLE, STATUS_LABELS
from ..inputs.catalog import STATUSES

MET = {True: "✔ gehaald", False: "✘ niet gehaald"}
DERIVED = "(afgeleid)"  # a goal's number read from the source's words, not stated in it
_GOOD = "color: #14532d; background-color: #dcfce7; font-weight: 600"
_PARTLY = "color: #713f12; background-color: #fef3c7; font-weight: 600"
_BAD = "color: #7f1d1d; background-color: #fee2e2; font-weight: 600"
_UNKNOWN = "color: #262626; background-color: #e5e5e5; font-weight: 600"
BADGES = {status: f"{symbol} {STATUS_LABELS[status]}" for status, symbol in zip(STATUSES, "✔◐✘?≠", strict=True)}
VERDICT_BADGES = {AGREES: f"✔ {AGREES}", AGAINST_DATA: f"✘ {AGAINST_DATA}", AGAINST_CLAIM: f"≠ {AGAINST_CLAIM}",
                  UNCHECKABLE: f"? {UNCHECKABLE}"}
_STATUS_STYLE = {
    MET[True]: _GOOD, MET[False]: _BAD, "✔ klopt": _GOOD, "✘ wijkt af": _BAD,
    BADGES["gerealiseerd"]: _GOOD, BADGES["deels"]: _PARTLY, BADGES["niet"]: _BAD, BADGES["onbekend"]: _UNKNOWN,
    BADGES["niet-vergelijkbaar"]: _UNKNOWN,
    VERDICT_BADGES[AGAINST_DATA]: _BAD, VERDICT_BADGES[AGAINST_CLAIM]: _PARTLY, VERDICT_BADGES[UNCHECKABLE]: _UNKNOWN,
}
_TABLE_STYLE = [
    {"selector": "", "props": "border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 1em 0"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: 600; padding: 0.3em 0"},
    {"selector": "th, td", "props": "padding: 0.3em 0.6em; border-bottom: 1px solid #d4d4d4; vertical-align: top"},
    {"selector": "thead th", "props": "text-align: left; border-bottom: 2px solid #404040"},
    {"selector": "td", "props": "text-align: right"},
    {"selector": "tbody th", "props": "text-align: left; font-weight: normal"},
    {"selector": "tbody th.level0", "props": "font-weight: 600"},
    {"selector": "th .repeat", "props": "position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); "
                                        "white-space: nowrap"},
]


LONG_WORD = re.compile(r"\w{7,}")  # shorter words fit the narrowest text column at print size
HEADER_WORD = re.compile(r"\w{7,}")  # headers sit over narrow figure columns
WIDE = 6  # columns from which a table needs more than a phone's width


def breakable(text: object, words: re.Pattern = LONG_WORD) -> object:
    """Text with soft hyphens in its long words (Dutch rules), so they can wrap; other values as they are."""
    if not isinstance(text, str):
        return text
    return words.sub(lambda word: formatting.hyphenation().inserted(word.group(), hyphen="\u00ad"), text)


def styled(frame: pd.DataFrame, table_id: str, caption: str, widths: tuple[int, ...],
           text_columns: tuple[str, ...] = (), stacked: bool = False) -> HTML:
    """Render a frame of display strings (index = row headers) as a deterministic HTML table.

    widths are the columns' shares of the table in percent, row headers first. Cells are
    right-aligned (figures) except text_columns. stacked: a table of sentences, which a
    phone shows as a card per row, each cell under its column's name (its data-label).
    """
    columns = frame.index.nlevels + len(frame.columns)
    if len(widths) != columns or sum(widths) != 100:
        raise ValueError(f"table {table_id}: {len(widths)} widths summing to {sum(widths)} for {columns} columns")
    labels = [html.escape(str(c)) for c in frame.columns]
    frame = frame.map(breakable).rename(index=breakable, columns=lambda c: breakable(c, HEADER_WORD))
    styler = (
        frame.style.set_uuid(table_id)
        .set_caption(formatting.literal(caption))
        .set_table_styles(_TABLE_STYLE)
        .map(_style)
        .format(escape="html")
        .format_index(escape="html", axis="index")
        .format_index(escape="html", axis="columns")
        .hide(axis="index", names=True)
    )
    if text_columns:
        # per-column rules (#T_id td.colN) outrank the table's right-aligned `td`; cell rules would not
        styler = styler.set_table_styles({breakable(c, HEADER_WORD): [{"selector": "td", "props": "text-align: left"}]
                                          for c in text_columns}, overwrite=False)
    colgroup = "<colgroup>" + "".join(f'<col style="width: {w}%">' for w in widths) + "</colgroup>"
    table = _group_once(styler.to_html(sparse_index=False)).replace("</caption>", "</caption>\n  " + colgroup, 1)
    table = BLANK_HEADER.sub('<td class="blank"></td>', table)  # a header cell says what its column is; these say nothing
    if stacked:
        table = DATA_CELL.sub(lambda cell: f'{cell[0][:-1]} data-label="{labels[int(cell[1])]}">', table)
    # On a narrow screen the table scrolls sideways inside a region keyboard users can reach; on a phone a wide
    # one keeps a readable width and scrolls, a stacked one becomes cards.
    kind = " stacked" if stacked else " wide" if columns >= WIDE else ""
    return HTML(f'<div class="table-scroll{kind}" role="region" tabindex="0" aria-label="{html.escape(caption)}">'
                f"{table}</div>")


BLANK_HEADER = re.compile(r'<th class="blank[^"]*" >&nbsp;</th>')
DATA_CELL = re.compile(r'<td id="[^"]+" class="data row\d+ col(\d+)" >')
GROUP_HEADER = re.compile(r'(<th id="[^"]+" class="row_heading level0 row\d+" >)(.*?)(</th>)', re.S)


def _group_once(table: str) -> str:
    """A group's name shown on its first row only; on the next rows it is there for screen readers alone.

    Not a rowspan: a printed page cannot break inside a rowspanned group, so a long group
    left the page before it half empty.
    """
    previous = None

    def once(match: re.Match) -> str:
        nonlocal previous
        repeated, previous = match[2] == previous, match[2]
        return f'{match[1]}<span class="repeat">{match[2]}</span>{match[3]}' if repeated else match[0]

    return GROUP_HEADER.sub(once, table)


def _style(text: object) -> str:
    """A badge's colours, whatever soft hyphens its long words were given."""
    return _STATUS_STYLE.get(text.replace("\u00ad", ""), "") if isinstance(text, str) else ""


def kpi_table(kpi: pd.DataFrame, year: int, region_name: str) -> HTML:
    """The Regionaal Veiligheidsbeeld: two years, realisation, target, met, and the published figure where there is one.

    A column that would be empty throughout (no figures of the year before, no streefwaarden,
    nothing published) is left out; the chapter says once why.
    """
    frame = pd.DataFrame(
        {
            "Onderwerp": kpi["kpi_group"],
            "Indicator": kpi["label"],
            str(year - 1): [formatting.value(v, u) for v, u in zip(kpi["previous"], kpi["unit"])],
            str(year): [formatting.value(v, u, q) for v, u, q in zip(kpi["current"], kpi["unit"], kpi["qualifier"].fillna(""))],
            "Realisatie t.o.v. streefwaarde": [formatting.change(v, u) for v, u in zip(kpi["realisation"], kpi["unit"])],
            f"Streefwaarde {year}": [_target(row, year) for row in kpi.itertuples()],
            "Gehaald": [_met(m) for m in kpi["met"]],
            "Gepubliceerd": [_published(row) for row in kpi.itertuples()],
        }
    ).set_index(["Onderwerp", "Indicator"])
    widths = {"Onderwerp": 16, "Indicator": 22, str(year - 1): 9, str(year): 9, "Realisatie t.o.v. streefwaarde": 11,
              f"Streefwaarde {year}": 11, "Gehaald": 11, "Gepubliceerd": 11}
    empty = {str(year - 1): kpi["previous"].isna().all(), "Gepubliceerd": kpi["published_realisation"].isna().all()}
    if kpi["kind"].isna().all():
        empty |= dict.fromkeys(("Realisatie t.o.v. streefwaarde", f"Streefwaarde {year}", "Gehaald"), True)
    frame, kept = _without(frame, widths, empty)
    years = f"{year - 1} en {year}" if not empty[str(year - 1)] else str(year)
    return styled(frame, "kpi", f"Veiligheidsbeeld {region_name}, {years}", kept)


def _without(frame: pd.DataFrame, widths: dict[str, int], empty: dict[str, bool]) -> tuple[pd.DataFrame, tuple[int, ...]]:
    """The frame without its empty columns, and column widths (row headers first) scaled back to 100%."""
    dropped = [c for c, is_empty in empty.items() if is_empty]
    kept = [w for c, w in widths.items() if c not in dropped]
    scaled = [round(w * 100 / sum(kept)) for w in kept]
    scaled[scaled.index(max(scaled))] += 100 - sum(scaled)  # rounding goes to the widest (a label) column
    return frame.drop(columns=dropped), tuple(scaled)


def _target(row: Any, year: int) -> str:
    """A streefwaarde, or the target of the goal a figure serves, marked as such."""
    if not isinstance(getattr(row, "goal", None), str):
        return formatting.target(row.kind, row.reference, row.unit, year)
    if not isinstance(row.kind, str):
        return "doel meet iets anders"
    return f"{formatting.target(row.kind, row.reference, row.unit, year)} (doel)"


def _published(row: Any) -> str:
    if pd.isna(row.published_realisation):
        return formatting.MISSING
    return published_text(row.published_realisation, row.unit)


def audit_table(audited: pd.DataFrame, region_name: str) -> HTML:
    """Every published realisation next to the computed one, with a verdict."""
    frame = pd.DataFrame(
        {
            "Indicator": audited["label"],
            "Berekend": [formatting.change(v, u) for v, u in zip(audited["computed"], audited["unit"])],
            "Gepubliceerd": [published_text(p, u) for p, u in zip(audited["published"], audited["unit"])],
            "Oordeel": ["✔ klopt" if ok else "✘ wijkt af" for ok in audited["agrees"]],
            "Toelichting": audited["note"],
        }
    ).set_index("Indicator")
    return styled(frame, "audit", f"Controle gepubliceerde realisatiecijfers, {region_name}", (28, 14, 14, 12, 32),
                  text_columns=("Oordeel", "Toelichting"))


def claims_table(checked: pd.DataFrame, region_name: str, year: int) -> HTML:
    """Each written claim where the source makes it, with what the data says and the verdict in words."""
    frame = pd.DataFrame(
        {
            "Waar": checked["location"],
            "Bewering": checked["claim"],
            "Wat de data zegt": checked["data"],
            "Oordeel": [VERDICT_BADGES[v] for v in checked["verdict"]],
            "Toelichting": checked["reason"],
        }
    ).set_index(["Waar", "Bewering"])
    return styled(frame, "claims", f"Beweringen in de tekst van het jaarverslag {year}, {region_name}", (17, 24, 20, 14, 25),
                  text_columns=("Wat de data zegt", "Oordeel", "Toelichting"), stacked=True)


def _met(met: object) -> str:
    return formatting.MISSING if pd.isna(met) else MET[bool(met)]


def figures_table(rows: pd.DataFrame, year: int, caption: str, table_id: str) -> HTML:
    """Figures of the year with the previous year, the change between them and any target (a goal's is marked).

    Columns that would be empty throughout are left out; the chapter says once why.
    """
    frame = pd.DataFrame(
        {
            "Kerncijfer": rows["label"].to_numpy(),
            str(year - 1): [formatting.value(v, u) for v, u in zip(rows["previous"], rows["unit"])],
            str(year): [formatting.value(v, u, q) for v, u, q in zip(rows["current"], rows["unit"], rows["qualifier"].fillna(""))],
            "Verandering": [formatting.change(v, u) for v, u in zip(rows["change"], rows["unit"])],
            f"Streefwaarde {year}": [_target(row, year) for row in rows.itertuples()],
            "Gehaald": [_met(m) for m in rows["met"]],
        }
    ).set_index("Kerncijfer")
    widths = {"Kerncijfer": 27, str(year - 1): 15, str(year): 15, "Verandering": 13, f"Streefwaarde {year}": 17, "Gehaald": 13}
    before, targets = rows["previous"].isna().all(), rows["kind"].isna().all() and rows["goal"].isna().all()
    empty = {str(year - 1): before, "Verandering": before, f"Streefwaarde {year}": targets, "Gehaald": targets}
    frame, kept = _without(frame, widths, empty)
    return styled(frame, table_id, caption, kept)


def goals_table(goals: pd.DataFrame, caption: str, table_id: str) -> HTML:
    """Goals per ambition: target, result, status and what the status rests on.

    A number we derived from the source's words rather than read in it is marked '(afgeleid)'
    in its cell and explained in a list under the table; a status the source does not state
    is marked as our judgement, with the reason.
    """
    frame = pd.DataFrame(
        {
            "Ambitie": [f"{c}. {a}" for c, a in zip(goals["ambition_code"], goals["ambition"])],
            "Doel": goals["label"].to_numpy(),
            "Onderwerp": goals["topic"].to_numpy(),
            "Streefwaarde": [_derived(_goal_target(row), row.target_basis) for row in goals.itertuples()],
            "Resultaat": [_derived(_goal_result(row), row.result_basis) for row in goals.itertuples()],
            "Status": [BADGES[s] for s in goals["status"]],
            "Grond van de status": [_status_basis(row) for row in goals.itertuples()],
        }
    ).set_index(["Ambitie", "Doel"])
    table = styled(frame, table_id, caption, (12, 21, 11, 11, 11, 14, 20),
                   text_columns=("Onderwerp", "Status", "Grond van de status"), stacked=True)
    return HTML(table.data + _derivations(goals))


def _goal_result(row: Any) -> str:
    """The result, or the figures that measure the goal when there are several."""
    if isinstance(row.results, list) and len(row.results) > 1:
        return " en ".join(_goal_value(r, row.unit) for r in row.results)
    return _goal_value(row.result_value, row.unit)


def _status_basis(row: Any) -> str:
    """Whose verdict the status is: the source's, ours (and why), or generated demo data."""
    if row.status_basis == "stated":
        text = "Volgens de bron"
        if not row.status_agrees:
            text += f"; de cijfers geven {STATUS_LABELS[row.derived_status].lower()}"
        return text
    if row.status == INCOMPARABLE:  # the reason, for published and demo goals alike
        return row.status_note
    if row.status_basis == "derived":
        return f"Ons oordeel: {row.status_note}"
    return "Gegenereerd (demodata)"


def _derived(text: str, basis: object) -> str:
    return f"{text} {DERIVED}" if basis == "derived" else text


def _derivations(goals: pd.DataFrame) -> str:
    """The derived numbers of these goals in words: which goal, which number, how we got it."""
    rows = goals[(goals["target_basis"] == "derived") | (goals["result_basis"] == "derived")]
    if rows.empty:
        return ""
    items = "".join(
        f"<li>{formatting.literal(row.label)} ({_which(row)}): {formatting.literal(row.basis_note)}</li>"
        for row in rows.itertuples()
    )
    return (f'<p class="note"><em>{DERIVED}</em>: dit getal staat niet letterlijk in de bron; we hebben het afgeleid '
            f'uit wat de bron schrijft.</p><ul class="note">{items}</ul>')


def _which(row: Any) -> str:
    parts = [name for name, basis in (("streefwaarde", row.target_basis), ("resultaat", row.result_basis)) if basis == "derived"]
    return " en ".join(parts)


def status_table(counts: pd.DataFrame, caption: str, table_id: str) -> HTML:
    """Counts of goals per status, one row per theme or ambition, with a total."""
    frame = counts.rename(columns=lambda s: BADGES[s]).assign(Totaal=counts.sum(axis=1))
    frame.loc["Totaal"] = frame.sum()
    width = min(14, 62 // len(counts.columns))  # the row label keeps at least a quarter of the table
    label = 100 - 12 - width * len(counts.columns)
    return styled(frame.map(lambda n: formatting.number(n)), table_id, caption, (label, *[width] * len(counts.columns), 12))


def _goal_value(value: float, unit: str | None) -> str:
    return formatting.MISSING if pd.isna(value) or pd.isna(unit) else formatting.value(value, unit)


def _goal_target(row: Any) -> str:
    if pd.isna(row.target_kind):
        return formatting.MISSING
    return ("≥ " if row.target_kind == "at_least" else "≤ ") + formatting.value(row.target_value, row.unit)
