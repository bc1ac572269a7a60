"""Faults that must stay small: one report's PDF, a hung Chromium, a full disk, a killed run's children."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import ROOT, cli, cli_args
from jaarverslag.engine.janitor import PREFIX, descendants
from jaarverslag.errors import InfrastructureError, ResourceError
from jaarverslag.publish import pdf


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], seconds: float = 2.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def test_a_hung_chromium_is_killed_with_its_children_after_a_time_that_scales_with_the_page(tmp_path, monkeypatch):
    """A Chromium that never finishes, and starts a helper of its own: both end at the timeout."""
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    pids = tmp_path / "pids"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $$ $! > {pids}\nsleep 300\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(pdf, "TIMEOUT_BASE", 1.0)
    html = tmp_path / "report.html"
    html.write_text("<p>x</p>" * 50_000)  # 0,4 MB: the limit grows with it
    assert pdf.timeout_for(html) == pytest.approx(1.0 + pdf.TIMEOUT_PER_MB * 0.4)
    monkeypatch.setattr(pdf, "TIMEOUT_PER_MB", 2.5)  # 1 s + 1 s for this page
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF previous")
    began = time.monotonic()
    with pytest.raises(InfrastructureError, match=r"did not finish printing .* within 2 s"):
        pdf.print_numbered(html, target, tmp_path, None)
    assert time.monotonic() - began < 5
    assert _wait_gone([int(p) for p in pids.read_text().split()]) == []
    assert target.read_bytes() == b"%PDF previous"  # the previous PDF stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "pids", "report.html", "report.pdf"]  # no draft left


def test_a_child_started_to_die_with_its_parent_dies_when_the_parent_is_killed(tmp_path):
    """PR_SET_PDEATHSIG: what the run starts ends when a SIGKILL ends the run, with no watchdog involved."""
    script = (
        "import subprocess, sys\n"
        "from jaarverslag.engine.owner import die_with_parent\n"
        "child = subprocess.Popen(['sleep', '300'], preexec_fn=die_with_parent)\n"
        "print(child.pid, flush=True)\n"
        "sys.stdin.read()\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _wait_gone([child], 1.0) == []


def test_a_report_whose_pdf_fails_keeps_its_previous_pdf_and_the_rest_is_published(rendered, tmp_path, monkeypatch, capsys):
    build = tmp_path / "build"
    shutil.copytree(rendered, build)
    site = build / "site"
    failing = site / "2019" / "eenheid" / "jaarverslag-2019-eenheid.pdf"
    other = site / "2019" / "rotterdam-zuid" / "jaarverslag-2019-rotterdam-zuid.pdf"
    before, other_before = failing.read_bytes(), other.stat().st_mtime_ns
    (site / "index.html").unlink()
    real = pdf.print_numbered

    def chromium_fails_for_the_unit(html, target, *links):
        if "eenheid" in html.name:
            raise InfrastructureError(f"chromium could not print {html}: crashed")
        real(html, target, *links)

    monkeypatch.setattr("jaarverslag.publish.report.print_numbered", chromium_fails_for_the_unit)
    code = cli("publish", "--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", "--force", build=build)
    assert code == 3
    err = capsys.readouterr().err
    assert "2019/eenheid: PDF not printed, the previous one stays" in err
    assert failing.read_bytes() == before
    assert other.stat().st_mtime_ns > other_before  # the other report was printed again
    assert (site / "index.html").is_file()  # and the index published


def test_a_full_disk_stops_the_run_at_the_first_job(tmp_path, monkeypatch, capsys):
    """No retry and no further job once a write fails with ENOSPC: exit 3 with the reason."""
    calls = []

    def disk_full(notebook, *args, **kwargs):
        calls.append(notebook)
        raise ResourceError(f"{notebook}: [Errno 28] No space left on device")

    monkeypatch.setattr("jaarverslag.engine.render.render", disk_full)
    code = cli("render", "--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", "--jobs", "1",
               build=tmp_path / "build")
    assert code == 3
    assert len(calls) == 1
    assert "No space left on device" in capsys.readouterr().err


TWO = ("--year", "2019", "--region", "eenheid", "--chapter", "cter", "--chapter", "cybercrime")  # one a worker, a PDF: 12 s
SMALL = ("--year", "2019", "--region", "eenheid")  # ten notebooks and a PDF: about 20 s
LARGE = ("--year", "2018", "--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid")  # 40 and 4: a minute
MATRIX = {"2 s": TWO, "8 s": SMALL, "25 s": LARGE, "publish": TWO}  # the smallest still running at that moment


def _run_in_its_own_process(build: Path, matrix: tuple[str, ...]) -> subprocess.Popen:
    """`jaarverslag run` of these reports on a private build directory."""
    args = [sys.executable, "-m", "jaarverslag.cli", *cli_args("run", "--config", ROOT / "_quarto.yml", "--jobs", "2",
                                                               *matrix, build=build)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _files(build: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in build.rglob("*") if p.is_file()} if build.is_dir() else {}


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["2 s", "8 s", "25 s", "publish"])
def test_nothing_outlives_a_killed_run(tmp_path, moment):
    """SIGKILL at a moment of the run: within 2 s no process of it is left (Chromium included), nothing is
    written afterwards, and no temporary file or folder stays in /tmp or build/."""
    build, matrix = tmp_path / "build", MATRIX[moment]
    process = _run_in_its_own_process(build, matrix)
    seen: dict[int, str] = {}
    began = time.monotonic()

    def due() -> bool:
        if moment == "publish":  # a Chromium is printing
            return any("chromium" in _command(pid) for pid in seen if _alive(pid))
        return time.monotonic() - began >= float(moment.split()[0])

    while not due():
        assert process.poll() is None, f"the run ended before {moment}"
        seen.update(descendants(process.pid))
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed = time.monotonic()
    left = _wait_gone(list(seen), 2.0)
    assert left == [], f"processes of the run outlived it: {[_command(pid) for pid in left]}"
    time.sleep(max(0.0, killed + 2.0 - time.monotonic()))
    after = _files(build)
    time.sleep(1.0)
    assert _files(build) == after, "a file was written after the run was dead"
    assert not [p for p in after if Path(p).name.startswith(".") and ".tmp" in Path(p).name]
    left = [str(f) for d in Path(tempfile.gettempdir()).glob(f"{PREFIX}{process.pid}-*") for f in [d, *d.rglob("*")]]
    assert left == [], "the run's scratch folder stayed"
    assert not list(Path(tempfile.gettempdir()).glob(f"jaarverslag-kernel-*-{process.pid}-*"))
    assert cli("run", "--config", ROOT / "_quarto.yml", *matrix, build=build) == 0  # and the next run heals


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def test_the_run_log_is_rotated_by_size(tmp_path, monkeypatch):
    from jaarverslag import logfile

    log = tmp_path / "run.log"
    monkeypatch.setattr(logfile, "LIMIT", 100)
    for n in range(8):
        log.write_text(f"run {n}\n" * 20)  # 120 bytes: over the limit
        logfile.rotate(log)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"run.log.{n}" for n in range(1, logfile.KEEP + 1)]
    assert (tmp_path / "run.log.1").read_text().startswith("run 7") and (tmp_path / "run.log.5").read_text().startswith("run 3")
    script = f"from jaarverslag import logfile; logfile.redirect({str(log)!r}); print('out'); import os; os.system('echo child >&2')"
    subprocess.run([sys.executable, "-c", script], check=True)
    assert log.read_text() == "out\nchild\n" or log.read_text() == "child\nout\n"
