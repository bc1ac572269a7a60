"""The data contract: the tables in data/, their schemas and the rules between them.

Every table is validated with pandera when it is loaded. Any violation raises
DataContractError naming file, line, column and rule, so a bad edit stops the run
before a notebook starts or an output is written. data/README.md documents the same
rules for analysts.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from .errors import DataContractError
from .files import write_atomic

UNITS = ("count", "percentage", "euro", "kilogram")
BETTER = ("lower", "higher", "none")
LEVELS = ("eenheid", "district", "basisteam", "gemeente")
THEME_KINDS = ("overzicht", "strategisch", "ontwikkelagenda")
TARGET_KINDS = ("not_above_previous_year", "at_least", "at_most")
GOAL_TARGET_KINDS = ("at_least", "at_most")
STATUSES = ("gerealiseerd", "deels", "niet", "onbekend")
QUALIFIERS = ("circa", "ruim", "meer dan")

_SLUG = pa.Check.str_matches(r"^[a-z0-9]+(-[a-z0-9]+)*$", error="must be a lower-case slug such as 'rotterdam-zuid'")
_YEAR = pa.Check.in_range(1990, 2100, error="year must be between 1990 and 2100")
_PUBLISHED = pa.Check.str_matches(r"^\d+(\.\d+)?$", error="must be a plain number such as 8 or 0.3 (no % sign)")

# Value rules that depend on the unit of the indicator or goal a row refers to.
VALUE_RULES = {
    "count": [
        pa.Check.ge(0, error="a count must not be negative"),
        pa.Check(lambda s: s % 1 == 0, element_wise=False, error="a count must be a whole number (no thousands separators)"),
    ],
    "percentage": [pa.Check.in_range(0, 100, error="a percentage must be between 0 and 100")],
    "euro": [pa.Check.ge(0, error="an amount in euro must not be negative")],
    "kilogram": [pa.Check.ge(0, error="a weight must not be negative")],
}


@dataclass(frozen=True)
class Dataset:
    """All validated tables of one data directory."""

    data_dir: Path
    regions: pd.DataFrame
    sources: pd.DataFrame
    themes: pd.DataFrame
    indicators: pd.DataFrame
    observations: pd.DataFrame
    targets: pd.DataFrame
    goals: pd.DataFrame

    def region_name(self, region: str) -> str:
        return self.regions.set_index("id").at[region, "name"]

    @property
    def years(self) -> list[int]:
        return sorted(set(self.observations["year"]) | set(self.goals["year"]))


def _ref(known, what: str) -> pa.Check:
    return pa.Check.isin(sorted(known), error=f"unknown {what} (not in {what}s table)")


def _table(columns: dict, unique: list[str] | None = None) -> pa.DataFrameSchema:
    """A table schema: exactly these columns, text cells coerced to the column types."""
    return pa.DataFrameSchema(columns, unique=unique, strict=True, coerce=True)


def _schemas(regions=(), themes=(), indicators=(), sources=()) -> dict[str, pa.DataFrameSchema]:
    region, theme, indicator = _ref(regions, "region"), _ref(themes, "theme"), _ref(indicators, "indicator")
    source = _ref(sources, "source")
    return {
        "regions": _table(
            {
                "id": pa.Column(str, _SLUG, unique=True),
                "name": pa.Column(str),
                "level": pa.Column(str, pa.Check.isin(LEVELS)),
                "parent": pa.Column(str, region, nullable=True),
                "cbs_code": pa.Column(
                    str,
                    [
                        pa.Check.str_matches(r"^GM\d{4}$", error="must be a CBS municipality code such as GM0599"),
                        pa.Check(lambda s: ~s.duplicated(keep=False), error="CBS code occurs more than once"),
                    ],
                    nullable=True,
                ),
            }
        ),
        "sources": _table(
            {
                "id": pa.Column(str, _SLUG, unique=True),
                "title": pa.Column(str),
                "table_id": pa.Column(str, nullable=True),
                "period": pa.Column(str, nullable=True),
                "retrieved_at": pa.Column(str, nullable=True),
            }
        ),
        "themes": _table(
            {
                "order": pa.Column(int, unique=True),
                "id": pa.Column(str, _SLUG, unique=True),
                "label": pa.Column(str),
                "kind": pa.Column(str, pa.Check.isin(THEME_KINDS)),
            }
        ),
        "indicators": _table(
            {
                "id": pa.Column(str, _SLUG, unique=True),
                "theme": pa.Column(str, theme),
                "kpi_group": pa.Column(str, nullable=True),
                "kpi_order": pa.Column(pd.Int64Dtype(), nullable=True),
                "label": pa.Column(str),
                "subject": pa.Column(str),
                "unit": pa.Column(str, pa.Check.isin(UNITS)),
                "better": pa.Column(str, pa.Check.isin(BETTER)),
            }
        ),
        "observations": _table(
            {
                "indicator": pa.Column(str, indicator),
                "region": pa.Column(str, region),
                "year": pa.Column(int, _YEAR),
                "value": pa.Column(float),
                "qualifier": pa.Column(str, pa.Check.isin(QUALIFIERS), nullable=True),
                "source": pa.Column(str, source),
            },
            unique=["indicator", "region", "year"],
        ),
        "targets": _table(
            {
                "indicator": pa.Column(str, indicator),
                "region": pa.Column(str, region),
                "year": pa.Column(int, _YEAR),
                "kind": pa.Column(str, pa.Check.isin(TARGET_KINDS)),
                "value": pa.Column(float, nullable=True),
                "published_realisation": pa.Column(str, _PUBLISHED, nullable=True),
                "source": pa.Column(str, source),
            },
            unique=["indicator", "region", "year"],
        ),
        "goals": _table(
            {
                "year": pa.Column(int, _YEAR),
                "region": pa.Column(str, region),
                "theme": pa.Column(str, theme),
                "ambition_code": pa.Column(str, pa.Check.str_matches(r"^[A-Z]$", error="must be one capital letter")),
                "ambition": pa.Column(str),
                "topic": pa.Column(str),
                "goal_id": pa.Column(str, _SLUG),
                "label": pa.Column(str),
                "target_kind": pa.Column(str, pa.Check.isin(GOAL_TARGET_KINDS), nullable=True),
                "target_value": pa.Column(float, nullable=True),
                "result_value": pa.Column(float, nullable=True),
                "unit": pa.Column(str, pa.Check.isin(UNITS), nullable=True),
                "status": pa.Column(str, pa.Check.isin(STATUSES)),
                "source": pa.Column(str, source),
            },
            unique=["year", "region", "goal_id"],
        ),
    }


def _validate(schema: pa.DataFrameSchema, frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        raise DataContractError(_describe(exc.failure_cases, path, schema)) from None


def _describe(failures: pd.DataFrame, path: Path, schema: pa.DataFrameSchema) -> str:
    """Turn pandera's failure table into lines a person can act on."""
    lines, seen = [], set()
    for row in failures.itertuples():
        check, column, case = str(row.check), row.column, row.failure_case
        if check == "column_in_dataframe":
            where, rule = f"column '{case}'", "required column is missing"
        elif check == "column_in_schema":
            where, rule = f"column '{case}'", "unexpected column (not in the contract)"
        else:
            line = int(row.index) + 2 if row.index is not None and not pd.isna(row.index) else None
            key = (line, column)
            if key in seen:
                continue  # a failed coercion also fails the dtype check: report the cell once
            seen.add(key)
            where = f"line {line}, column '{column}'" if line else f"column '{column}'"
            rule = _rule_text(check, case, schema)
        lines.append(f"{path}, {where}: {rule}")
    if not lines:
        lines = [f"{path}: does not match the data contract"]
    shown = lines[:10] + ([f"... and {len(lines) - 10} more"] if len(lines) > 10 else [])
    return "\n".join(shown)


