"""`jaarverslag run` as a scheduler runs it: incremental to the end, failures told apart, nothing left running."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import DATA, NOTEBOOKS, ROOT, Snapshot, cli, cli_args, edit_csv
from jaarverslag.engine.layout import Layout
from jaarverslag.engine.manifest import Manifest

pytestmark = pytest.mark.slow

BATCH = """years: [{years}]
regions: [eenheid]
parts:
  - title: Regionaal Veiligheidsbeeld
    chapters: [{{notebook: veiligheidsbeeld, themes: [veiligheidsbeeld]}}]
  - title: Strategische thema's
    chapters:
      - {{notebook: cter, themes: [cter]}}
      - {{notebook: cybercrime, themes: [cybercrime]}}
"""


def _files(root):
    """Where a project in root keeps its data, notebooks, batch file and build directory."""
    return {"data": root / "data", "notebooks": root / "notebooks", "batch": root / "batch.yaml", "build": root / "build"}


def _new_project(root):
    """A copy of data/, three of the committed notebooks and a batch file of them for 2019, in root; nothing built."""
    project = _files(root)
    shutil.copytree(DATA, project["data"])
    project["notebooks"].mkdir()
    for name in ("veiligheidsbeeld", "cter", "cybercrime"):
        (project["notebooks"] / f"{name}.ipynb").write_bytes((NOTEBOOKS / f"{name}.ipynb").read_bytes())
    project["batch"].write_text(BATCH.format(years="2019"))
    return project


@pytest.fixture
def project(tmp_path):
    return _new_project(tmp_path)


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """A project after its first run, made once for the module: the first run of the tests about the next one."""
    root = tmp_path_factory.mktemp("ran") / "project"
    assert run(_new_project(root)) == 0
    return Snapshot(root)


@pytest.fixture
def ran_project(ran):
    """A project as `project` is after `run(project)`."""
    return _files(ran.restore())


def run(project, *extra):
    return cli("run", "--config", ROOT / "_quarto.yml", "--jobs", "2", *extra, **project)


def last(project):
    """The last run as recorded; status.json must always be valid JSON."""
    return json.loads((project["build"] / "status.json").read_text())["last"]


def outputs(project):
    """Every output in place (temporary files, named .*.tmp.*, are not outputs) and when it was written."""
    return {p: p.stat().st_mtime_ns for p in project["build"].rglob("*")
            if p.suffix in (".ipynb", ".html", ".pdf") and not p.name.startswith(".")}


def test_second_run_with_nothing_changed_starts_no_kernel_and_no_chromium(ran_project, monkeypatch):
    project = ran_project
    first = last(project)
    assert first["exit_code"] == 0 and first["jobs"]["executed"] == 3
    assert first["reports"] == {"assembled": 1, "unchanged": 0, "printed": 1, "books written": 1}
    before = outputs(project)

    def forbidden(*args, **kwargs):
        raise AssertionError("nothing changed, yet a kernel or Chromium was started")

    monkeypatch.setattr("papermill.execute_notebook", forbidden)
    monkeypatch.setattr("jaarverslag.publish.pdf.Printer.start", forbidden)
    assert run(project, "--jobs", "1") == 0  # in this process, where the guards are
    second = last(project)
    assert second["jobs"] == {"executed": 0, "skipped": 3, "failed": 0, "infrastructure": 0}
    assert second["reports"] == {"assembled": 0, "unchanged": 1, "printed": 0, "books written": 0}
    assert outputs(project) == before
    history = json.loads((project["build"] / "status.json").read_text())["history"]
    assert [h["exit_code"] for h in history] == [0, 0]


def test_run_for_one_chapter_still_publishes_whole_reports(ran_project):
    project = ran_project
    assert run(project, "--chapter", "cter", "--force") == 0
    html = (project["build"] / "site" / "2019" / "eenheid" / "jaarverslag-2019-eenheid.html").read_text()
    for chapter in ("veiligheidsbeeld", "cter", "cybercrime"):
        assert f'id="hoofdstuk-{chapter}"' in html
    assert "Niet beschikbaar in deze versie" not in html


def _started(project):
    """A `jaarverslag run` in its own process, once its first job has finished; and its workers and kernels."""
    args = [sys.executable, "-m", "jaarverslag.cli",
            *cli_args("run", "--config", ROOT / "_quarto.yml", "--jobs", "2", **project)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _finished_a_job(project):
        assert time.monotonic() < deadline and process.poll() is None, "no job finished"
        time.sleep(0.05)
    return process, _descendants(process.pid)


def _finished_a_job(project):
    """A whole line in the running batch's journal. Read as text: reading the manifest is for the lock's holder
    (it moves a line torn mid-write aside, which a line being written looks like)."""
    journal = Layout(project["build"]).journal
    return journal.is_file() and "\n" in journal.read_text()


def _gone(family, seconds=5):
    """Those of family still alive after waiting up to seconds for them to end."""
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in family if _alive(pid)]


def test_sigterm_is_recorded_as_interrupted_and_leaves_nothing_running(project):
    process, family = _started(project)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 143
    status = last(project)
    assert status["exit_code"] == 143 and status["outcome"] == "interrupted" and status["state"] == "interrupted"
    assert status["jobs"]["executed"] >= 1  # the jobs it finished, though the batch never returned
    assert _gone(family) == []
    assert cli("status", build=project["build"]) == 143


def test_a_new_years_data_renders_and_publishes_only_that_year(ran_project):
    project = ran_project
    unit_2019 = project["build"] / "site" / "2019" / "eenheid" / "jaarverslag-2019-eenheid.pdf"
    printed = unit_2019.stat().st_mtime_ns
    with open(project["data"] / "observations.csv", "a") as table:
        table.write("misdrijven-totaal,eenheid,2020,93000,,jaarverslag-2019,1. Regionaal Veiligheidsbeeld\n")
    project["batch"].write_text(BATCH.format(years="2019, 2020"))

    assert run(project) == 0
    status = last(project)
    manifest = Manifest(Layout(project["build"])).entries
    assert sorted(n for n, e in manifest.items() if e["status"] == "executed") == [
        "2020/eenheid/cter", "2020/eenheid/cybercrime", "2020/eenheid/veiligheidsbeeld"]
    assert status["reports"] == {"assembled": 1, "unchanged": 1, "printed": 1, "books written": 1}
    assert unit_2019.stat().st_mtime_ns == printed
    assert (project["build"] / "site" / "2020" / "eenheid" / "jaarverslag-2020-eenheid.pdf").is_file()
    assert "2020/eenheid/index.html" in (project["build"] / "site" / "index.html").read_text()


def _add_cell(notebook, source):
    nb = json.loads(notebook.read_text())
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "added", "metadata": {}, "outputs": [],
                        "source": source})
    notebook.write_text(json.dumps(nb))


def test_a_hung_notebook_times_out_as_an_infrastructure_failure_and_the_others_finish(project, capsys):
    _add_cell(project["notebooks"] / "cter.ipynb", "import time\ntime.sleep(600)")
    started = time.monotonic()
    assert run(project, "--timeout", "15") == 3
    assert time.monotonic() - started < 120
    status = last(project)
    assert status["exit_code"] == 3 and status["outcome"] == "infrastructure failure"
    assert status["jobs"] == {"executed": 2, "skipped": 0, "failed": 0, "infrastructure": 1}
    [failure] = status["failures"]
    assert failure["job"] == "2019/eenheid/cter" and "timed out after 15 s" in failure["error"]
    assert Manifest(Layout(project["build"])).entries["2019/eenheid/cter"]["attempts"] == 2
    assert (project["build"] / "site" / "2019" / "eenheid" / "jaarverslag-2019-eenheid.html").is_file()


def test_a_kernel_that_dies_is_retried_once(project, tmp_path):
    marker = tmp_path / "killed-once"
    _add_cell(project["notebooks"] / "cter.ipynb",
              f"import os, pathlib, signal\nmarker = pathlib.Path({str(marker)!r})\n"
              "if not marker.exists():\n    marker.touch()\n    os.kill(os.getpid(), signal.SIGKILL)")
    assert run(project, "--chapter", "cter") == 0
    entry = Manifest(Layout(project["build"])).entries["2019/eenheid/cter"]
    assert entry["status"] == "executed" and entry["attempts"] == 2
    assert marker.exists()


def test_a_notebook_bug_is_exit_1_and_bad_data_exit_2_with_notify(project, tmp_path):
    _add_cell(project["notebooks"] / "cter.ipynb", "1 / 0")
    assert run(project, "--chapter", "cter") == 1
    assert last(project)["outcome"] == "a notebook failed"
    edit_csv(project["data"] / "observations.csv", lambda f: f.assign(value=f["value"].where(f.index != 0, "veel")))
    notified = tmp_path / "notified.json"
    assert run(project, "--notify", f'cp "$1" {notified}; echo "$JAARVERSLAG_EXIT_CODE" > {notified}.code') == 2
    status = last(project)
    assert status["exit_code"] == 2 and "'veel' is not a number" in status["error"] and status["jobs"] == {}
    assert json.loads(notified.read_text())["last"] == status
    assert (tmp_path / "notified.json.code").read_text().strip() == "2"
    assert cli("status", build=project["build"]) == 2


def _descendants(pid):
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = open(f"/proc/{entry}/stat").read().rpartition(")")[2].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid):
    try:
        state = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_after_sigkill_nothing_of_the_run_is_left_and_nothing_is_written(project):
    process, family = _started(project)  # after the first of its three jobs
    assert family, "the run has workers"
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = outputs(project)

    assert _gone(family) == [], "workers or kernels outlived their run"
    time.sleep(1)
    assert outputs(project) == written, "an output was written after the run died"

    assert run(project) == 0  # the next run completes the job
    assert last(project)["jobs"]["executed"] + last(project)["jobs"]["skipped"] == 3
