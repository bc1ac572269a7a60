"""Target evaluation: each indicator's realisation against its target, as the report states it.

Realisation is the relative difference from the target's reference value for counts
and amounts (in %), and the difference in percentage points for percentages. For a
target "not above previous year" the reference is the previous year's value. The
change against the previous year is measured the same way and computed here once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..inputs import Dataset
from ..inputs.dataset import remembered

COLUMNS = [
    "indicator", "label", "subject", "theme", "kpi_group", "kpi_order", "unit", "better",
    "previous", "current", "change", "qualifier", "kind", "reference", "realisation", "met", "published_realisation",
]


def realisation(value: ArrayLike, reference: ArrayLike, unit: ArrayLike) -> pd.Series:
    """Relative difference in % (counts, amounts) or difference in points (percentages)."""
    value, reference, unit = (pd.Series(x, dtype=t) for x, t in ((value, float), (reference, float), (unit, object)))
    relative = ((value - reference) / reference * 100).where(reference != 0)
    return relative.where(unit != "percentage", value - reference)


def is_met(value: ArrayLike, reference: ArrayLike, kind: ArrayLike) -> pd.Series:
    """Whether value meets a target of this kind (at_least, at_most, not_above_previous_year)."""
    value, reference, kind = (pd.Series(x) for x in (value, reference, kind))
    met = (value >= reference).where(kind == "at_least", value <= reference).astype("boolean")
    return met.mask(value.isna() | reference.isna() | kind.isna())


@remembered
def evaluate(data: Dataset, year: int, region: str) -> pd.DataFrame:
    """One row per indicator observed in (year or year - 1, region) or with a target there."""
    obs = data.observations[data.observations["region"] == region]
    wide = obs.pivot_table(index="indicator", columns="year", values="value", aggfunc="first")
    qualifier = obs[obs["year"] == year].set_index("indicator")["qualifier"]
    targets = data.targets[(data.targets["region"] == region) & (data.targets["year"] == year)].set_index("indicator")

    frame = data.indicators.rename(columns={"id": "indicator"}).set_index("indicator")
    frame["previous"] = wide[year - 1] if year - 1 in wide else np.nan
    frame["current"] = wide[year] if year in wide else np.nan
    frame["change"] = realisation(frame["current"], frame["previous"], frame["unit"]).to_numpy()
    frame["qualifier"] = qualifier
    frame["kind"] = targets["kind"]
    frame["published_realisation"] = targets["published_realisation"]
    frame = frame[frame[["previous", "current"]].notna().any(axis=1) | frame["kind"].notna()]

    relative = frame["kind"] == "not_above_previous_year"
    frame["reference"] = targets["value"].reindex(frame.index).where(~relative, frame["previous"])
    frame["realisation"] = realisation(frame["current"], frame["reference"], frame["unit"]).to_numpy()
    frame["met"] = is_met(frame["current"], frame["reference"], frame["kind"])
    return frame.reset_index()[COLUMNS]


def kpi_rows(evaluation: pd.DataFrame) -> pd.DataFrame:
    """The rows of the Veiligheidsbeeld table, in the report's order."""
    return evaluation[evaluation["kpi_group"].notna()].sort_values("kpi_order")
