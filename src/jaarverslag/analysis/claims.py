"""The report's written claims, checked against the data and against each other.

claims.csv holds each statement of the source's text that the data can check, or that
another statement can contradict, with the rule that checks it. A stated figure is read
as the range it allows: an exact figure as every number that rounds to it at the
decimals written, 'circa' up to 5% either side, 'ruim' up to 5% above, 'meer dan'
anything above, 'tientallen' and 'honderden' tens and hundreds of the value. Two claims
about the same figure whose ranges do not meet contradict each other. The data settles
such a pair only when its figure was taken from another place in the source; when it has
no figure, or took it from one of the two claims, the verdict is the contradiction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import pandas as pd

from .. import formatting
from ..inputs import Dataset
from .audit import decimals
from .goals import INCOMPARABLE, STATUS_LABELS, goals_for
from .targets import evaluate, kpi_rows

AGREES, AGAINST_DATA, AGAINST_CLAIM, UNCHECKABLE = VERDICTS = (
    "klopt", "in strijd met de data", "in strijd met een andere bewering", "niet te controleren",
)
MARGIN = 0.05  # how far from the stated figure 'circa' and 'ruim' may go
MAGNITUDES = {"tientallen": (10, 100), "honderden": (100, 1000)}
CHANGES = ("rose", "fell", "stable")  # rules about the change against the previous year
COLUMNS = ["id", "location", "claim", "data", "verdict", "reason"]


@dataclass(frozen=True)
class Range:
    """The values a figure allows, both ends included."""

    low: float
    high: float

    def holds(self, x: float) -> bool:
        return self.low <= x <= self.high

    def meets(self, other: Range) -> bool:
        return self.low <= other.high and other.low <= self.high

    def negated(self) -> Range:
        return Range(-self.high, -self.low)


def _range(x: float, qualifier: object, places: int | None) -> Range:
    if qualifier == "circa":
        return Range(x * (1 - MARGIN), x * (1 + MARGIN))
    if qualifier == "ruim":
        return Range(x, x * (1 + MARGIN))
    if qualifier == "meer dan":
        return Range(math.nextafter(x, math.inf), math.inf)
    if qualifier in MAGNITUDES:
        low, high = MAGNITUDES[qualifier]
        return Range(low * x, math.nextafter(high * x, -math.inf))
    if places is None:
        return Range(x, x)
    half = 0.5 * 10 ** -places  # rounding half up: 79.5 is printed as 80, not 79
    return Range(x - half, math.nextafter(x + half, -math.inf))


def stated(value: str, qualifier: object = None) -> Range:
    """What a figure as the text writes it allows: '79' is 78,5 up to (not including) 79,5."""
    return _range(float(value), qualifier, decimals(value))


def recorded(value: float, qualifier: object = None) -> Range:
    """What a figure in the data allows: itself, or its range when the source gave it approximately."""
    return _range(value, qualifier, None)


def claimed_change(claim: Any) -> Range:
    """The change against the previous year that a rose, fell or stable claim allows."""
    if claim.rule == "stable":
        return Range(-float(claim.value), float(claim.value))
    size = stated(claim.value, claim.qualifier) if pd.notna(claim.value) else Range(math.nextafter(0, 1), math.inf)
    return size if claim.rule == "rose" else size.negated()


def _claimed(claim: Any) -> tuple[tuple, Range] | None:
    """The figure a claim states and the range it gives it, for claims that can contradict each other."""
    if claim.rule == "equals":
        figure = ("indicator", claim.indicator) if pd.notna(claim.indicator) else ("goal", claim.goal)
        return ("value", *figure), stated(claim.value, claim.qualifier)
    if claim.rule in CHANGES:
        return ("change", "indicator", claim.indicator), claimed_change(claim)
    return None


class _Judge:
    """What the data of one (year, region) says about each claim."""

    def __init__(self, data: Dataset, year: int, region: str) -> None:
        self.year = year
        self.evaluation = evaluate(data, year, region).set_index("indicator")
        self.labels = data.indicators.set_index("id")["label"]
        self.goals = goals_for(data, year, region, list(data.themes["id"])).set_index("goal_id")
        obs = data.observations
        self.locations = obs[(obs["region"] == region) & (obs["year"] == year)].set_index("indicator")["location"]

    def settles(self, a: Any, b: Any) -> bool:
        """Whether the data's figure is a third statement, able to say which of two claims is right."""
        where = self.locations.get(a.indicator) if pd.notna(a.indicator) else None
        return isinstance(where, str) and where not in (a.location, b.location)

    def __call__(self, claim: Any) -> tuple[str, str, str]:
        """(what the data says, verdict, reason)."""
        if claim.rule == "all_targets_met":
            return self.all_targets()
        if pd.notna(claim.goal):
            return self.goal(claim, self.goals.loc[claim.goal])
        known = pd.notna(claim.indicator) and claim.indicator in self.evaluation.index
        row = self.evaluation.loc[claim.indicator] if known else None
        if claim.rule == "unverifiable":
            return (self.value_text(row) if known else formatting.MISSING), UNCHECKABLE, ""
        if row is None:
            return ("geen cijfer vastgelegd", UNCHECKABLE,
                    f"Voor {self.labels[claim.indicator]} zijn voor {self.year - 1} en {self.year} geen cijfers vastgelegd.")
        if claim.rule == "equals":
            return self.equals(claim, row)
        if claim.rule in CHANGES:
            return self.change(claim, row)
        return self.target(claim, row)

    def value_text(self, row: Any, previous: bool = False) -> str:
        value = row.previous if previous else row.current
        qualifier = None if previous or pd.isna(row.qualifier) else row.qualifier
        return formatting.value(value, row.unit, qualifier) if pd.notna(value) else "geen cijfer vastgelegd"

    def missing(self, row: Any) -> tuple[str, str, str]:
        years = [y for y, v in ((self.year - 1, row.previous), (self.year, row.current)) if pd.isna(v)]
        return (self.value_text(row), UNCHECKABLE,
                f"Voor {' en '.join(map(str, years))} is geen cijfer vastgelegd.")

    def equals(self, claim: Any, row: Any) -> tuple[str, str, str]:
        if pd.isna(row.current):
            return self.missing(row)
        agrees = stated(claim.value, claim.qualifier).meets(recorded(row.current, row.qualifier))
        return self.value_text(row), AGREES if agrees else AGAINST_DATA, ""

    def change(self, claim: Any, row: Any) -> tuple[str, str, str]:
        if pd.isna(row.change):
            return self.missing(row)
        text = (f"{self.value_text(row, previous=True)} in {self.year - 1}, {self.value_text(row)} in {self.year}: "
                f"{formatting.change(row.change, row.unit)}")
        return text, AGREES if claimed_change(claim).holds(row.change) else AGAINST_DATA, ""

    def target(self, claim: Any, row: Any) -> tuple[str, str, str]:
        if pd.isna(row.kind):
            return self.value_text(row), UNCHECKABLE, f"Voor {self.year} is geen streefwaarde vastgelegd."
        if pd.isna(row.met):
            return self.missing(row)
        target = formatting.target(row.kind, row.reference, row.unit, self.year)
        text = f"{self.value_text(row)}; streefwaarde {target}: {'gehaald' if row.met else 'niet gehaald'}"
        return (text, *self.met_verdict(claim, bool(row.met), row.reference, target))

    def met_verdict(self, claim: Any, met: bool, reference: float, target: str) -> tuple[str, str]:
        if pd.notna(claim.value) and not stated(claim.value).holds(reference):
            return AGAINST_DATA, f"De streefwaarde in de data is {target}."
        return (AGREES if met == (claim.rule == "target_met") else AGAINST_DATA), ""

    def goal(self, claim: Any, goal: Any) -> tuple[str, str, str]:
        result = f"resultaat {formatting.value(goal.result_value, goal.unit)}" if pd.notna(goal.result_value) else "geen resultaat"
        if claim.rule == "equals":
            if pd.isna(goal.result_value):
                return result, UNCHECKABLE, "De bijlage noemt geen resultaat."
            return result, AGREES if stated(claim.value, claim.qualifier).holds(goal.result_value) else AGAINST_DATA, ""
        status = goal.derived_status if pd.notna(goal.derived_status) else goal.status
        target = None
        if pd.notna(goal.target_kind):
            target = ("≥ " if goal.target_kind == "at_least" else "≤ ") + formatting.value(goal.target_value, goal.unit)
            result += f"; streefwaarde {target}"
        text = f"{result}; status: {STATUS_LABELS[status].lower()}"
        met = {"gerealiseerd": True, "niet": False}.get(status)
        if status == INCOMPARABLE:
            return text, UNCHECKABLE, f"Resultaat en streefwaarde meten niet hetzelfde: {goal.status_note}"
        if met is None:
            return text, UNCHECKABLE, f"De bijlage geeft het doel de status {STATUS_LABELS[status].lower()}."
        return (text, *self.met_verdict(claim, met, goal.target_value, target))

    def all_targets(self) -> tuple[str, str, str]:
        """Every streefwaarde of the Veiligheidsbeeld table and every quantified goal of the appendix: the
        source's 'kwantitatieve doelstellingen' (it calls both so)."""
        kpi = kpi_rows(self.evaluation.reset_index())
        kpi = kpi[kpi["met"].notna()]
        goals = self.goals[self.goals["target_kind"].notna() & self.goals["status"].isin(("gerealiseerd", "deels", "niet"))]
        if kpi.empty and goals.empty:
            return formatting.MISSING, UNCHECKABLE, f"Voor {self.year} zijn geen streefwaarden of doelen vastgelegd."
        missed = kpi.loc[~kpi["met"].astype(bool), "label"]
        parts = []
        if not kpi.empty:
            parts.append(f"{len(kpi) - len(missed)} van {len(kpi)} streefwaarden gehaald"
                         + (f" (niet gehaald: {', '.join(missed)})" if len(missed) else ""))
        short = goals[goals["status"] != "gerealiseerd"]
        if not goals.empty:
            parts.append(f"{len(goals) - len(short)} van {len(goals)} doelen met een streefwaarde gerealiseerd"
                         + (f" ({_counted(short['status'])})" if len(short) else ""))
        verdict = AGAINST_DATA if len(missed) or len(short) else AGREES
        return "; ".join(parts), verdict, ""