def _rule_text(check: str, case, schema: pa.DataFrameSchema) -> str:
    if check == "multiple_fields_uniqueness":
        return f"duplicate key {tuple(schema.unique)}: value {case!r} occurs more than once"
    if check == "field_uniqueness":
        return f"duplicate value {case!r}: must be unique"
    if check == "not_nullable":
        return "a value is required"
    if check.startswith(("coerce_dtype", "dtype")):
        kind = "a whole number" if "int" in check.lower() else "a number"
        return f"{case!r} is not {kind}"
    if check.startswith("isin("):
        return f"{case!r} is not one of the allowed values {check[5:-1]}"
    return f"{case!r}: {check}"


TABLES = ("regions", "sources", "themes", "indicators", "observations", "targets", "goals")


CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jaarverslag"


def _cache_key(data_dir: Path) -> str | None:
    """Hash of the tables' bytes and of this module: the same key means the same validated result."""
    digest = hashlib.sha256(Path(__file__).read_bytes() + f"{pd.__version__} {version('pandera')}".encode())
    try:
        for name in TABLES:
            digest.update(name.encode() + (data_dir / f"{name}.csv").read_bytes())
    except OSError:
        return None  # let validation name the missing file
    return digest.hexdigest()


def load(data_dir: str | Path = "data") -> Dataset:
    """Read and validate every table in data_dir; raise DataContractError on the first bad file.

    Every notebook of a batch loads the same data, so a validated result is kept in a
    per-user cache keyed by the tables' content and this module's code; any change to
    either means validating again.
    """
    data_dir = Path(data_dir)
    key = _cache_key(data_dir)
    cached = CACHE / f"{key}.pkl"
    if key and cached.is_file():
        try:
            return Dataset(data_dir=data_dir, **pickle.loads(cached.read_bytes()))
        except Exception:  # an unreadable cache entry is only a missed shortcut
            cached.unlink(missing_ok=True)
    dataset = _load(data_dir)
    if key:
        try:
            write_atomic(cached, pickle.dumps({name: getattr(dataset, name) for name in TABLES}))
        except OSError:
            pass  # no cache: the next load validates again
    return dataset


