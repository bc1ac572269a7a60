"""The tables of data/: their names, keys and vocabularies, and the one way to read them.

Every module that reads, writes, hashes or generates a table takes these facts from
here; the schemas in `contract` add the column types and rules.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from ..errors import DataContractError

TABLES = ("regions", "sources", "themes", "indicators", "observations", "targets", "goals", "claims")
REGIONAL = ("observations", "targets", "goals", "claims")  # every row belongs to one region
SHARED = tuple(t for t in TABLES if t not in REGIONAL)
KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("id",),
    "sources": ("id",),
    "themes": ("id",),
    "indicators": ("id",),
    "observations": ("indicator", "region", "year"),
    "targets": ("indicator", "region", "year"),
    "goals": ("year", "region", "goal_id"),
    "claims": ("year", "region", "id"),
}

# fte: full-time equivalents (staff capacity, decimals allowed); districts: a number of the
# unit's districts ("in 2 of the 6 districts"), which only the unit has and demo data never splits.
UNITS = ("count", "percentage", "euro", "kilogram", "fte", "districts")
BETTER = ("lower", "higher", "none")
LEVELS = ("eenheid", "district", "basisteam", "gemeente")
THEME_KINDS = ("overzicht", "strategisch", "ontwikkelagenda")
TARGET_KINDS = ("not_above_previous_year", "at_least", "at_most")
GOAL_TARGET_KINDS = ("at_least", "at_most")
# niet-vergelijkbaar: the result measures something other than the target, so no verdict is possible.
STATUSES = ("gerealiseerd", "deels", "niet", "onbekend", "niet-vergelijkbaar")
QUALIFIERS = ("circa", "ruim", "meer dan")
BASES = ("stated", "derived")  # does the source state a goal's number or status, or did we derive it from its words?
# How a claim of the report's text is checked (see analysis/claims.py and data/README.md).
CLAIM_RULES = ("equals", "rose", "fell", "stable", "target_met", "target_missed", "all_targets_met", "unverifiable")
# A claim's figure may also be an order of magnitude: tens or hundreds of its value ("tientallen miljoenen").
CLAIM_QUALIFIERS = (*QUALIFIERS, "tientallen", "honderden")
SHOWN_YEARS = 2  # a report shows its year and the year before


def shown_years(year: int) -> list[int]:
    """The years whose data a report for year can show."""
    return list(range(year - SHOWN_YEARS + 1, year + 1))


def path(data_dir: str | Path, name: str) -> Path:
    return Path(data_dir) / f"{name}.csv"


def narratives(data_dir: str | Path, region: str) -> list[Path]:
    """Every narrative file of a region, all years, in a stable order."""
    return sorted((Path(data_dir) / "narratives").glob(f"*/{region}/*.md"))


def narrative(data_dir: str | Path, year: int, region: str, theme: str) -> Path:
    return Path(data_dir) / "narratives" / str(year) / region / f"{theme}.md"


FOREWORD = "voorwoord"  # narratives/<year>/<region>/voorwoord.md opens the report; the other narratives are themes'


# A chapter that reads a file of data/ besides the tables (a narrative) names it with its digest in the
# metadata of what it displays; the engine keys the chapter on exactly those files (engine/hashing.py).
READS = "jaarverslag/reads"


def content_digest(content: bytes | None) -> str:
    """A file's content as a chapter read it: its sha256, or 'absent' (adding the file changes the chapter too)."""
    return "absent" if content is None else hashlib.sha256(content).hexdigest()


def read_bytes(file: Path) -> bytes | None:
    """The file's bytes, or None when it does not exist."""
    try:
        return Path(file).read_bytes()
    except FileNotFoundError:
        return None


def read_text(data_dir: str | Path, name: str) -> pd.DataFrame:
    """A table exactly as written: every cell a string, an empty cell '', a blank line a row of ''.

    Keeping blank lines makes row i line i + 2 of the file, so errors can name the line;
    rewriting a frame read this way leaves untouched rows byte for byte the same.
    """
    file = path(data_dir, name)
    try:
        return pd.read_csv(file, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except FileNotFoundError:
        raise DataContractError(f"{file}: file not found (the '{name}' table is required)") from None
    except pd.errors.EmptyDataError:
        raise DataContractError(f"{file}: file is empty (a header row is required)") from None
    except pd.errors.ParserError as exc:
        raise DataContractError(f"{file}: not valid CSV ({exc})") from None
    except UnicodeDecodeError as exc:
        raise DataContractError(f"{file}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
