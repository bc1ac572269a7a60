"""What a row's source means for the reader: published figures, CBS open data or demo data.

Every row of observations, targets and goals names its source. The district figures
are demo data until real ones arrive; every page that can show one says so, and the
feeds never overwrite a published figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .catalog import shown_years

if TYPE_CHECKING:  # the contract uses is_published, so import its Dataset only for type checking
    from .dataset import Dataset

DEMO = "demo"
DEMO_TITLE = "Demodata: gegenereerd voor de districten, geen echte cijfers"
CBS_PREFIX = "cbs-"
DEMO_NOTICE = (
    "**Demodata — geen echte cijfers.** De cijfers van deze regio zijn gegenereerd om de rapportage per "
    "district te kunnen maken; ze zijn niet gemeten. Alleen de cijfers van de eenheid als geheel komen uit "
    "het jaarverslag."
)


def is_published(source: pd.Series) -> pd.Series:
    """Published documents: neither demo data nor a CBS download. A feed never overwrites their
    figures, and the contract asks where in the document each one is stated."""
    return source.notna() & (source != DEMO) & ~source.fillna("").str.startswith(CBS_PREFIX)


def shows_demo_data(data: Dataset, year: int, region: str) -> bool:
    """Whether a report for (year, region) can show a demo figure (this or the previous year)."""
    return any(
        ((t["region"] == region) & t["year"].isin(shown_years(year)) & (t["source"] == DEMO)).any()
        for t in (data.observations, data.targets, data.goals)
    )


def demo_notice(data: Dataset, year: int, region: str) -> str:
    """The Markdown notice (a block quote, after a blank line) for pages with demo figures, else ''."""
    return f"\n\n> {DEMO_NOTICE}" if shows_demo_data(data, year, region) else ""
