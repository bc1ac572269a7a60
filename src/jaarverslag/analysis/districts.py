"""The districts side by side: each district's KPI figures for a year, its share of the whole, and which
streefwaarden it met. A unit's report compares its districts; a district's report its parent's
districts, itself among them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..inputs import Dataset
from ..inputs.dataset import remembered
from .targets import evaluate, kpi_rows

SHARED_UNITS = ("count", "euro", "kilogram")  # figures that add up over districts, so a share means something
COLUMNS = ["indicator", "label", "unit", "kpi_group", "kpi_order", "region", "name", "current", "met", "share"]


def whole(data: Dataset, region: str) -> str | None:
    """The region whose districts a report of region compares: the unit itself, or a district's parent."""
    regions = data.regions.set_index("id")
    if region not in regions.index:
        return None
    level, parent = regions.at[region, "level"], regions.at[region, "parent"]
    if level == "district" and isinstance(parent, str):
        return parent
    return region if (regions["parent"] == region).any() and level != "gemeente" else None


def peers(data: Dataset, region: str) -> list[str]:
    """The districts a report of region shows side by side (in the order of regions.csv); none for others."""
    parent = whole(data, region)
    if parent is None:
        return []
    regions = data.regions
    return list(regions.loc[(regions["parent"] == parent) & (regions["level"] == "district"), "id"])


def compare(data: Dataset, year: int, region: str) -> pd.DataFrame:
    """One row per (KPI indicator, district) with a figure or a streefwaarde in year."""
    parent = whole(data, region)
    return pd.DataFrame(columns=COLUMNS) if parent is None else _districts(data, year, parent)


@remembered
def _districts(data: Dataset, year: int, parent: str) -> pd.DataFrame:
    """compare for every report of parent and its districts: the same table, computed once."""
    totals = kpi_rows(evaluate(data, year, parent)).set_index("indicator")["current"]
    frames = []
    for district in peers(data, parent):
        rows = kpi_rows(evaluate(data, year, district))
        rows = rows[rows["current"].notna() | rows["kind"].notna()]
        total = totals.reindex(rows["indicator"]).to_numpy()
        share = np.where(rows["unit"].isin(SHARED_UNITS) & (total > 0), rows["current"] / total * 100, np.nan)
        frames.append(rows.assign(region=district, name=data.region_name(district), share=share))
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)[COLUMNS]
