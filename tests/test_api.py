"""The library for analysts: `from jaarverslag import load`, as the README shows it."""

import re
import subprocess
import sys

import jaarverslag
from conftest import ROOT


def readme_example() -> str:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Using the data in Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_example_runs_and_shows_the_figures():
    """Run as a reader would paste it, from the project folder in a new interpreter."""
    shown = subprocess.run([sys.executable, "-c", readme_example()], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "misdrijven-totaal" in shown  # the observations of the unit in 2019
    assert re.search(r"Totaal aantal misdrijven\s+91400\.0\s+95782\.0\s+False", shown)  # 91.400 -> 95.782, target missed


def test_help_says_how_to_get_the_data():
    assert 'load("data")' in jaarverslag.__doc__ and "evaluate" in jaarverslag.__doc__
    for table in ("regions", "indicators", "observations", "targets", "goals", "claims"):
        assert table in jaarverslag.Dataset.__doc__
    assert jaarverslag.load.__doc__.startswith("Every table of data_dir")


def test_importing_the_package_loads_no_data_library():
    """The engine's helper processes (janitor, workers' start-up) import the package: pandas comes only with load."""
    code = "import sys, jaarverslag; print('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_a_notebook_outside_the_batch_is_not_collected_by_nbval(tmp_path):
    """An Untitled.ipynb from the Launcher is the analyst's own: nbval does not run it, the chapters it does."""
    import shutil

    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "params", tmp_path / "params")
    (tmp_path / "notebooks").mkdir()
    shutil.copy(ROOT / "notebooks" / "cter.ipynb", tmp_path / "notebooks" / "cter.ipynb")
    shutil.copy(ROOT / "notebooks" / "cter.ipynb", tmp_path / "notebooks" / "Untitled.ipynb")
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "notebooks"], cwd=tmp_path,
                               capture_output=True, text=True).stdout
    assert "notebooks/cter.ipynb::" in collected and "Untitled" not in collected


def test_dask_workers_get_the_batchs_notebooks_only(tmp_path):
    """The snapshot shipped to Dask workers holds the chapters of the batch, not an analyst's Untitled.ipynb."""
    import shutil

    from jaarverslag.engine.snapshot import Snapshot

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ("cter", "cybercrime", "Untitled"):
        shutil.copy(ROOT / "notebooks" / "cter.ipynb", notebooks / f"{name}.ipynb")
    shipped = Snapshot.of(notebooks, ["cter", "cybercrime"], ROOT / "data", ROOT / "params" / "batch.yaml")
    assert sorted(n for n in shipped.files if n.startswith("notebooks/")) == ["notebooks/cter.ipynb", "notebooks/cybercrime.ipynb"]
