"""Comparing two builds as readers see them: volatile parts masked, real differences named."""

import json

from jaarverslag.engine.compare import differences


def _notebook(output, started):
    cells = [
        {"cell_type": "code", "metadata": {"tags": ["injected-parameters"]}, "outputs": [], "source": f"x = '{started}'"},
        {"cell_type": "code", "metadata": {"execution": {"started": started}}, "execution_count": 3,
         "outputs": [{"output_type": "execute_result", "execution_count": 3, "data": {"text/plain": output}}], "source": "f()"},
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _build(root, output="42", footer="gegevensversie `aaa`", started="10:00"):
    (root / "notebooks").mkdir(parents=True)
    (root / "notebooks" / "cter.ipynb").write_text(_notebook(output, started))
    (root / "page.html").write_text(f"<p>95.782</p><footer><p>Herkomst: {footer}</p></footer>")
    return root


def test_timings_parameters_and_provenance_are_masked(tmp_path):
    a = _build(tmp_path / "a")
    b = _build(tmp_path / "b", footer="gegevensversie `bbb`, gemaakt op 29 november 2026", started="11:00")
    assert list(differences(a, b)) == []


def test_a_changed_output_or_a_missing_file_is_named(tmp_path):
    a = _build(tmp_path / "a")
    b = _build(tmp_path / "b", output="43")
    (a / "extra.html").write_text("<p>x</p>")
    assert list(differences(a, b)) == [f"extra.html: only in {a}", "notebooks/cter.ipynb: differs"]


def test_the_command_line_explains_itself_and_refuses_a_missing_build(tmp_path):
    import subprocess
    import sys

    command = [sys.executable, "-m", "jaarverslag.engine.compare"]
    shown = subprocess.run([*command, "--help"], capture_output=True, text=True, check=True).stdout
    assert "BUILD_A BUILD_B" in shown and "as readers see them" in shown
    refused = subprocess.run([*command, str(tmp_path / "missing"), str(tmp_path)], capture_output=True, text=True)
    assert refused.returncode == 2 and "missing is not a directory" in refused.stderr
