"""The validated tables of one data directory, as every phase receives them.

Apart from the contract (which imports pandera, slow to load), so that a run whose data
is cached, and every module that only passes a Dataset on, never pays for validation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from weakref import WeakKeyDictionary

import pandas as pd

from ..errors import ParameterError
from .catalog import path

Derive = TypeVar("Derive", bound=Callable[..., pd.DataFrame])


@dataclass(frozen=True, eq=False)  # one Dataset is one load of the data: identity, not content, tells two apart
class Dataset:
    """All validated tables of one data directory, each a pandas DataFrame (columns: data/README.md).

    Tables are not changed in place (what is derived from them is remembered per Dataset):
    change the files and load again, or make a new Dataset with dataclasses.replace.

    regions       the unit and its districts: id, name, level, parent
    sources       where figures come from: id, title, period
    themes        the report's themes: id, label, kind, order
    indicators    what is measured: id, theme, label, unit, better (higher/lower), KPI group and order
    observations  one value per (indicator, region, year), with its source
    targets       streefwaarden per (indicator, region, year)
    goals         the appendix's ambitions, goals, results and statuses
    claims        the report's statements, checked against the data
    """

    data_dir: Path
    regions: pd.DataFrame
    sources: pd.DataFrame
    themes: pd.DataFrame
    indicators: pd.DataFrame
    observations: pd.DataFrame
    targets: pd.DataFrame
    goals: pd.DataFrame
    claims: pd.DataFrame

    def region_name(self, region: str) -> str:
        return self.regions.set_index("id").at[region, "name"]

    @property
    def unit(self) -> str:
        """The id of the unit: the one region at level 'eenheid'."""
        return self.regions.loc[self.regions["level"] == "eenheid", "id"].iloc[0]

    def theme_label(self, theme: str) -> str:
        return self.themes.set_index("id").at[theme, "label"]

    @property
    def years(self) -> list[int]:
        return sorted(set(self.observations["year"]) | set(self.goals["year"]))

    def check_run(self, year: object, region: object) -> None:
        """Raise ParameterError unless (year, region) names a region in the data and a year with data."""
        if isinstance(year, bool) or not isinstance(year, int):
            raise ParameterError(f"year must be a whole number such as 2019, not {year!r}")
        regions = list(self.regions["id"])
        if region not in regions:
            raise ParameterError(f"unknown region {region!r}; regions in {path(self.data_dir, 'regions')}: {', '.join(regions)}")
        if year not in self.years:
            known = ", ".join(map(str, self.years))
            raise ParameterError(f"no data for year {year} in {self.data_dir}; years with data: {known}")


def remembered(derive: Derive) -> Derive:
    """derive(data, *key), computed once per Dataset and key (positional, hashable); each caller gets a copy
    to change. A publish step shows the same evaluation in many reports: a unit's report and each of
    its districts' compare the same districts."""
    known: WeakKeyDictionary[Dataset, dict[tuple, pd.DataFrame]] = WeakKeyDictionary()

    @functools.wraps(derive)
    def remembering(data: Dataset, *key: object) -> pd.DataFrame:
        results = known.setdefault(data, {})
        if key not in results:
            results[key] = derive(data, *key)
        return results[key].copy()

    return remembering  # type: ignore[return-value]