def _counted(statuses: pd.Series) -> str:
    """'12 niet, 8 deels gerealiseerd'."""
    counts = statuses.value_counts()
    return ", ".join(f"{counts[s]} {s}" for s in ("niet", "deels") if counts.get(s, 0)) + " gerealiseerd"


def check(data: Dataset, year: int, region: str) -> pd.DataFrame:
    """Every claim about (year, region), in the order of claims.csv: what the data says, the verdict, and why."""
    claims = data.claims[(data.claims["year"] == year) & (data.claims["region"] == region)].reset_index(drop=True)
    if claims.empty:
        return pd.DataFrame(columns=COLUMNS)
    judge = _Judge(data, year, region)
    checked = pd.DataFrame([judge(claim) for claim in claims.itertuples()], columns=["data", "verdict", "reason"])
    checked = pd.concat([claims[["id", "location", "claim"]], checked], axis=1)
    for i, other in _contradictions(claims):
        if not judge.settles(claims.loc[i], other):
            checked.loc[i, "verdict"] = AGAINST_CLAIM
            checked.loc[i, "reason"] = f"Anders in {other.location}: {other.claim}."
    notes = claims["note"].fillna("")
    checked["reason"] = [" ".join(part for part in (r, n) if part) for r, n in zip(checked["reason"], notes)]
    return checked[COLUMNS]


def _contradictions(claims: pd.DataFrame) -> list[tuple[int, Any]]:
    """(row, the other claim) for each claim whose figure does not meet another claim's about the same figure."""
    stated_figures = [(i, claim, _claimed(claim)) for i, claim in zip(claims.index, claims.itertuples())]
    found = []
    for (i, a, fa), (j, b, fb) in combinations([s for s in stated_figures if s[2]], 2):
        if fa[0] == fb[0] and not fa[1].meets(fb[1]):
            found += [(i, b), (j, a)]
    return found


def summary(checked: pd.DataFrame) -> str:
    """'56 beweringen: 40 kloppen, 3 in strijd met de data, …' in the order of VERDICTS."""
    counts = checked["verdict"].value_counts()
    parts = [f"{counts[v]} {('klopt' if counts[v] == 1 else 'kloppen') if v == AGREES else v}" for v in VERDICTS if counts.get(v, 0)]
    return f"{len(checked)} {'bewering' if len(checked) == 1 else 'beweringen'}: {', '.join(parts)}."
