"""The code's structure as documented: lint-clean, build paths in one place, docs that match the tree."""

import re
import subprocess
import sys

from conftest import ROOT

PACKAGE = ROOT / "src" / "jaarverslag"
MODULES = sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")
SUBPACKAGES = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "notebooks"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_layout_joins_build_paths():
    names = ("site|reports|notebooks|quarto|chapters|_book|manifest\\.json|manifest\\.journal|\\.lock|status\\.json"
             "|publications\\.json|index\\.html|verantwoording\\.html|toegankelijkheidsverklaring\\.html")
    join = re.compile(rf'(?<!"templates" )/ "({names})"|build_dir\)? /')
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in PACKAGE.rglob("*.py") if path.name != "layout.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if join.search(line)
    ]
    assert offenders == []


def test_architecture_md_describes_every_module_and_nothing_else():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b([a-z_]+/[a-z_]+\.py|[a-z_]+\.py)\b", text))
    assert sorted(m for m in MODULES if m not in named) == [], "modules missing from ARCHITECTURE.md"
    assert sorted(m for m in named if m not in MODULES) == [], "ARCHITECTURE.md names modules that do not exist"


def test_readme_layout_table_names_every_subpackage():
    row = next(line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `src/jaarverslag/`"))
    assert sorted(re.findall(r"`([a-z_]+)/`", row)) == SUBPACKAGES


def test_package_is_typed():
    assert (PACKAGE / "py.typed").is_file()
