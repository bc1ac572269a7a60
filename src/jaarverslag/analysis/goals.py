"""The appendix: goals per theme and ambition, their status, and status derived from numbers.

A quantified goal (target and result known) gets a status from the same rule as the
KPI table: met -> gerealiseerd, not met -> niet. The recorded status is what the
source states; `status_agrees` says whether the numbers support it.
"""

from __future__ import annotations

import pandas as pd

from ..inputs import Dataset
from ..inputs.catalog import STATUSES
from .targets import is_met

STATUS_LABELS = dict(
    zip(STATUSES, ("Gerealiseerd", "Deels gerealiseerd", "Niet gerealiseerd", "Onbekend"), strict=True)
)


def derived_status(goals: pd.DataFrame) -> pd.Series:
    """gerealiseerd/niet where target and result are numbers, missing otherwise."""
    met = is_met(goals["result_value"], goals["target_value"], goals["target_kind"])
    return met.map({True: "gerealiseerd", False: "niet"}).astype(object).where(met.notna())


def goals_for(data: Dataset, year: int, region: str, themes: list[str]) -> pd.DataFrame:
    """The goals of these themes for (year, region), in theme and ambition order."""
    goals = data.goals[(data.goals["year"] == year) & (data.goals["region"] == region) & data.goals["theme"].isin(themes)]
    order = data.themes.set_index("id")["order"]
    goals = goals.assign(theme_order=goals["theme"].map(order)).sort_values(["theme_order", "ambition_code"], kind="stable")
    goals = goals.drop(columns="theme_order").assign(derived_status=derived_status(goals))
    goals["status_agrees"] = goals["derived_status"].isna() | (goals["derived_status"] == goals["status"])
    return goals.reset_index(drop=True)


def status_counts(goals: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Number of goals per status (columns in fixed order), overall or per `by`."""
    keys = goals[by] if by else pd.Series("totaal", index=goals.index)
    counts = pd.crosstab(keys, goals["status"]).reindex(columns=list(STATUSES), fill_value=0)
    counts.columns.name = None
    return counts


def summary_sentence(goals: pd.DataFrame) -> str:
    """'12 van 20 doelen gerealiseerd (5 deels, 2 niet, 1 onbekend).'"""
    counts = goals["status"].value_counts()
    rest = [f"{counts[s]} {STATUS_LABELS[s].split()[0].lower()}" for s in STATUSES[1:] if counts.get(s, 0)]
    tail = f" ({', '.join(rest)})" if rest else ""
    return f"{counts.get('gerealiseerd', 0)} van {len(goals)} doelen gerealiseerd{tail}."
