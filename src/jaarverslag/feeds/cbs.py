"""Registered crime from CBS open data, summed from municipalities to districts and the unit.

Two tables feed four indicators:

- 83648NED on StatLine (opendata.cbs.nl): yearly totals per municipality -> misdrijven-totaal;
- 47013NED, the police's own table on CBS's third-party catalogue (dataderden.cbs.nl):
  monthly counts per municipality and crime type -> woninginbraken, straatroven, overvallen.

The municipalities and their districts come from data/regions.csv (rows with a cbs_code);
a region gets a figure only when every municipality below it has one, so a gap in the
source never turns into a silently low total.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cbsodata
import pandas as pd
import requests

from ..errors import ParameterError, SourceError
from ..inputs import load, write_tables
from ..inputs.catalog import KEYS, read_text
from ..inputs.contract import columns
from ..inputs.sources import CBS_PREFIX, is_published

KEY = list(KEYS["observations"])
DIMENSIONS = ("RegioS", "SoortMisdrijf", "Perioden")
PERIOD = re.compile(r"^(\d{4})(JJ|KW|MM)(\d{2})$")  # CBS period keys: 2019JJ00, 2019KW01, 2019MM01


@dataclass(frozen=True)
class Table:
    """One CBS table: where it lives, which column holds the count and which crime codes we use."""

    table_id: str
    catalog: str
    value_column: str
    crimes: dict[str, str]  # SoortMisdrijf key -> our indicator id
    title: str  # used when the table's own TableInfos gives no title


TABLES = (
    Table(
        "83648NED",
        "opendata.cbs.nl",
        "TotaalGeregistreerdeMisdrijven_1",
        {"T001161": "misdrijven-totaal"},  # Misdrijven, totaal
        "Geregistreerde criminaliteit; soort misdrijf, regio",
    ),
    Table(
        "47013NED",
        "dataderden.cbs.nl",
        "GeregistreerdeMisdrijven_1",
        # Diefstal/inbraak woning, Straatroof, Overval (the police's crime classification)
        {"1.1.1": "woninginbraken", "1.4.6": "straatroven", "1.4.7": "overvallen"},
        "Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente",
    ),
)


@dataclass
class Result:
    """What CBS gave: tidy observations, their provenance, and the figures we had to leave out."""

    observations: pd.DataFrame
    sources: pd.DataFrame
    skipped: list[str]


@dataclass
class Summary:
    """What update() changed in data/, for the command line to print."""

    replaced: int
    added: int
    sources: int
    skipped: list[str]

    def __str__(self) -> str:
        text = f"{self.replaced} observations replaced, {self.added} added, {self.sources} sources recorded"
        return "\n".join([text, *(f"skipped: {reason}" for reason in self.skipped)])


def update(data_dir: str | Path, years: Iterable[int], client: Any = None) -> Summary:
    """Fetch the years from CBS and write them into observations.csv and sources.csv.

    Rows with the same (indicator, region, year), or source id, are replaced in place and
    new ones appended; every other row stays byte for byte. The result is validated in a
    scratch copy of data_dir before the two files are moved into place, so a failed fetch
    or an invalid result leaves data_dir untouched.
    """
    data_dir = Path(data_dir)
    result = fetch(load(data_dir).regions, years, client)
    observations = read_text(data_dir, "observations")
    sources = read_text(data_dir, "sources")
    new = result.observations.assign(year=lambda f: f["year"].astype(str), value=lambda f: f["value"].map(_plain))
    new, kept = _without_published(new, observations)
    observations, replaced, added = _upsert(observations, new, KEY)
    sources, _, _ = _upsert(sources, result.sources, ["id"])
    write_tables(data_dir, {"observations": observations, "sources": sources})
    return Summary(replaced, added, len(result.sources), result.skipped + kept)


def fetch(regions: pd.DataFrame, years: Iterable[int], client: Any = None) -> Result:
    """Fetch both tables for these years and sum the municipalities up the region tree."""
    years = sorted({int(year) for year in years})
    if not years:
        raise ParameterError("no years given to fetch from CBS")
    municipalities = regions.dropna(subset=["cbs_code"]).set_index("cbs_code")["id"]
    if municipalities.empty:
        raise SourceError("regions.csv has no municipalities with a cbs_code to fetch")
    figures, sources = [], []
    for table in TABLES:
        raw = _download(table, list(municipalities.index), years, client)
        try:
            figures.append(annual_figures(raw, table, list(municipalities.index), years))
        except KeyError as exc:
            raise SourceError(f"CBS table {table.table_id}: unexpected layout, {exc} is missing") from None
        sources += [_provenance(raw, table, year) for year in years]
    municipal = pd.concat(figures, ignore_index=True)
    municipal["region"] = municipal.pop("code").map(municipalities)
    observations, skipped = aggregate(municipal, regions)
    return Result(observations, pd.DataFrame(sources, columns=columns("sources")), skipped)


def _download(table: Table, codes: list[str], years: list[int], client: Any) -> dict:
    """One table's data rows plus its dimension lists, codes as CBS keys them.

    cbsodata.get_data replaces every code by its title ("GM0599" becomes "Rotterdam"), so
    we call download_data, which returns the raw rows together with the dimension tables.
    Filters use substringof because CBS pads keys with trailing spaces.
    """
    client = client or cbsodata
    filters = " and ".join(
        [_any_of("RegioS", codes), _any_of("SoortMisdrijf", table.crimes), _any_of("Perioden", map(str, years))]
    )
    try:
        return client.download_data(table.table_id, filters=filters, catalog_url=table.catalog)
    except requests.RequestException as exc:
        raise SourceError(f"CBS table {table.table_id} on {table.catalog} could not be fetched: {_one_line(exc)}") from None
    except (ValueError, KeyError) as exc:
        raise SourceError(f"CBS table {table.table_id} on {table.catalog} gave an unexpected answer: {_one_line(exc)}") from None


def _any_of(column: str, values: Iterable[object]) -> str:
    return "(" + " or ".join(f"substringof('{value}',{column})" for value in values) + ")"


def annual_figures(raw: dict, table: Table, codes: list[str], years: list[int]) -> pd.DataFrame:
    """One figure per (indicator, municipality code, year), NaN with a reason where CBS has none.

    A year is the JJ00 figure when the table has one, otherwise the sum of its twelve
    months, and only when all twelve are there with a value. Keys are stripped of CBS's
    padding; values may be numbers, numeric strings, None or "." (CBS's "no value").
    """
    data = raw.get("TypedDataSet", raw.get("UntypedDataSet"))
    if data is None:
        raise SourceError(f"CBS table {table.table_id}: the answer has no data set (got {sorted(raw)})")
    _check_layout(raw, data, table, codes, years)
    cells: dict[tuple, dict[str, float]] = {}
    for row in data:
        code, crime, period = (str(row[column]).strip() for column in DIMENSIONS)
        match = PERIOD.match(period)
        if not match:
            raise SourceError(f"CBS table {table.table_id}: unknown period code {period!r}")
        year, kind, number = int(match[1]), match[2], match[3]
        if code in codes and crime in table.crimes and year in years and kind != "KW":
            key = (table.crimes[crime], code, year)
            cells.setdefault(key, {})[f"{kind}{number}"] = _number(row[table.value_column], table)
    rows = []
    for indicator in table.crimes.values():
        for code in codes:
            for year in years:
                value, reason = _year_total(cells.get((indicator, code, year), {}), year)
                rows.append((indicator, code, year, value, reason and f"{table.table_id} {code} {year}: {reason}"))
    return pd.DataFrame(rows, columns=["indicator", "code", "year", "value", "reason"])


def _check_layout(raw: dict, data: list, table: Table, codes: list[str], years: list[int]) -> None:
    """Refuse a table whose columns or codes are not the ones this adapter was written for."""
    where = f"CBS table {table.table_id}"
    missing = [name for name in DIMENSIONS if name not in raw]
    if missing:
        raise SourceError(f"{where}: dimension list(s) {', '.join(missing)} missing from the answer")
    keys = {name: {str(item["Key"]).strip() for item in raw[name]} for name in DIMENSIONS}
    if data:
        columns = [*DIMENSIONS, table.value_column]
        absent = [column for column in columns if column not in data[0]]
        if absent:
            raise SourceError(f"{where}: column(s) {', '.join(absent)} missing (got {', '.join(data[0])})")
    for name, wanted in (("SoortMisdrijf", table.crimes), ("RegioS", codes)):
        unknown = sorted(set(wanted) - keys[name])
        if unknown:
            raise SourceError(f"{where}: code(s) {', '.join(unknown)} not in its {name} dimension")
    unknown_years = [str(year) for year in years if not any(key.startswith(str(year)) for key in keys["Perioden"])]
    if unknown_years:
        raise SourceError(f"{where}: no periods for {', '.join(unknown_years)}")


def _number(value: object, table: Table) -> float:
    """A CBS cell as a float: NaN for None, empty or "."; numbers may arrive as padded strings."""
    if value is None:
        return float("nan")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    if text in ("", "."):
        return float("nan")
    try:
        return float(text)
    except ValueError:
        raise SourceError(f"CBS table {table.table_id}: {value!r} in {table.value_column} is not a number") from None


def _year_total(cells: dict[str, float], year: int) -> tuple[float, str | None]:
    if "JJ00" in cells:
        value = cells["JJ00"]
        return (value, None) if pd.notna(value) else (value, f"no value for {year}JJ00")
    if not cells:
        return float("nan"), "no figures"
    months = [f"MM{month:02d}" for month in range(1, 13)]
    absent = [f"{year}{m}" for m in months if m not in cells]
    empty = [f"{year}{m}" for m in months if m in cells and pd.isna(cells[m])]
    if absent:
        return float("nan"), f"{12 - len(absent)} of 12 months (missing {', '.join(absent)})"
    if empty:
        return float("nan"), f"no value for {', '.join(empty)}"
    return sum(cells[m] for m in months), None


def aggregate(municipal: pd.DataFrame, regions: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Municipal figures plus their sums for every enclosing region (district, unit).

    A region's figure is written only when all its municipalities have one; otherwise it is
    left out and the reason is returned, so existing rows for it stay as they are.
    """
    parent = regions.set_index("id")["parent"].dropna().to_dict()

    def lineage(region: str | None) -> Iterator[str]:
        while region is not None:
            yield region
            region = parent.get(region)

    expanded = municipal.assign(region=municipal["region"].map(lambda r: list(lineage(r)))).explode("region")
    grouped = expanded.groupby(["indicator", "region", "year"])["value"]
    totals = grouped.sum()[grouped.count() == grouped.size()]
    frame = totals.reset_index().assign(qualifier="", source=lambda f: _source_ids(f), location="")
    skipped = [
        f"{row.indicator}: {row.reason}; not written for {', '.join(lineage(row.region))}"
        for row in municipal[municipal["value"].isna()].itertuples()
    ]
    return frame[columns("observations")].reset_index(drop=True), skipped


def _source_ids(frame: pd.DataFrame) -> pd.Series:
    table_of = {indicator: table.table_id for table in TABLES for indicator in table.crimes.values()}
    return CBS_PREFIX + frame["indicator"].map(table_of).str.lower() + "-" + frame["year"].astype(str)


def _provenance(raw: dict, table: Table, year: int) -> dict:
    info = (raw.get("TableInfos") or [{}])[0]
    return {
        "id": f"{CBS_PREFIX}{table.table_id.lower()}-{year}",
        "title": f"CBS open data ({table.catalog}), {info.get('Title') or table.title}",
        "table_id": table.table_id,
        "period": str(year),
        "retrieved_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _without_published(new: pd.DataFrame, observations: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop fetched rows that would overwrite a published figure: only demo and CBS rows are replaced."""
    source = observations.set_index(KEY)["source"]
    keys = pd.MultiIndex.from_frame(new[KEY])
    current = source.reindex(keys)
    published = is_published(current)
    kept = [f"{i}: kept the published figure for {r} {y} (source {s})" for (i, r, y), s in current[published].items()]
    return new[~published.to_numpy()], kept


def _upsert(old: pd.DataFrame, new: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, int, int]:
    """Replace rows of old that share key with new in place, append the rest; return counts."""
    new = new.astype(str).set_index(key)
    merged = old.set_index(key)
    present = new.index.isin(merged.index)
    merged.update(new[present])
    merged = pd.concat([merged, new[~present]])
    return merged.reset_index()[old.columns], int(present.sum()), int((~present).sum())


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _one_line(exc: Exception) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())
