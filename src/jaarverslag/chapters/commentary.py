"""Short Dutch commentary generated from the evaluation, one sentence per indicator."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .. import formatting


def _verb(change: float) -> str:
    return "steeg" if change > 0 else "daalde"


def sentence(row: Any, year: int) -> str:
    """E.g. 'Het aantal woninginbraken daalde met 8,5% naar 4.028 (2018: 4.400); streefwaarde gehaald.'"""
    subject = formatting.initial_capital(row.subject)
    current = formatting.value(row.current, row.unit, row.qualifier if isinstance(row.qualifier, str) else None)
    if math.isnan(row.previous):
        text = f"{subject} was {current} in {year}"
    elif row.current == row.previous:
        text = f"{subject} bleef gelijk op {current}"
    else:
        previous = formatting.value(row.previous, row.unit)
        if math.isnan(row.change):  # from zero: no relative change to state
            text = f"{subject} {_verb(row.current - row.previous)} naar {current} ({year - 1}: {previous})"
        else:
            delta = formatting.change(abs(row.change), row.unit).lstrip("+")
            text = f"{subject} {_verb(row.current - row.previous)} met {delta} naar {current} ({year - 1}: {previous})"
    if not pd.isna(row.met):
        text += "; streefwaarde gehaald" if row.met else "; streefwaarde niet gehaald"
    return text + "."


def bullets(rows: pd.DataFrame, year: int) -> str:
    """A Markdown list of sentences for rows that have a value this year."""
    return "\n".join(f"- {formatting.literal(sentence(row, year))}" for row in rows.itertuples() if not math.isnan(row.current))
