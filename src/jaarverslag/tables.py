"""HTML tables for the report, built with pandas' Styler.

Ids are fixed (no random uuid) so outputs are identical between runs and nbval can
compare them. Status is shown in words and a symbol, colour only adds to it.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from . import formatting
from .audit import published_text

MET = {True: "✔ gehaald", False: "✘ niet gehaald"}
_GOOD = "color: #14532d; background-color: #dcfce7; font-weight: 600"
_BAD = "color: #7f1d1d; background-color: #fee2e2; font-weight: 600"
_STATUS_STYLE = {MET[True]: _GOOD, MET[False]: _BAD, "✔ klopt": _GOOD, "✘ wijkt af": _BAD}
_TABLE_STYLE = [
    {"selector": "", "props": "border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 1em 0"},
    {"selector": "caption", "props": "caption-side: top; text-align: left; font-weight: 600; padding: 0.3em 0"},
    {"selector": "th, td", "props": "padding: 0.3em 0.6em; border-bottom: 1px solid #d4d4d4; vertical-align: top"},
    {"selector": "thead th", "props": "text-align: left; border-bottom: 2px solid #404040"},
    {"selector": "td", "props": "text-align: right"},
    {"selector": "tbody th", "props": "text-align: left; font-weight: normal"},
    {"selector": "tbody th.level0", "props": "font-weight: 600"},
]


def styled(frame: pd.DataFrame, table_id: str, caption: str) -> HTML:
    """Render a frame of display strings (index = row headers) as a deterministic HTML table."""
    styler = (
        frame.style.set_uuid(table_id)
        .set_caption(caption)
        .set_table_styles(_TABLE_STYLE)
        .map(lambda text: _STATUS_STYLE.get(text, ""))
        .format(escape="html")
        .format_index(escape="html", axis="index")
        .format_index(escape="html", axis="columns")
        .hide(axis="index", names=True)
    )
    return HTML(styler.to_html())


def target_text(row, year: int) -> str:
    if pd.isna(row.kind):
        return "geen doel"
    if row.kind == "not_above_previous_year":
        return f"≤ {year - 1}"
    sign = "≥" if row.kind == "at_least" else "≤"
    return f"{sign} {formatting.value(row.reference, row.unit)}"


def kpi_table(kpi: pd.DataFrame, year: int, region_name: str) -> HTML:
    """The Regionaal Veiligheidsbeeld: two years, realisation, target, met, published figure."""
    frame = pd.DataFrame(
        {
            "Onderwerp": kpi["kpi_group"],
            "Indicator": kpi["label"],
            str(year - 1): [formatting.value(v, u) for v, u in zip(kpi["previous"], kpi["unit"])],
            str(year): [formatting.value(v, u, q) for v, u, q in zip(kpi["current"], kpi["unit"], kpi["qualifier"].fillna(""))],
            "Realisatie t.o.v. doel": [formatting.change(v, u) for v, u in zip(kpi["realisation"], kpi["unit"])],
            f"Doel {year}": [target_text(row, year) for row in kpi.itertuples()],
            "Doel gehaald": [MET.get(m, formatting.MISSING) if not pd.isna(m) else formatting.MISSING for m in kpi["met"]],
            "Gepubliceerd": [_published(row) for row in kpi.itertuples()],
        }
    ).set_index(["Onderwerp", "Indicator"])
    return styled(frame, "kpi", f"Veiligheidsbeeld {region_name}, {year - 1} en {year}")


def _published(row) -> str:
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
    return styled(frame, "audit", f"Controle gepubliceerde realisatiecijfers, {region_name}")


def key_figures_table(rows: pd.DataFrame, year: int, region_name: str) -> HTML:
    """Other figures of the year, with the previous year where it exists."""
    frame = pd.DataFrame(
        {
            "Kerncijfer": rows["label"],
            str(year - 1): [formatting.value(v, u) for v, u in zip(rows["previous"], rows["unit"])],
            str(year): [formatting.value(v, u, q) for v, u, q in zip(rows["current"], rows["unit"], rows["qualifier"].fillna(""))],
        }
    ).set_index("Kerncijfer")
    return styled(frame, "kerncijfers", f"Kerncijfers {region_name}, {year}")