def _load(data_dir: Path) -> Dataset:
    raw_regions = _read(data_dir, "regions")
    known = {"regions": raw_regions["id"].dropna() if "id" in raw_regions else ()}
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        frame = raw_regions if name == "regions" else _read(data_dir, name)
        tables[name] = _validate(_schemas(**known)[name], frame, data_dir / f"{name}.csv")
        if name in ("sources", "themes", "indicators"):
            known[name] = tables[name]["id"]
    _check_rules(tables, data_dir)
    return Dataset(data_dir=data_dir, **tables)


def _read(data_dir: Path, name: str) -> pd.DataFrame:
    path = data_dir / f"{name}.csv"
    try:
        # Blank lines are kept (as empty rows the schema rejects) so row i is always line i + 2.
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], skip_blank_lines=False)
    except FileNotFoundError:
        raise DataContractError(f"{path}: file not found (the '{name}' table is required)") from None
    except pd.errors.EmptyDataError:
        raise DataContractError(f"{path}: file is empty (a header row is required)") from None
    except pd.errors.ParserError as exc:
        raise DataContractError(f"{path}: not valid CSV ({exc})") from None
    except UnicodeDecodeError as exc:
        raise DataContractError(f"{path}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None


def _check_rules(tables: dict[str, pd.DataFrame], data_dir: Path) -> None:
    """Rules that depend on another column or table: unit bounds and target completeness."""
    unit_of = tables["indicators"].set_index("id")["unit"]
    obs, targets, goals = tables["observations"], tables["targets"], tables["goals"]
    problems: list[str] = []

    def check(name, frame, mask, columns):
        schema = pa.DataFrameSchema(columns, coerce=True)
        try:
            schema.validate(frame.loc[mask, list(columns)], lazy=True)
        except pa.errors.SchemaErrors as exc:
            problems.append(_describe(exc.failure_cases, data_dir / f"{name}.csv", schema))

    for unit, rules in VALUE_RULES.items():
        check("observations", obs, obs["indicator"].map(unit_of) == unit, {"value": pa.Column(float, rules)})
        check("targets", targets, targets["indicator"].map(unit_of) == unit, {"value": pa.Column(float, rules, nullable=True)})
        for column in ("target_value", "result_value"):
            check("goals", goals, goals["unit"] == unit, {column: pa.Column(float, rules, nullable=True)})
    relative = targets["kind"] == "not_above_previous_year"
    empty = pa.Check(lambda s: s.isna(), error="must be empty: this kind of target is the previous year's value")
    check("targets", targets, relative, {"value": pa.Column(float, empty, nullable=True)})
    check("targets", targets, ~relative, {"value": pa.Column(float)})
    quantified = goals["target_kind"].notna()
    check("goals", goals, quantified, {"target_value": pa.Column(float), "unit": pa.Column(str)})
    regions = tables["regions"]
    top = regions["level"] == "eenheid"
    check("regions", regions, top, {"parent": pa.Column(str, pa.Check(lambda s: s.isna(), error="the unit has no parent"), nullable=True)})
    check("regions", regions, ~top, {"parent": pa.Column(str)})
    parent = regions.set_index("id")["parent"].dropna().to_dict()
    for line, region in zip(regions.index + 2, regions["id"]):
        seen = {region}
        while (region := parent.get(region)) is not None:
            if region in seen:
                problems.append(f"{data_dir / 'regions.csv'}, line {line}, column 'parent': parents form a cycle")
                break
            seen.add(region)
    if problems:
        raise DataContractError("\n".join(problems))


def write_tables(data_dir: str | Path, tables: dict[str, pd.DataFrame]) -> Dataset:
    """Replace some tables of data_dir, but only once the result passes the contract.

    The new tables are written into a scratch copy of data_dir and validated there; only
    then is each file moved into place, so invalid output never reaches data/.
    """
    data_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix=".jaarverslag-", dir=data_dir.parent) as scratch:
        staged = Path(scratch) / data_dir.name
        shutil.copytree(data_dir, staged)
        for name, frame in tables.items():
            frame.to_csv(staged / f"{name}.csv", index=False, float_format="%.10g")
        try:
            load(staged)
        except DataContractError as exc:
            raise DataContractError(str(exc).replace(str(staged), f"{data_dir} (as it would be written)")) from None
        for name in (n for n in TABLES if n in tables):  # referenced tables first
            os.replace(staged / f"{name}.csv", data_dir / f"{name}.csv")
    return load(data_dir)
