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
