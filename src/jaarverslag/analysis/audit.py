"""Audit of published figures: does each published realisation follow from the data?

The annual report prints "% realisatie t.o.v. doel" without a sign, rounded to the
precision it shows. A published figure agrees when the computed realisation, taken
without sign and rounded to that precision, equals it; every other row is listed.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from .. import formatting


def _round_half_up(x: float, decimals: int) -> float:
    """|x| rounded as a person rounds a printed figure (2.45 -> 2.5), free of float artefacts."""
    return float(Decimal(str(abs(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def audit(evaluation: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per published realisation, with the computed value and a verdict."""
    rows = evaluation[evaluation["published_realisation"].notna()]
    records = []
    for row in rows.itertuples():
        places = decimals(row.published_realisation)
        published = float(row.published_realisation)
        agrees = not math.isnan(row.realisation) and _round_half_up(row.realisation, places) == published
        note = ""
        if not agrees and not math.isnan(row.change) and _round_half_up(row.change, places) == published:
            note = f"Komt overeen met de verandering ten opzichte van {year - 1}, niet met de streefwaarde."
        records.append(
            {
                "indicator": row.indicator,
                "label": row.label,
                "unit": row.unit,
                "computed": row.realisation,
                "published": row.published_realisation,
                "agrees": agrees,
                "note": note,
            }
        )
    return pd.DataFrame.from_records(
        records, columns=["indicator", "label", "unit", "computed", "published", "agrees", "note"]
    )


def decimals(published: str) -> int:
    """Precision of a published figure as written in the data ('0.3' -> 1)."""
    return len(published.partition(".")[2])


def published_text(published: str, unit: str) -> str:
    """The published figure as the report printed it: unsigned, in its own precision."""
    shown = formatting.number(float(published), decimals(published))
    return shown + (" procentpunt" if unit == "percentage" else "%")
