"""The batch engine: incremental, isolated failures, locked, interruption-safe (Dask: test_cluster.py)."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import DATA, NOTEBOOKS, Snapshot, cli, cli_args, edit_csv
from jaarverslag.engine import batch, hashing
from jaarverslag.engine.layout import Layout
from jaarverslag.engine.lock import build_lock
from jaarverslag.engine.manifest import Manifest

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path, data_dir):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    return {"data": data_dir, "notebooks": notebooks, "build": tmp_path / "build"}


def _paths(project):
    return {"data": project["data"], "notebooks": project["notebooks"], "build": project["build"]}


def render(project, *extra):
    return cli("render", "--jobs", "2", *extra, **_paths(project))


def manifest(project):
    """What the manifest holds now, journal of a running or killed batch included."""
    return Manifest(Layout(project["build"])).entries


def statuses(project):
    return {name: entry["status"] for name, entry in manifest(project).items()}


SMALL = ["--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", "--chapter", "cter"]


def _files(root):
    return {"data": root / "data", "notebooks": root / "notebooks", "build": root / "build"}


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """A project with SMALL rendered, made once for the module: the first render of the tests about the next one."""
    root = tmp_path_factory.mktemp("small") / "project"
    shutil.copytree(DATA, root / "data")
    shutil.copytree(NOTEBOOKS, root / "notebooks")
    assert render(_files(root), *SMALL) == 0
    return Snapshot(root)


@pytest.fixture
def rendered_project(small):
    """A project as `project` is after `render(project, *SMALL)`."""
    return _files(small.restore())


def test_second_run_skips_everything_without_a_kernel(rendered_project, monkeypatch, capsys):
    project = rendered_project
    assert set(statuses(project).values()) == {"executed"}
    entry = manifest(project)["2019/eenheid/cter"]
    assert set(entry["hashes"]) == {"notebook", "data", "library"}
    assert entry["parameters"] == {"year": 2019, "region": "eenheid"} and entry["duration"] > 0

    def no_kernel(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr("papermill.execute_notebook", no_kernel)
    assert render(project, *SMALL, "--jobs", "1") == 0  # in this process, where the guard is
    assert set(statuses(project).values()) == {"skipped"}
    assert re.search(r"^skipped +2$", capsys.readouterr().out, re.M)


def _executed_after(project, change):
    """The jobs a render of SMALL executes after change() to a project where SMALL was rendered."""
    change()
    assert render(project, *SMALL) == 0
    return sorted(name for name, status in statuses(project).items() if status == "executed")


def test_changed_notebook_reruns_its_jobs(rendered_project):
    project = rendered_project

    def change():
        path = project["notebooks"] / "cter.ipynb"
        path.write_text(path.read_text().replace("### Kerncijfers", "### Cijfers").replace("## Kerncijfers", "## Cijfers"))

    assert _executed_after(project, change) == ["2019/eenheid/cter", "2019/rotterdam-zuid/cter"]


def test_changed_region_data_reruns_only_that_region(rendered_project):
    project = rendered_project

    def change():
        edit_csv(project["data"] / "observations.csv",
                 lambda f: f.assign(value=f["value"].where(~((f["indicator"] == "evenementen") & (f["region"] == "eenheid")), "5500")))

    assert _executed_after(project, change) == ["2019/eenheid/cter"]


def test_changed_district_data_reruns_the_comparisons_that_show_it(project):
    """A district's figures appear in the district comparison of the unit and of every district beside it."""
    chapters = ["--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", "--chapter", "cter",
                "--chapter", "districten"]
    assert render(project, *chapters) == 0
    edit_csv(project["data"] / "observations.csv",
             lambda f: f.assign(value=f["value"].where(~((f["indicator"] == "woninginbraken") & (f["region"] == "rijnmond-noord")
                                                         & (f["year"].astype(str) == "2019")), "999")))
    assert render(project, *chapters) == 0
    executed = sorted(name for name, status in statuses(project).items() if status == "executed")
    assert executed == ["2019/eenheid/districten", "2019/rotterdam-zuid/districten"]
    page = (Layout(project["build"]).page(2019, "eenheid", "districten")).read_text(encoding="utf-8")
    assert "999" in page


def test_a_narrative_edit_reruns_exactly_the_chapters_that_show_it(project):
    """A chapter is keyed on the narratives it read: an edited text re-renders its own chapter of that region
    and year alone, and a text written where there was none re-renders the chapter that showed its absence,
    not the district comparison of the same theme, which shows no narrative."""
    chapters = ["--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid",
                "--chapter", "cybercrime", "--chapter", "veiligheidsbeeld", "--chapter", "districten"]
    narratives = project["data"] / "narratives" / "2019"

    def executed_after(change):
        change()
        assert render(project, *chapters) == 0
        return sorted(name for name, status in statuses(project).items() if status == "executed")

    assert len(executed_after(lambda: None)) == 6
    edited = narratives / "eenheid" / "cybercrime.md"
    assert executed_after(lambda: edited.write_text(edited.read_text() + "\nEen zin erbij, zonder cijfers.\n")) == [
        "2019/eenheid/cybercrime"]
    assert "Een zin erbij, zonder cijfers." in Layout(project["build"]).page(2019, "eenheid", "cybercrime").read_text()
    written = narratives / "rotterdam-zuid" / "veiligheidsbeeld.md"
    written.parent.mkdir(parents=True, exist_ok=True)
    assert executed_after(lambda: written.write_text("Een eerste tekst voor Rotterdam-Zuid.\n")) == [
        "2019/rotterdam-zuid/veiligheidsbeeld"]
    assert executed_after(lambda: None) == []


