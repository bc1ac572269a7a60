"""jaarverslag: reproducible annual reports for a Dutch police unit and its districts.

For analysts, the data in pandas:

    >>> from jaarverslag import load, evaluate
    >>> data = load("data")                       # every table of data/, validated
    >>> data.observations.head()                  # indicator, region, year, value, …
    >>> evaluate(data, 2019, "eenheid")           # per indicator: both years, change, target, met

`help(jaarverslag.Dataset)` lists the tables. A chapter as the report shows it:
`jaarverslag.chapters.Chapter.build("cter", 2019, "eenheid")`. The whole job is the
`jaarverslag` command (`jaarverslag --help`); README.md says how it fits together.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

# jsonschema, which nbformat imports in every command, worker and test, checks the "iri" format with
# rfc3987-syntax when it is installed (jupyter-events asks for it), and that compiles 38 lark grammars on
# import: 1,6 s each time. No schema here uses that format.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]

__version__ = "0.1.0"
__all__ = ["Dataset", "evaluate", "load"]

if TYPE_CHECKING:
    from .analysis.targets import evaluate
    from .inputs import Dataset, load


def __getattr__(name: str) -> object:
    """Imported on first use (PEP 562): `import jaarverslag` stays cheap for the engine's helper processes."""
    if name in ("Dataset", "load"):
        from . import inputs

        return getattr(inputs, name)
    if name == "evaluate":
        from .analysis.targets import evaluate

        return evaluate
    raise AttributeError(f"module 'jaarverslag' has no attribute {name!r}")
