"""The data contract: the tables in data/, their schemas and the rules between them.

Every table is validated with pandera when it is loaded. Any violation raises
DataContractError naming file, line, column and rule, so a bad edit stops the run
before a notebook starts or an output is written. data/README.md documents the same
rules for analysts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from ..errors import DataContractError
from .catalog import (
    BASES,
    BETTER,
    CLAIM_QUALIFIERS,
    CLAIM_RULES,
    GOAL_TARGET_KINDS,
    KEYS,
    LEVELS,
    QUALIFIERS,
    STATUSES,
    TABLES,
    TARGET_KINDS,
    THEME_KINDS,
    UNITS,
    path,
    read_text,
)
from .dataset import Dataset
from .sources import is_published

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
    "fte": [pa.Check.ge(0, error="a number of fte must not be negative")],
    "districts": [
        pa.Check.ge(0, error="a number of districts must not be negative"),
        pa.Check(lambda s: s % 1 == 0, element_wise=False, error="a number of districts must be a whole number"),
    ],
}


def _ref(known: Iterable[str], what: str) -> pa.Check:
    return pa.Check.isin(sorted(known), error=f"unknown {what} (not in {what}s table)")


def _table(columns: dict, unique: list[str] | None = None) -> pa.DataFrameSchema:
    """A table schema: exactly these columns, text cells coerced to the column types."""
    return pa.DataFrameSchema(columns, unique=unique, strict=True, coerce=True)


def _schemas(regions: Iterable[str] = (), themes: Iterable[str] = (), indicators: Iterable[str] = (),
             sources: Iterable[str] = ()) -> dict[str, pa.DataFrameSchema]:
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
                "location": pa.Column(str, nullable=True),
            },
            unique=list(KEYS["observations"]),
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
            unique=list(KEYS["targets"]),
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
                "target_basis": pa.Column(str, pa.Check.isin(BASES), nullable=True),
                "result_value": pa.Column(float, nullable=True),
                "result_basis": pa.Column(str, pa.Check.isin(BASES), nullable=True),
                "basis_note": pa.Column(str, nullable=True),
                "unit": pa.Column(str, pa.Check.isin(UNITS), nullable=True),
                "indicators": pa.Column(str, nullable=True),
                "place": pa.Column(str, region, nullable=True),
                "status": pa.Column(str, pa.Check.isin(STATUSES)),
                "status_basis": pa.Column(str, pa.Check.isin(BASES), nullable=True),
                "status_note": pa.Column(str, nullable=True),
                "source": pa.Column(str, source),
            },
            unique=list(KEYS["goals"]),
        ),
        "claims": _table(
            {
                "id": pa.Column(str, _SLUG),
                "year": pa.Column(int, _YEAR),
                "region": pa.Column(str, region),
                "location": pa.Column(str),
                "claim": pa.Column(str),
                "rule": pa.Column(str, pa.Check.isin(CLAIM_RULES)),
                "indicator": pa.Column(str, indicator, nullable=True),
                "goal": pa.Column(str, _SLUG, nullable=True),
                "value": pa.Column(str, _PUBLISHED, nullable=True),
                "qualifier": pa.Column(str, pa.Check.isin(CLAIM_QUALIFIERS), nullable=True),
                "note": pa.Column(str, nullable=True),
                "source": pa.Column(str, source),
            },
            unique=list(KEYS["claims"]),
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


def _rule_text(check: str, case: object, schema: pa.DataFrameSchema) -> str:
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
    if pd.api.types.is_scalar(case) and pd.isna(case):
        return check  # an empty cell where a rule requires a value: the rule says it all
    return f"{case!r}: {check}"


def validate(data_dir: str | Path) -> Dataset:
    """Read and validate every table in data_dir; raise DataContractError naming what is wrong."""
    data_dir = Path(data_dir)
    raw_regions = _read(data_dir, "regions")
    known = {"regions": raw_regions["id"].dropna() if "id" in raw_regions else ()}
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        frame = raw_regions if name == "regions" else _read(data_dir, name)
        tables[name] = _validate(_schemas(**known)[name], frame, path(data_dir, name))
        if name in ("sources", "themes", "indicators"):
            known[name] = tables[name]["id"]
    _check_rules(tables, data_dir)
    return Dataset(data_dir=data_dir, **tables)


def columns(name: str) -> list[str]:
    """The columns of a table, in contract order."""
    return list(_schemas()[name].columns)


def _read(data_dir: Path, name: str) -> pd.DataFrame:
    """The table as text with empty cells missing, so the schema decides what may be empty."""
    frame = read_text(data_dir, name)
    return frame.mask(frame == "")


def _present(error: str) -> pa.Check:
    """A check that fails on empty cells (pandera skips them otherwise)."""
    return pa.Check(lambda s: s.notna(), ignore_na=False, error=error)


def _absent(error: str) -> pa.Check:
    return pa.Check(lambda s: s.isna(), error=error)


def _check_bases(goals: pd.DataFrame, check: Callable) -> None:
    """A published goal says of each of its numbers whether the source states it; derived ones say how."""
    published = is_published(goals["source"])
    for which in ("target", "result"):
        value, basis = goals[f"{which}_value"], f"{which}_basis"
        check("goals", goals, published & value.notna(), {basis: pa.Column(str, _present(
            f"required with a {which}_value from a published source: 'stated' if the source gives the number, "
            "'derived' if we read it from its words"), nullable=True)})
        check("goals", goals, value.isna() | ~published, {basis: pa.Column(str, _absent(
            f"must be empty: only a {which}_value from a published source has a basis"), nullable=True)})
    derived = (goals["target_basis"] == "derived") | (goals["result_basis"] == "derived")
    check("goals", goals, derived, {"basis_note": pa.Column(str, _present(
        "required for a derived number: say in a few words how it follows from the source"), nullable=True)})
    check("goals", goals, ~derived, {"basis_note": pa.Column(str, _absent(
        "must be empty: only a derived number needs a note"), nullable=True)})


def _check_statuses(goals: pd.DataFrame, check: Callable) -> None:
    """A published goal says whether the source states its status; a judged or incomparable one says why."""
    published = is_published(goals["source"])
    check("goals", goals, published, {"status_basis": pa.Column(str, _present(
        "required for a goal from a published source: 'stated' if the source gives the status in words, "
        "'derived' if we judged it from its numbers or text"), nullable=True)})
    check("goals", goals, ~published, {"status_basis": pa.Column(str, _absent(
        "must be empty: only a goal from a published source has a status basis"), nullable=True)})
    explained = (goals["status_basis"] == "derived") | (goals["status"] == "niet-vergelijkbaar")
    check("goals", goals, explained, {"status_note": pa.Column(str, _present(
        "required for a derived status or 'niet-vergelijkbaar': say in a few words why"), nullable=True)})


def _check_links(goals: pd.DataFrame, unit_of: pd.Series, check: Callable) -> None:
    """A goal measured by indicators names known ones of its own unit, and takes its result from them."""
    linked = goals["indicators"].fillna("").str.split()
    unknown = linked.map(lambda ids: [i for i in ids if i not in unit_of.index])
    check("goals", goals, unknown.map(bool), {"indicators": pa.Column(str, _absent(
        "unknown indicator (not in indicators.csv); separate several ids with a space"), nullable=True)})
    other_unit = [any(unit_of.get(i) != u for i in ids) if isinstance(u, str) else False
                  for ids, u in zip(linked, goals["unit"])]
    check("goals", goals, pd.Series(other_unit, index=goals.index), {"indicators": pa.Column(str, _absent(
        "an indicator of another unit than the goal's: a goal and the figures that measure it share a unit"), nullable=True)})
    check("goals", goals, linked.map(bool), {"result_value": pa.Column(float, _absent(
        "must be empty when the goal names indicators: its result is their observation"), nullable=True)})


# What each claim rule needs: the columns it requires and those it must leave empty.
_CLAIM_NEEDS = {
    "equals": ({"value"}, set()),
    "rose": ({"indicator"}, {"goal"}),
    "fell": ({"indicator"}, {"goal"}),
    "stable": ({"indicator", "value"}, {"goal"}),
    "target_met": (set(), set()),
    "target_missed": (set(), set()),
    "all_targets_met": (set(), {"indicator", "goal", "value", "qualifier"}),
    "unverifiable": ({"note"}, set()),
}
_ABOUT_A_FIGURE = ("equals", "target_met", "target_missed")  # need an indicator or a goal


def _check_claims(claims: pd.DataFrame, goals: pd.DataFrame, check: Callable) -> None:
    """Each claim has what its rule needs, is about one figure, and names a goal of its own report."""
    for rule, (required, empty) in _CLAIM_NEEDS.items():
        rows = claims["rule"] == rule
        for column in required:
            check("claims", claims, rows, {column: pa.Column(str, _present(f"required for rule '{rule}'"), nullable=True)})
        for column in empty:
            check("claims", claims, rows, {column: pa.Column(str, _absent(f"must be empty for rule '{rule}'"), nullable=True)})
    figure = claims["rule"].isin(_ABOUT_A_FIGURE) & claims["goal"].isna()
    check("claims", claims, figure, {"indicator": pa.Column(str, _present(
        f"required for rules {', '.join(_ABOUT_A_FIGURE)}: name the indicator (or the goal) the claim is about"), nullable=True)})
    check("claims", claims, claims["indicator"].notna(), {"goal": pa.Column(str, _absent(
        "must be empty when an indicator is given: a claim is about one figure"), nullable=True)})
    check("claims", claims, claims["qualifier"].notna(), {"value": pa.Column(str, _present(
        "required with a qualifier: the figure it qualifies"), nullable=True)})
    twice = claims.duplicated(["year", "region", "location", "claim"], keep=False)
    check("claims", claims, twice, {"claim": pa.Column(str, _absent(
        "occurs twice at this location for this year and region: merge the rows or say what differs"), nullable=True)})
    known = set(zip(goals["year"], goals["region"], goals["goal_id"]))
    named = pd.Series([(y, r, g) in known for y, r, g in zip(claims["year"], claims["region"], claims["goal"])], index=claims.index)
    check("claims", claims, claims["goal"].notna() & ~named, {"goal": pa.Column(str, _absent(
        "unknown goal (not in goals.csv for this year and region)"), nullable=True)})


def _check_rules(tables: dict[str, pd.DataFrame], data_dir: Path) -> None:
    """Rules that depend on another column or table: unit bounds, target completeness, where a figure is stated."""
    unit_of = tables["indicators"].set_index("id")["unit"]
    obs, targets, goals = tables["observations"], tables["targets"], tables["goals"]
    problems: list[str] = []

    def check(name: str, frame: pd.DataFrame, mask: pd.Series, columns: dict[str, pa.Column]) -> None:
        schema = pa.DataFrameSchema(columns, coerce=True)
        try:
            schema.validate(frame.loc[mask, list(columns)], lazy=True)
        except pa.errors.SchemaErrors as exc:
            problems.append(_describe(exc.failure_cases, path(data_dir, name), schema))

    for unit, rules in VALUE_RULES.items():
        check("observations", obs, obs["indicator"].map(unit_of) == unit, {"value": pa.Column(float, rules)})
        check("targets", targets, targets["indicator"].map(unit_of) == unit, {"value": pa.Column(float, rules, nullable=True)})
        for column in ("target_value", "result_value"):
            check("goals", goals, goals["unit"] == unit, {column: pa.Column(float, rules, nullable=True)})
    districts = int((tables["regions"]["level"] == "district").sum())
    at_most = pa.Check.le(districts, error=f"a number of districts must not exceed the {districts} districts in regions.csv")
    check("observations", obs, obs["indicator"].map(unit_of) == "districts", {"value": pa.Column(float, at_most)})
    published = is_published(obs["source"])
    located = _present("a location is required for a figure from a published source: the section heading path "
                       "where the source states it, e.g. 'Voorwoord'")
    check("observations", obs, published, {"location": pa.Column(str, located, nullable=True)})
    check("observations", obs, ~published, {"location": pa.Column(
        str, _absent("must be empty: only figures from a published source have a location"), nullable=True)})
    relative = targets["kind"] == "not_above_previous_year"
    empty = pa.Check(lambda s: s.isna(), error="must be empty: this kind of target is the previous year's value")
    check("targets", targets, relative, {"value": pa.Column(float, empty, nullable=True)})
    check("targets", targets, ~relative, {"value": pa.Column(float)})
    quantified = goals["target_kind"].notna()
    check("goals", goals, quantified, {"target_value": pa.Column(float), "unit": pa.Column(str)})
    _check_bases(goals, check)
    _check_statuses(goals, check)
    _check_links(goals, unit_of, check)
    _check_claims(tables["claims"], goals, check)
    regions = tables["regions"]
    top = regions["level"] == "eenheid"
    check("regions", regions, top, {"parent": pa.Column(str, pa.Check(lambda s: s.isna(), error="the unit has no parent"), nullable=True)})
    check("regions", regions, ~top, {"parent": pa.Column(str)})
    parent = regions.set_index("id")["parent"].dropna().to_dict()
    for line, region in zip(regions.index + 2, regions["id"]):
        seen = {region}
        while (region := parent.get(region)) is not None:
            if region in seen:
                problems.append(f"{path(data_dir, 'regions')}, line {line}, column 'parent': parents form a cycle")
                break
            seen.add(region)
    if problems:
        raise DataContractError("\n".join(problems))
