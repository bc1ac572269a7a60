"""Compare two build directories as readers see them: the proof that a change to the
engine or the code's structure left every output the same.

Compared: every executed notebook's outputs (cell by cell), every HTML page, the text
of every PDF, and every Quarto project file. Masked: what is meant to differ between
two runs (execution timestamps and durations, the injected parameters, the provenance
footer, notebook cell ids in HTML) and runs of blank lines in Markdown. Run as `python -m jaarverslag.engine.compare BUILD_A BUILD_B`.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

PROVENANCE = re.compile(r"Herkomst:.*?(?=</p>|\n\n|\Z)", re.S)
CELL_IDS = re.compile(r'id="cell-id=[^"]*"')  # random in builds before 0.2: not what readers see
BLANK_LINES = re.compile(r"\n{3,}")  # Markdown reads any run of blank lines as one
SUFFIXES = (".ipynb", ".html", ".pdf", ".qmd", ".yml")


def _outputs(path: Path) -> list:
    """Per cell: its type and outputs, without execution counts' timing metadata."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for cell in nb["cells"]:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        outputs = [{k: v for k, v in out.items() if k != "execution_count"} for out in cell.get("outputs", [])]
        cells.append([cell["cell_type"], outputs])
    return cells


def _text(path: Path) -> str:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        logging.getLogger("pypdf").setLevel(logging.ERROR)  # Chromium's PDFs make pypdf warn about harmless trailer sizes
        text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    else:
        text = path.read_text(encoding="utf-8")
    if path.suffix == ".qmd":
        text = BLANK_LINES.sub("\n\n", text)
    return CELL_IDS.sub('id="cell-id=…"', PROVENANCE.sub("Herkomst: …", text))


def differences(a: Path, b: Path) -> Iterator[str]:
    """One line per file that exists in only one build or differs in content."""
    files = {p.relative_to(a) for p in a.rglob("*") if p.suffix in SUFFIXES and not p.name.startswith(".")}
    others = {p.relative_to(b) for p in b.rglob("*") if p.suffix in SUFFIXES and not p.name.startswith(".")}
    for name in sorted(files ^ others):
        yield f"{name}: only in {a if name in files else b}"
    for name in sorted(files & others):
        read = _outputs if name.suffix == ".ipynb" else _text
        if read(a / name) != read(b / name):
            yield f"{name}: differs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m jaarverslag.engine.compare",
        description="Compare two build directories as readers see them: executed notebooks' outputs, HTML pages, "
                    "PDF text and Quarto files, with timestamps, injected parameters and the provenance footer masked. "
                    "Exit 0 when they are the same, 1 with one line per difference.",
    )
    parser.add_argument("a", type=Path, metavar="BUILD_A", help="a build directory (e.g. build/)")
    parser.add_argument("b", type=Path, metavar="BUILD_B", help="the build directory to compare it with")
    args = parser.parse_args(argv)
    a, b = args.a, args.b
    for build in (a, b):
        if not build.is_dir():
            parser.error(f"{build} is not a directory")
    found = list(differences(a, b))
    print("\n".join(found) or f"no differences between {a} and {b}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
