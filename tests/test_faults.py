"""Faults a year unattended brings: damaged state heals, and monitoring sees every outcome.

Fast tests use the real pipeline with a fake notebook executor (jobs settle in
milliseconds) or a fake set of steps, where the point is the state and the status; the
ones marked slow execute real notebooks in a `jaarverslag run` of its own process.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import BATCH, NOTEBOOKS, ROOT, Snapshot, cli, cli_args, edit_csv
from jaarverslag import files, pipeline, status
from jaarverslag.engine import batch as engine
from jaarverslag.engine.layout import Layout
from jaarverslag.engine.manifest import Manifest, Result, now
from jaarverslag.publish.state import Publications

ONE_JOB = ["--year", "2019", "--region", "eenheid", "--chapter", "cter", "--jobs", "1"]


@pytest.fixture
def build(tmp_path, monkeypatch):
    """A build directory; the status fallback goes to a private state directory, never the home directory."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    return tmp_path / "build"


def run(build, *extra, data=None):
    paths = {"build": build} if data is None else {"build": build, "data": data}
    return cli("run", "--config", ROOT / "_quarto.yml", "--jobs", "1", "--no-pdf", *extra, **paths)


def document(build):
    return json.loads((build / "status.json").read_text())


def damaged_lines(err, name):
    return [line for line in err.splitlines() if f"{name} is damaged" in line]


def aside(path):
    return list(path.parent.glob(f"{path.name}.corrupt-*"))


@pytest.fixture
def fake_steps(monkeypatch):
    """Replace the run's steps by steps(record) -> exit code; what they did is recorded as the real ones do."""
    def use(steps):
        monkeypatch.setattr(pipeline, "_steps", lambda options, layout, record: steps(record))
    return use


@pytest.fixture
def fake_notebooks(monkeypatch):
    """Notebooks that 'execute' at once (the real engine, plan, manifest and journal around them)."""
    calls = []

    def execute(job, key, hashes, settings, commit):
        calls.append(job.name)
        output = Layout(settings.build_dir).notebook(job.year, job.region, job.chapter)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("{}")
        return Result(job.name, key, "executed", {"year": job.year, "region": job.region}, hashes, [str(output)],
                      started=now(), finished=now())

    monkeypatch.setattr(engine, "execute", execute)
    return calls


# --- state that heals ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("content", ['{"updated": "2026', "\x00\x00garbage", '["a list"]', '{"jobs": {"x": {"job": "y"}}}'])
def test_a_damaged_manifest_is_moved_aside_and_rebuilt_empty(tmp_path, capsys, content):
    layout = Layout(tmp_path)
    layout.manifest.write_text(content)
    assert Manifest(layout).entries == {}
    assert not layout.manifest.exists() and len(aside(layout.manifest)) == 1
    [line] = damaged_lines(capsys.readouterr().err, str(layout.manifest))
    assert "moved aside to" in line and "rebuilt empty" in line
    assert aside(layout.manifest)[0].read_text() == content  # kept as it was, for whoever looks into it


def test_a_damaged_journal_keeps_its_good_lines_and_skips_the_rest_with_one_log_line(tmp_path, capsys):
    layout = Layout(tmp_path)
    good = {"job": "2019/eenheid/a", "key": "k", "status": "executed", "parameters": {}, "hashes": {}}
    layout.journal.write_text(json.dumps(good) + "\n" + '{"wrong": "shape"}\n' + '{"job": "2019/eenheid/b", "sta')
    assert list(Manifest(layout).entries) == ["2019/eenheid/a"]
    [line] = damaged_lines(capsys.readouterr().err, str(layout.journal))
    assert "line 2" in line and "line 3" in line and "its 1 good lines kept" in line
    assert len(aside(layout.journal)) == 1
    assert layout.journal.read_text() == json.dumps(good) + "\n"  # replayable as it is now
    assert Manifest(layout).entries == {"2019/eenheid/a": good}
    assert damaged_lines(capsys.readouterr().err, str(layout.journal)) == []


def test_damaged_publications_are_rebuilt_empty(tmp_path, capsys):
    layout = Layout(tmp_path)
    layout.publications.write_text('{"2019/eenheid": {"key": "abc", "pdf"')
    assert Publications(layout).entries == {}
    assert len(aside(layout.publications)) == 1
    assert damaged_lines(capsys.readouterr().err, str(layout.publications))