def test_changed_shared_table_reruns_everything(rendered_project):
    project = rendered_project

    def change():
        edit_csv(project["data"] / "indicators.csv",
                 lambda f: f.assign(label=f["label"].str.replace("Cybervrijwilligers", "Cyber-vrijwilligers")))

    assert _executed_after(project, change) == ["2019/eenheid/cter", "2019/rotterdam-zuid/cter"]


def test_changed_library_reruns_everything(rendered_project, monkeypatch):
    assert _executed_after(rendered_project, lambda: monkeypatch.setattr(batch, "library_digest", lambda: "changed")) == [
        "2019/eenheid/cter", "2019/rotterdam-zuid/cter"]


def test_library_digest_follows_the_code(tmp_path, monkeypatch):
    package = tmp_path / "jaarverslag"
    shutil.copytree(hashing.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(hashing, "PACKAGE", package)
    before = hashing.library_digest()
    (package / "formatting.py").write_text((package / "formatting.py").read_text() + "\n# changed\n")
    assert hashing.library_digest() != before


def test_changed_parameters_are_new_jobs(rendered_project):
    project = rendered_project
    assert render(project, "--year", "2018", "--region", "eenheid", "--chapter", "cter") == 0
    assert statuses(project)["2018/eenheid/cter"] == "executed"


def test_filters_select_the_jobs(project):
    assert render(project, "--year", "2019", "--region", "rotterdam-zuid", "--chapter", "cter", "--chapter", "cybercrime") == 0
    assert sorted(manifest(project)) == ["2019/rotterdam-zuid/cter", "2019/rotterdam-zuid/cybercrime"]


def test_failing_notebook_is_isolated_and_keeps_its_output(rendered_project, capsys):
    project = rendered_project
    assert render(project, *SMALL, "--chapter", "cybercrime") == 0
    html = project["build"] / "reports" / "2019" / "eenheid" / "cter.html"
    earlier = html.read_bytes()
    path = project["notebooks"] / "cter.ipynb"
    path.write_text(path.read_text().replace("ch.goal_summary()", "ch.goal_summary() + 1"))
    capsys.readouterr()

    assert render(project, *SMALL, "--chapter", "cybercrime") == 1

    out = capsys.readouterr().out
    status = statuses(project)
    assert status["2019/eenheid/cter"] == "failed" and status["2019/eenheid/cybercrime"] == "skipped"
    assert re.search(r"^failed +2$", out, re.M) and "TypeError" in out and "in cell `ch.goal_summary() + 1`" in out
    assert html.read_bytes() == earlier
    assert not list(project["build"].rglob("*.tmp*"))


def test_a_second_run_on_the_same_build_is_refused(project, capsys):
    with build_lock(Layout(project["build"])):
        assert render(project, *SMALL) == 2
    err = capsys.readouterr().err
    assert "is in use by another jaarverslag run" in err and f"pid {os.getpid()}" in err


def test_killed_run_leaves_no_partial_output_and_next_run_completes(project):
    chapters = [arg for c in ("cter", "cybercrime", "ondermijning", "openbare-orde") for arg in ("--chapter", c)]
    args = [sys.executable, "-m", "jaarverslag.cli",
            *cli_args("render", "--jobs", "2", "--year", "2019", "--region", "eenheid", *chapters, **_paths(project))]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not manifest(project):
        assert time.monotonic() < deadline and process.poll() is None, "first job never finished"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)  # only the run itself: its workers must not keep the lock
    process.wait()

    done = set(manifest(project))  # from the journal: the run never finished
    assert 1 <= len(done) < 4 and not Layout(project["build"]).manifest.exists()
    for path in (project["build"] / "reports").rglob("*.html"):
        assert path.read_text().rstrip().endswith("</html>")
    for path in (project["build"] / "notebooks").rglob("*.ipynb"):
        json.loads(path.read_text())

    assert subprocess.run(args, capture_output=True, check=False).returncode == 0
    assert sorted(s for n, s in statuses(project).items() if n in done) == ["skipped"] * len(done)
    assert len(manifest(project)) == 4 and not Layout(project["build"]).journal.exists()
    try:
        os.killpg(process.pid, signal.SIGKILL)  # orphaned workers of the killed run, if any are left
    except ProcessLookupError:
        pass
