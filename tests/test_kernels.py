"""Warm kernels give the same outputs as fresh ones: every chapter rendered in fresh kernels and compared,
as readers see it, with the same jobs of the whole default batch rendered with warm kernels, and a
notebook that changes global state on purpose leaves the next notebook in the same kernel unaffected.
A kernel whose notebook failed, or that grew too big, is replaced."""

import json
import random
import shutil

import nbformat
import pytest

from conftest import BATCH, ROOT, chapters, cli
from jaarverslag.engine import kernels
from jaarverslag.engine.compare import differences
from jaarverslag.engine.layout import Layout
from jaarverslag.engine.manifest import Manifest
from jaarverslag.engine.render import render
from jaarverslag.errors import RenderError

pytestmark = pytest.mark.slow

POLLUTER = """
import os, random, warnings
import matplotlib as mpl, numpy as np, pandas as pd
import helper
from jaarverslag import formatting
mpl.rcParams["lines.linewidth"] = 9
pd.set_option("display.max_rows", 3)
helper.CACHE["seen"] = "polluter"
formatting.number = lambda *args, **kwargs: "gekaapt"
os.environ["JAARVERSLAG_POLLUTED"] = "1"
warnings.simplefilter("error")
random.seed(1)
np.random.seed(1)
leftover = "from the polluter"
os.chdir("/")
"""
WITNESS = """
import json, os, random, sys, warnings
import matplotlib as mpl, matplotlib.pyplot as plt, numpy as np, pandas as pd
import helper
from jaarverslag import formatting
print(json.dumps({
    "linewidth": mpl.rcParams["lines.linewidth"], "max_rows": pd.get_option("display.max_rows"),
    "cache": helper.CACHE, "number": formatting.number(95782), "env": os.environ.get("JAARVERSLAG_POLLUTED"),
    "filters": [repr(f[:3]) for f in warnings.filters], "leftover": "leftover" in dir(),
    "cwd": os.getcwd(), "figures": plt.get_fignums(),
    "random": random.random(), "numpy_random": float(np.random.rand()),
}))
"""


def _notebook(path, code):
    parameters = nbformat.v4.new_code_cell("year = 2019\nregion = 'eenheid'", metadata={"tags": ["parameters"]})
    nbformat.write(nbformat.v4.new_notebook(cells=[parameters, nbformat.v4.new_code_cell(code)],
                                            metadata={"kernelspec": {"name": "jaarverslag", "display_name": "jaarverslag",
                                                                     "language": "python"}}), path)


def _printed(path):
    return json.loads(nbformat.read(path, as_version=4).cells[-1].outputs[0]["text"])


def test_a_notebook_that_changes_global_state_leaves_the_next_one_unaffected(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "helper.py").write_text("CACHE = {}\n")
    _notebook(notebooks / "polluter.ipynb", POLLUTER)
    _notebook(notebooks / "witness.ipynb", WITNESS)
    fresh, warm = Layout(tmp_path / "fresh"), Layout(tmp_path / "warm")
    parameters = {"year": 2019, "region": "eenheid"}
    try:
        render(notebooks / "witness.ipynb", fresh, 2019, "eenheid", parameters, "t", warm=False)
        render(notebooks / "polluter.ipynb", warm, 2019, "eenheid", parameters, "t")
        render(notebooks / "witness.ipynb", warm, 2019, "eenheid", parameters, "t")
        (kernel,) = kernels._kernels.values()
        assert kernel.notebooks == 2, "both notebooks ran in one kernel"
    finally:
        kernels.shutdown()
    expected, seen = _printed(fresh.notebook(2019, "eenheid", "witness")), _printed(warm.notebook(2019, "eenheid", "witness"))
    assert seen["random"] != random.Random(1).random()  # the generators were put back, not left seeded
    for drawn in ("random", "numpy_random"):  # a fresh kernel seeds itself at random: compare the rest exactly
        del expected[drawn], seen[drawn]
    assert seen == expected
    assert repr(("error", None, Warning)) not in seen.pop("filters")
    assert seen == {"linewidth": 1.5, "max_rows": 60, "cache": {}, "number": "95.782", "env": None,
                    "leftover": False, "cwd": str(notebooks), "figures": []}
    counts = [[c.get("execution_count") for c in nbformat.read(layout.notebook(2019, "eenheid", "witness"), as_version=4).cells]
              for layout in (fresh, warm)]
    assert counts[0] == counts[1] and counts[0][-1] > 1  # counted from 1 again, as in a fresh kernel


def test_a_kernel_whose_notebook_failed_or_grew_too_big_is_replaced(tmp_path, monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "fails.ipynb", "raise ValueError('kapot')")
    _notebook(notebooks / "fine.ipynb", "print('goed')")
    layout, parameters = Layout(tmp_path / "build"), {"year": 2019, "region": "eenheid"}
    try:
        with pytest.raises(RenderError, match="ValueError: kapot"):
            render(notebooks / "fails.ipynb", layout, 2019, "eenheid", parameters, "t")
        assert kernels._kernels == {}
        render(notebooks / "fine.ipynb", layout, 2019, "eenheid", parameters, "t")
        assert [k.notebooks for k in kernels._kernels.values()] == [1]
        monkeypatch.setattr(kernels, "MEMORY_LIMIT", 0)
        render(notebooks / "fine.ipynb", layout, 2019, "eenheid", parameters, "t")
        assert kernels._kernels == {}
    finally:
        kernels.shutdown()


REGIONS = ("eenheid",)  # every chapter, for the unit: the smallest matrix that covers every notebook


def test_every_chapter_renders_the_same_in_fresh_kernels_as_in_the_warm_whole_batch(published, tmp_path):
    """Every chapter's executed notebook and page for the unit, each in a fresh kernel, against the same jobs of the
    session's whole default batch, where warm kernels ran every chapter of every year and region.

    The warm side is the published site's build: rendered once for the session, read here, never changed.
    """
    fresh, warm, batch = tmp_path / "fresh", tmp_path / "warm", published.parent
    assert cli("render", "--fresh-kernels", "--year", "2019", *(a for r in REGIONS for a in ("--region", r)), build=fresh) == 0
    for folder in ("notebooks", "reports"):  # the warm batch's outputs of these jobs, and only those
        for region in REGIONS:
            shutil.copytree(batch / folder / "2019" / region, warm / folder / "2019" / region)
    assert list(differences(fresh, warm)) == []
    assert len(list((fresh / "notebooks").rglob("*.ipynb"))) == len(chapters()) * len(REGIONS)
    jobs = len(list(ROOT.joinpath("notebooks").glob("*.ipynb"))) * 14  # 2 years x 7 regions (BATCH)
    assert BATCH.is_file() and len(list((batch / "notebooks").rglob("*.ipynb"))) == jobs
    assert {e["kernel"] for e in Manifest(Layout(fresh)).entries.values()} == {"fresh"}
    assert {e["kernel"] for e in Manifest(Layout(batch)).entries.values()} == {"warm"}
