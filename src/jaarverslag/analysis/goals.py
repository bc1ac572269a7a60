"""The appendix: goals per theme and ambition, their status, and status derived from numbers.

A goal may name the indicators that measure it (goals.csv `indicators`): its result is
then their observation, and those figures are measured against the goal's target. So
a figure and the goal it serves never tell different stories. A quantified goal (target
and result known) gets a status from the same rule as the KPI table: met ->
gerealiseerd, not met -> niet; measured by several figures, some met -> deels. Where
the recorded status is not stated by the source (`status_basis` derived), it is our
judgement and the report says so; `status_agrees` says whether the numbers support it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..inputs import Dataset
from ..inputs.catalog import STATUSES
from .targets import is_met, realisation

STATUS_LABELS = dict(zip(
    STATUSES, ("Gerealiseerd", "Deels gerealiseerd", "Niet gerealiseerd", "Onbekend", "Niet vergelijkbaar"), strict=True,
))
INCOMPARABLE = "niet-vergelijkbaar"


def derived_status(goals: pd.DataFrame) -> pd.Series:
    """gerealiseerd/deels/niet where the target and every result are numbers, missing otherwise."""
    def status(row: Any) -> object:
        results = row.results if isinstance(row.results, list) else [row.result_value]
        met = [is_met([r], [row.target_value], [row.target_kind]).iloc[0] for r in results]
        if row.status == INCOMPARABLE or not met or any(pd.isna(m) for m in met):
            return pd.NA
        return "gerealiseerd" if all(met) else "deels" if any(met) else "niet"

    frame = goals if "results" in goals else goals.assign(results=None)
    return pd.Series([status(row) for row in frame.itertuples()], index=goals.index, dtype=object)


def linked(goals: pd.DataFrame) -> pd.Series:
    """Each goal's indicator ids (a list, empty when none)."""
    return goals["indicators"].fillna("").str.split()


def measured(goals: pd.DataFrame, observed: pd.Series) -> list[list[float] | None]:
    """Each goal's results from its indicators' figures (observed: indicator -> value of the year and region)."""
    return [[observed[i] for i in ids if i in observed.index] or None for ids in linked(goals)]


def goals_for(data: Dataset, year: int, region: str, themes: list[str]) -> pd.DataFrame:
    """The goals of these themes for (year, region), in theme and ambition order, with results from their indicators."""
    goals = data.goals[(data.goals["year"] == year) & (data.goals["region"] == region) & data.goals["theme"].isin(themes)]
    order = data.themes.set_index("id")["order"]
    goals = goals.assign(theme_order=goals["theme"].map(order)).sort_values(["theme_order", "ambition_code"], kind="stable")
    goals = goals.drop(columns="theme_order").reset_index(drop=True)
    obs = data.observations
    observed = obs[(obs["year"] == year) & (obs["region"] == region)].set_index("indicator")["value"]
    results = measured(goals, observed)
    goals["results"] = results
    single = [r[0] if r and len(r) == 1 else None for r in results]
    goals["result_value"] = goals["result_value"].where(pd.Series(single, dtype=object).isna(), pd.Series(single, dtype=float))
    goals["derived_status"] = derived_status(goals)
    goals["status_agrees"] = goals["derived_status"].isna() | (goals["derived_status"] == goals["status"])
    return goals


def goal_targets(evaluation: pd.DataFrame, goals: pd.DataFrame) -> pd.DataFrame:
    """The evaluation with each figure that has no streefwaarde of its own measured against the goal it serves.

    `goal` names that goal; the realisation and 'met' follow from the goal's target as for a streefwaarde.
    A goal whose target measures something else (niet-vergelijkbaar) is named without its target.
    """
    serving = goals[goals["target_kind"].notna()]
    pairs = [(i, g) for ids, g in zip(linked(serving), serving.itertuples()) for i in ids]
    frame = evaluation.assign(goal=pd.NA)
    for indicator, goal in pairs:
        row = (frame["indicator"] == indicator) & frame["kind"].isna()
        frame.loc[row, "goal"] = goal.goal_id
        if goal.status != INCOMPARABLE:
            frame.loc[row, ["kind", "reference"]] = [goal.target_kind, goal.target_value]
    frame["realisation"] = realisation(frame["current"], frame["reference"], frame["unit"]).to_numpy()
    frame["met"] = is_met(frame["current"], frame["reference"], frame["kind"]).to_numpy()
    return frame


def status_counts(goals: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Number of goals per status (columns in fixed order, statuses no goal has left out), overall or per `by`."""
    keys = goals[by] if by else pd.Series("totaal", index=goals.index)
    present = [s for s in STATUSES if (goals["status"] == s).any() or s != INCOMPARABLE]
    counts = pd.crosstab(keys, goals["status"]).reindex(columns=present, fill_value=0)
    counts.columns.name = None
    return counts


def summary_sentence(goals: pd.DataFrame) -> str:
    """'12 van 20 doelen gerealiseerd (5 deels, 2 niet, 1 onbekend).' and, for published goals, whose judgement that is."""
    counts = goals["status"].value_counts()
    rest = [f"{counts[s]} {STATUS_LABELS[s].lower() if s == INCOMPARABLE else STATUS_LABELS[s].split()[0].lower()}"
            for s in STATUSES[1:] if counts.get(s, 0)]
    tail = f" ({', '.join(rest)})" if rest else ""
    text = f"{counts.get('gerealiseerd', 0)} van {len(goals)} doelen gerealiseerd{tail}."
    stated = int((goals["status_basis"] == "stated").sum())
    judged = "ons oordeel op grond van de cijfers en de tekst van de bron"
    if stated == len(goals):
        text += " De bron noemt de status van al deze doelen zelf."
    elif stated:
        text += f" De bron noemt de status van {stated} van deze doelen zelf; de andere zijn {judged}."
    elif goals["status_basis"].notna().any():
        text += f" De status van deze doelen is {judged}."
    return text