def test_corrupt_copies_are_bounded(tmp_path):
    path = tmp_path / "publications.json"
    for n in range(files.KEPT_ASIDE + 3):
        path.with_name(f"{path.name}.corrupt-2000010{n}T000000Z").write_text("old")  # earlier nights
    path.write_text("{")
    newest = files.damaged(path, "test", "rebuilt")
    assert len(aside(path)) == files.KEPT_ASIDE and newest in aside(path)


def test_write_atomic_syncs_the_file_and_its_directory(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real(fd)))
    files.write_atomic(tmp_path / "status.json", "{}")
    assert synced[0].startswith(str(tmp_path / ".status.")) and synced[-1] == str(tmp_path)
    assert (tmp_path / "status.json").read_text() == "{}" and list(tmp_path.iterdir()) == [tmp_path / "status.json"]


def test_write_atomic_leaves_no_temporary_file_when_the_disk_is_full(tmp_path, monkeypatch):
    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OSError):
        files.write_atomic(tmp_path / "manifest.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_status_file_neither_fails_the_run_nor_skips_notify(build, fake_steps, tmp_path, capsys):
    build.mkdir()
    (build / "status.json").write_text('{"last": {"started": "2026-')
    fake_steps(lambda record: 0)
    notified = tmp_path / "notified"
    assert run(build, "--notify", f'echo "$JAARVERSLAG_EXIT_CODE" > {notified}', "--notify-on", "always") == 0
    assert notified.read_text().strip() == "0"
    err = capsys.readouterr().err
    assert len(damaged_lines(err, str(build / "status.json"))) == 1 and "Traceback" not in err
    last = document(build)["last"]
    assert last["exit_code"] == 0 and "status.json is damaged" in last["repairs"][0]
    assert len(aside(build / "status.json")) == 1


def test_status_command_moves_a_damaged_status_file_aside(build, capsys):
    build.mkdir()
    (build / "status.json").write_text("not json")
    assert cli("status", build=build) == 2  # as with no status file: no run recorded
    err = capsys.readouterr().err
    assert len(damaged_lines(err, str(build / "status.json"))) == 1 and "no run recorded yet" in err
    assert len(aside(build / "status.json")) == 1


def test_a_damaged_manifest_renders_again_and_the_run_goes_on(build, fake_notebooks, capsys):
    """The real engine around fake notebooks: a truncated manifest re-renders what it cannot prove current."""
    project = {"build": build, "notebooks": NOTEBOOKS, "batch": BATCH}
    assert cli("render", *ONE_JOB, **project) == 0
    assert cli("render", *ONE_JOB, **project) == 0
    assert fake_notebooks == ["2019/eenheid/cter"]  # up to date: skipped
    manifest = build / "manifest.json"
    manifest.write_text(manifest.read_text()[:40])
    capsys.readouterr()
    assert cli("render", *ONE_JOB, **project) == 0
    err = capsys.readouterr().err
    assert len(damaged_lines(err, str(manifest))) == 1 and "Traceback" not in err
    assert fake_notebooks == ["2019/eenheid/cter"] * 2 and json.loads(manifest.read_text())["jobs"]


# --- monitoring that sees every outcome ---------------------------------------------------------------------

def test_a_run_is_recorded_as_it_starts(build, fake_steps):
    seen = {}

    def steps(record):
        seen.update(document(build)["last"])
        record.phase("render")
        seen["phase"] = document(build)["last"]["phase"]
        return 0

    fake_steps(steps)
    assert run(build) == 0
    assert seen["state"] == "running" and seen["exit_code"] is None and seen["pid"] == os.getpid()
    assert seen["command"][:2] == ["jaarverslag", "--data-dir"] and "run" in seen["command"]
    assert seen["process_start"] and seen["phase"] == "render"
    assert document(build)["last"]["state"] == "finished"


def test_a_run_in_progress_is_shown_and_does_not_count_as_failure(build, fake_steps, capsys):
    fake_steps(lambda record: 1)
    assert run(build) == 1

    def steps(record):
        assert cli("status", build=build) == 1  # the run before it: a notebook failed
        assert cli("status", "--json", build=build) == 1
        return 0

    fake_steps(steps)
    capsys.readouterr()
    assert run(build) == 0
    out = capsys.readouterr().out
    assert f"running since {document(build)['history'][0]['started']} (pid {os.getpid()}" in out
    shown = json.loads(out[out.index("{"):out.rindex("}") + 1])
    assert shown["last"]["state"] == "running" and [r["state"] for r in shown["history"]] == ["running", "finished"]


def _dead_run(build, pid=None, process_start=None):
    """status.json as a run left it that died without a word (SIGKILL, OOM, power loss)."""
    if pid is None:
        child = subprocess.Popen(["true"])
        child.wait()
        pid = child.pid
    last = {"state": "running", "started": "2026-11-30T02:30:00+00:00", "updated": "2026-11-30T02:31:40+00:00",
            "finished": None, "exit_code": None, "outcome": "running", "phase": "render", "pid": pid,
            "process_start": process_start, "boot_id": status._boot_id(), "jobs": {"executed": 26, "skipped": 0,
            "failed": 0, "infrastructure": 0}, "reports": {}, "failures": [], "error": "", "repairs": []}
    earlier = {"started": "2026-11-29T02:30:00+00:00", "finished": "2026-11-29T02:40:00+00:00", "state": "finished",
               "exit_code": 0, "outcome": "ok", "jobs": {}}
    build.mkdir(exist_ok=True)
    (build / "status.json").write_text(json.dumps({"last": last, "history": [status._brief(last), earlier]}))


@pytest.mark.parametrize("reused", [False, True], ids=["gone", "pid reused"])
def test_a_run_that_died_unseen_is_reported_as_killed(build, capsys, tmp_path, reused):
    # pid reused: the pid is alive (this test's process) but started at another moment than the run recorded
    _dead_run(build, *((os.getpid(), 1) if reused else ()))
    assert cli("status", build=build) == 3
    out = capsys.readouterr().out
    assert "did not finish (killed)" in out and "during render" in out and "26 executed" in out
    assert cli("status", "--json", build=build) == 3
    shown = json.loads(capsys.readouterr().out)
    assert shown["last"]["state"] == "killed" and shown["history"][0]["state"] == "killed"
    metrics = tmp_path / "jaarverslag.prom"
    assert cli("status", "--metrics", metrics, build=build) == 3
    text = metrics.read_text()
    assert "jaarverslag_last_run_killed 1\n" in text and "jaarverslag_last_run_exit_code 3\n" in text
    assert "jaarverslag_last_run_duration_seconds 100\n" in text and 'jaarverslag_jobs{outcome="executed"} 26\n' in text


def test_the_next_run_records_the_killed_run_in_its_history(build, fake_steps):
    _dead_run(build)
    fake_steps(lambda record: 0)
    assert run(build) == 0
    history = document(build)["history"]
    assert [(h["state"], h["exit_code"]) for h in history] == [("finished", 0), ("killed", None), ("finished", 0)]
    assert cli("status", build=build) == 0


def test_notify_gets_an_absolute_path_and_may_be_told_of_success(build, fake_steps, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fake_steps(lambda record: 0)
    notified = tmp_path / "notified"
    command = f'printf "%s\\n%s\\n%s\\n" "$1" "$JAARVERSLAG_STATUS" "$JAARVERSLAG_EXIT_CODE" > {notified}'
    assert run(Path("build"), "--notify", command) == 0
    assert not notified.exists()  # default: failures only
    assert run(Path("build"), "--notify", command, "--notify-on", "always") == 0
    path, env, code = notified.read_text().splitlines()
    assert path == env == str(tmp_path / "build" / "status.json") and code == "0"


def test_a_build_directory_that_cannot_be_written_is_recorded_outside_it(build, fake_notebooks, tmp_path, monkeypatch,
                                                                          capsys):
    """A read-only build directory, faked: tests run as root, which chmod does not stop. Every file moved into
    place under build/ fails with EROFS, as on a filesystem mounted read-only; writing elsewhere works."""
    build.mkdir()
    real = os.replace

    def read_only(src, dst):
        if str(dst).startswith(str(build)):
            raise OSError(errno.EROFS, "Read-only file system", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", read_only)
    notified = tmp_path / "notified"
    metrics = tmp_path / "metrics" / "jaarverslag.prom"
    project = {"build": build, "notebooks": NOTEBOOKS, "batch": BATCH}
    code = cli("run", "--config", ROOT / "_quarto.yml", "--jobs", "1", "--no-pdf", *ONE_JOB, "--metrics", metrics,
               "--notify", f'cp "$1" {notified}', **project)
    assert code == 3
    fallback = status.fallback(Layout(build))
    assert fallback.is_relative_to(tmp_path / "state")
    last = json.loads(fallback.read_text())["last"]
    assert last["exit_code"] == 3 and "Read-only file system" in last["error"] and last["status_file"] == str(fallback)
    assert last["jobs"]["executed"] == 1  # what it did before the disk refused
    assert json.loads(notified.read_text())["last"] == last
    assert f"the status goes to {fallback}" in capsys.readouterr().err
    assert "jaarverslag_last_run_exit_code 3\n" in metrics.read_text()
    assert cli("status", build=build) == 3 and "Read-only" in capsys.readouterr().out

    monkeypatch.setattr(os, "replace", real)  # writable again: the next run records there, the fallback merged back
    monkeypatch.setattr(pipeline, "_steps", lambda options, layout, record: 0)
    assert run(build) == 0
    assert not fallback.exists()
    assert [h["exit_code"] for h in document(build)["history"]] == [0, 3]


def test_the_fallback_is_the_units_state_directory_under_systemd(build, tmp_path, monkeypatch):
    monkeypatch.setenv("STATE_DIRECTORY", f"{tmp_path / 'unit'}:{tmp_path / 'other'}")
    assert status.fallback(Layout(build)).parent.parent == tmp_path / "unit"
    assert status.fallback(Layout(build)) != status.fallback(Layout(tmp_path / "another-build"))


def test_a_full_disk_is_recorded_and_notified(build, fake_steps, tmp_path):
    def steps(record):
        raise OSError(errno.ENOSPC, "No space left on device")

    fake_steps(steps)
    notified = tmp_path / "notified"
    assert run(build, "--notify", f'echo "$JAARVERSLAG_EXIT_CODE" > {notified}') == 3
    assert document(build)["last"]["error"].endswith("No space left on device") and notified.read_text() == "3\n"


def test_an_interrupted_run_records_the_jobs_it_finished(build, fake_notebooks, monkeypatch):
    real = engine.execute

    def interrupted_at_the_second(job, *args):
        if len(fake_notebooks) == 1:
            raise KeyboardInterrupt  # Ctrl-C while the second notebook runs
        return real(job, *args)

    monkeypatch.setattr(engine, "execute", interrupted_at_the_second)
    project = {"build": build, "notebooks": NOTEBOOKS, "batch": BATCH}
    code = cli("run", "--config", ROOT / "_quarto.yml", "--jobs", "1", "--no-pdf", "--year", "2019", "--region",
               "eenheid", "--chapter", "cter", "--chapter", "cybercrime", **project)
    assert code == 130
    last = document(build)["last"]
    assert last["state"] == "interrupted" and last["exit_code"] == 130
    assert last["jobs"] == {"executed": 1, "skipped": 0, "failed": 0, "infrastructure": 0}


def test_metrics_file(build, fake_steps, tmp_path):
    fake_steps(lambda record: 0)
    metrics = tmp_path / "textfile" / "jaarverslag.prom"
    assert run(build, "--metrics", metrics) == 0
    text = metrics.read_text()
    started = document(build)["last"]
    for name in ("jaarverslag_run_running 0", "jaarverslag_last_run_exit_code 0", "jaarverslag_last_run_killed 0",
                 'jaarverslag_jobs{outcome="failed"} 0', "# TYPE jaarverslag_last_run_duration_seconds gauge"):
        assert f"{name}\n" in text
    from datetime import datetime
    ended = int(datetime.fromisoformat(started["finished"]).timestamp())
    assert f"jaarverslag_last_run_timestamp_seconds {ended}\n" in text
    assert f"jaarverslag_last_success_timestamp_seconds {ended}\n" in text
    assert list(metrics.parent.iterdir()) == [metrics]  # no temporary *.prom the collector could read half of


# --- smaller points -------------------------------------------------------------------------------------------

def test_global_options_may_follow_the_command(tmp_path, capsys):
    from jaarverslag.cli import main

    data = tmp_path / "elsewhere"
    assert main(["validate", "--data-dir", str(data)]) == 2
    assert str(data) in capsys.readouterr().err
    assert main(["--data-dir", str(ROOT / "data"), "validate"]) == 0
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--data-dir DATA_DIR" in capsys.readouterr().out


def test_bad_input_from_a_wrong_directory_writes_nothing_there(build, data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    edit_csv(data_dir / "observations.csv", lambda f: f.assign(value=f["value"].where(f.index != 0, "veel")))
    notified = tmp_path / "notified"
    assert run(Path("build"), "--notify", f'cp "$1" {notified}', data=data_dir) == 2
    assert not (tmp_path / "build").exists()
    recorded = json.loads(notified.read_text())["last"]
    assert recorded["exit_code"] == 2 and "'veel' is not a number" in recorded["error"]
    assert status.fallback(Layout(Path("build"))).is_relative_to(tmp_path / "state")
    assert cli("status", build=Path("build")) == 2 and "'veel'" in capsys.readouterr().out


# --- with real notebooks, in a process of its own ------------------------------------------------------------

def _subprocess(command, build, *extra):
    args = [sys.executable, "-m", "jaarverslag.cli", *cli_args(command, *extra, build=build)]
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture(scope="module")
def one_job(tmp_path_factory):
    """A build after a run of ONE_JOB, made once for the module (its status fallback private, as with `build`)."""
    root = tmp_path_factory.mktemp("one-job")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(root / "state"))
        patch.delenv("STATE_DIRECTORY", raising=False)
        assert run(root / "build", *ONE_JOB) == 0
    return Snapshot(root / "build")


@pytest.fixture
def ran_one_job(one_job, build):
    """A build as `run(build, *ONE_JOB)` leaves it (requests `build` for its private status fallback)."""
    return one_job.restore()


@pytest.mark.slow
@pytest.mark.parametrize("name, command", [("manifest.json", "render"), ("manifest.journal", "run"),
                                           ("publications.json", "publish"), ("status.json", "run")])
def test_a_truncated_state_file_heals_in_the_next_command(ran_one_job, name, command):
    build = ran_one_job
    path = build / name
    if name == "manifest.journal":  # merged after every run: as a power loss leaves it
        path.write_text('{"job": "2019/eenheid/cter", "key": "')
    else:
        path.write_text(path.read_text()[:len(path.read_text()) // 2])
    extra = [*ONE_JOB, "--no-pdf"] if command != "render" else ONE_JOB
    if command == "run":
        extra += ["--config", ROOT / "_quarto.yml"]
    if command == "publish":
        extra = ["--year", "2019", "--region", "eenheid", "--no-pdf"]
    result = _subprocess(command, build, *extra)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert len(damaged_lines(result.stderr, str(path))) == 1
    assert len(aside(path)) == 1
    again = _subprocess("run", build, *ONE_JOB, "--no-pdf", "--config", ROOT / "_quarto.yml")
    assert again.returncode == 0 and "is damaged" not in again.stderr


@pytest.mark.slow
def test_a_run_killed_with_sigkill_is_reported_and_the_next_run_heals(build):
    args = [sys.executable, "-m", "jaarverslag.cli",
            *cli_args("run", *ONE_JOB, "--no-pdf", "--jobs", "1", "--config", ROOT / "_quarto.yml", build=build)]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (build / "status.json").is_file() or document(build)["last"].get("phase") != "render":
        assert time.monotonic() < deadline and process.poll() is None, "the run never reached render"
        time.sleep(0.05)
    assert document(build)["last"]["state"] == "running"
    process.send_signal(signal.SIGKILL)
    process.wait()

    shown = _subprocess("status", build, "--json")
    assert shown.returncode == 3
    assert json.loads(shown.stdout)["last"]["state"] == "killed"
    told = _subprocess("status", build)
    assert told.returncode == 3 and "did not finish (killed)" in told.stdout and "during render" in told.stdout

    assert run(build, *ONE_JOB) == 0
    assert [h["state"] for h in document(build)["history"]] == ["finished", "killed"]
