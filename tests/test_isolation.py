"""Faults that must stay small: one report's PDF, a hung Chromium, a full disk, a killed run's children."""

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import CHROMIUM, ROOT, cli, cli_args
from jaarverslag.engine.janitor import PREFIX, descendants
from jaarverslag.errors import InfrastructureError, JaarverslagError, ResourceError
from jaarverslag.publish import pdf
from jaarverslag.publish.devtools import ProtocolError, Tab


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


def print_all(reports: list[tuple[Path, Path]], site: Path) -> dict:
    """What the publish step does with its reports' pages: the failures by PDF."""
    with pdf.Printer(site, None) as printer:
        for html, target in reports:
            printer.add(html, target)
    return printer.failures


def test_without_chromium_printing_is_a_set_up_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(JaarverslagError, match="chromium not found: install Debian's package"):
        print_all([(tmp_path / "report.html", tmp_path / "report.pdf")], tmp_path)


def test_a_chromium_that_hangs_at_its_start_is_killed_with_its_children(tmp_path, monkeypatch):
    """A Chromium that never answers, and starts a helper of its own: both end at the launch timeout, each time."""
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    pids = tmp_path / "pids"
    fake.write_text(f"#!/bin/sh\nsleep 300 &\necho $$ $! >> {pids}\nsleep 300\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(pdf, "LAUNCH_TIMEOUT", 1.0)
    html, target = tmp_path / "report.html", tmp_path / "report.pdf"
    html.write_text("<p>x</p>")
    target.write_bytes(b"%PDF previous")
    began = time.monotonic()
    failures = print_all([(html, target)], tmp_path)
    assert time.monotonic() - began < 10
    assert list(failures) == [target] and str(failures[target]) == "chromium did not start within 1 s"
    started = [int(p) for p in pids.read_text().split()]
    assert len(started) == 6  # the early start, the report's try and its retry: each a Chromium and its helper
    assert _wait_gone(started) == []
    assert target.read_bytes() == b"%PDF previous"  # the previous PDF stays
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "pids", "report.html", "report.pdf"]  # no draft left


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_hung_page_is_given_up_after_a_time_that_scales_with_the_page_and_its_chromium_killed(tmp_path, monkeypatch):
    """A page that never finishes loading: after the time its size allows, that Chromium (helpers included) is
    killed; the retry in a new Chromium hangs too; the previous PDF stays."""
    monkeypatch.setattr(pdf, "TIMEOUT_BASE", 1.0)
    html, target = tmp_path / "report.html", tmp_path / "report.pdf"
    html.write_text("<p>x</p>" * 50_000 + "<script>for (;;) {}</script>")  # 0,4 MB: the limit grows with it
    assert pdf.timeout_for(html) == pytest.approx(1.0 + pdf.TIMEOUT_PER_MB * 0.4, abs=0.01)
    monkeypatch.setattr(pdf, "TIMEOUT_PER_MB", 2.5)  # 1 s + 1 s for this page
    target.write_bytes(b"%PDF previous")
    chromium, kill = set(), pdf._Chromium.kill
    existing = set(descendants(os.getpid()))  # a browser of the test session's own is not this one
    theirs = {pid for pid in existing if "chromium" in _command(pid)}  # nor is a helper it starts meanwhile

    def noting_kill(self, *browser):
        chromium.update(pid for pid in descendants(os.getpid())
                        if pid not in existing and "chromium" in _command(pid) and not theirs & set(_ancestors(pid)))
        kill(self, *browser)

    monkeypatch.setattr(pdf._Chromium, "kill", noting_kill)
    failures = print_all([(html, target)], tmp_path)
    assert list(failures) == [target]
    assert re.fullmatch(r"chromium did not finish printing .*report\.html within 2 s", str(failures[target]))
    assert chromium and _wait_gone(list(chromium), 5.0) == []  # a loaded machine reaps slowly
    assert target.read_bytes() == b"%PDF previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.pdf"]  # no draft left


def test_a_report_whose_pages_did_not_move_is_printed_once(rendered, tmp_path, monkeypatch):
    """publish --force on a published build: the PDF a print replaces gives the contents' page numbers, so a report
    whose pages did not move is printed once; one without its old PDF twice. Either way the contents give the
    page each entry really starts on."""
    build = tmp_path / "build"
    shutil.copytree(rendered, build)
    pdfs = sorted(build.glob("site/*/*/jaarverslag-*.pdf"))
    gone = build / "site" / "2019" / "eenheid" / "jaarverslag-2019-eenheid.pdf"
    gone.unlink()
    prints, real = [], Tab.pdf

    async def counted(page, **options):
        prints.append(Path(page.url).stem)
        return await real(page, **options)

    monkeypatch.setattr(Tab, "pdf", counted)
    assert cli("publish", "--region", "eenheid", "--region", "rotterdam-zuid", "--force", build=build) == 0
    assert sorted(prints) == sorted([*(p.stem for p in pdfs), gone.stem])  # the unit's twice, the others once
    for printed in pdfs:
        html = printed.with_suffix(".html").read_text(encoding="utf-8")
        shown = {target: int(page) for target, page in re.findall(r'<span class="toc-page" data-target="([^"]+)">(\d+)</span>', html)}
        landed = pdf.destination_pages(printed)
        assert shown and shown == {target: landed[target] for target in shown}, printed.name


def _contents(sections: int) -> str:
    """A report whose contents list two entries; `sections` pages of text before the second."""
    box = '<span class="toc-page" data-target="{0}"></span>'
    pages = "".join(f'<section style="break-before: page"><p>Tekst {n}</p></section>' for n in range(sections))
    return (f'<!doctype html><meta charset="utf-8"><nav><a href="#inleiding">Inleiding {box.format("inleiding")}</a> '
            f'<a href="#cijfers">Cijfers {box.format("cijfers")}</a></nav>'  # a link makes Chromium write the destination
            f'<h1 id="inleiding" style="break-before: page">Inleiding</h1>{pages}'
            '<h1 id="cijfers" style="break-before: page">Cijfers</h1>')


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_report_like_the_last_one_printed_is_printed_once_and_its_numbers_are_checked(tmp_path, monkeypatch):
    """A build without PDFs: the first report needs a draft for its contents' page numbers; the next, with the
    same contents, is printed once with them; one whose pages moved is printed again with its own."""
    monkeypatch.setattr(pdf, "PAGES", 1)  # one after the other
    reports = [(tmp_path / f"{name}.html", tmp_path / f"{name}.pdf") for name in ("eerste", "gelijk", "langer")]
    for (html, _), sections in zip(reports, (1, 1, 3)):
        html.write_text(_contents(sections), encoding="utf-8")
    prints, real = [], Tab.pdf

    async def counted(page, **options):
        prints.append(Path(page.url).stem)
        return await real(page, **options)

    monkeypatch.setattr(Tab, "pdf", counted)
    assert print_all(reports, tmp_path) == {}
    assert prints == ["eerste", "eerste", "gelijk", "langer", "langer"]
    for (html, printed), cijfers in zip(reports, (4, 4, 6)):
        assert pdf.destination_pages(printed) == {"inleiding": 2, "cijfers": cijfers}
        assert f'data-target="cijfers">{cijfers}</span>' in html.read_text(encoding="utf-8")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_page_that_crashes_while_it_loads_fails_at_once_and_is_printed_again(tmp_path, monkeypatch):
    """A renderer that dies (out of memory, say) while its report loads: that print fails at once, not after the
    time a hung page gets, and the report is printed again (Chromium 156 takes the browser down with it)."""
    reports = [(tmp_path / "verslag.html", tmp_path / "verslag.pdf")]
    busy = "<script>const until = Date.now() + 1000; while (Date.now() < until) {}</script>"  # holds the load event
    reports[0][0].write_text(_contents(1).replace("</nav>", f"</nav>{busy}"), encoding="utf-8")
    loads, real = [], Tab.goto

    async def crashing(page, url):
        loads.append(url)
        if len(loads) > 1:
            return await real(page, url)
        loaded = page.browser.event("Page.loadEventFired", page.session)
        await page.browser.send("Page.navigate", {"url": url}, page.session)  # on its way: committed, not loaded
        with contextlib.suppress(ProtocolError):  # the command dies with its page
            await page.browser.send("Page.crash", session=page.session)
        await loaded

    monkeypatch.setattr(Tab, "goto", crashing)
    began = time.monotonic()
    assert print_all(reports, tmp_path) == {}
    assert len(loads) == 2 and time.monotonic() - began < pdf.TIMEOUT_BASE  # failed, printed again, no timeout waited for
    assert pdf.destination_pages(reports[0][1]) == {"inleiding": 2, "cijfers": 4}


def test_a_report_whose_pdf_fails_keeps_its_previous_pdf_and_the_rest_is_published(rendered, tmp_path, monkeypatch, capsys):
    build = tmp_path / "build"
    shutil.copytree(rendered, build)
    site = build / "site"
    failing = site / "2019" / "eenheid" / "jaarverslag-2019-eenheid.pdf"
    other = site / "2019" / "rotterdam-zuid" / "jaarverslag-2019-rotterdam-zuid.pdf"
    before, other_before = failing.read_bytes(), other.stat().st_mtime_ns
    (site / "index.html").unlink()
    real = pdf._print_report

    async def chromium_fails_for_the_unit(chromium, page, html, target, *links):
        if "eenheid" in html.name:
            raise InfrastructureError(f"chromium could not print {html}: crashed")
        await real(chromium, page, html, target, *links)

    monkeypatch.setattr(pdf, "_print_report", chromium_fails_for_the_unit)
    code = cli("publish", "--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", "--force", build=build)
    assert code == 3
    err = capsys.readouterr().err
    assert "2019/eenheid: PDF not printed, the previous one stays" in err
    assert failing.read_bytes() == before
    assert other.stat().st_mtime_ns > other_before  # the other report was printed again
    assert (site / "index.html").is_file()  # and the index published


@pytest.mark.parametrize("kills", ["once", "whenever the unit prints"])
def test_a_chromium_killed_while_it_prints_is_started_again(rendered, tmp_path, monkeypatch, capsys, kills):
    """SIGKILL of the publish step's Chromium as the unit's report is printed: the reports it was printing are
    printed again in a new Chromium; a report that fails there too keeps its previous PDF (exit 3), the others
    are published. The browser's profile is in the run's scratch folder, and no Chromium outlives the step."""
    build = tmp_path / "build"
    shutil.copytree(rendered, build)
    site = build / "site"
    unit = site / "2019" / "eenheid" / "jaarverslag-2019-eenheid.pdf"
    before = {pdf: pdf.stat().st_mtime_ns for pdf in site.glob("*/*/*.pdf")}
    unit_before = unit.read_bytes()
    killed, real = [], Tab.pdf
    existing, chromium = set(descendants(os.getpid())), set()  # a browser of the test session's own is not the step's
    theirs = {pid for pid in existing if "chromium" in _command(pid)}  # nor is a helper it starts meanwhile

    async def kill_the_browser_first(page, **options):
        chromium.update(pid for pid in descendants(os.getpid())
                        if pid not in existing and "chromium" in _command(pid) and not theirs & set(_ancestors(pid)))
        if "2019-eenheid" in page.url and (kills != "once" or not killed):
            scratch = os.environ["TMPDIR"]  # the run's scratch folder, where the browser's profile must be
            killed.append([pid for pid in chromium if "--type=" not in _command(pid) and PREFIX in scratch
                           and f"--user-data-dir={scratch}/" in _command(pid)])
            for pid in killed[-1]:
                os.kill(pid, signal.SIGKILL)
        return await real(page, **options)

    monkeypatch.setattr(Tab, "pdf", kill_the_browser_first)
    code = cli("publish", "--region", "eenheid", "--region", "rotterdam-zuid", "--force", build=build)
    err = capsys.readouterr().err
    others = [p for p in before if p != unit]
    assert others and all(p.stat().st_mtime_ns > before[p] for p in others)  # printed again
    if kills == "once":
        assert (code, [len(browsers) for browsers in killed]) == (0, [1])  # the step's one Chromium
        assert unit.stat().st_mtime_ns > before[unit]
    else:
        assert (code, [len(browsers) for browsers in killed]) == (3, [1, 1])  # the first try and the retry
        assert "2019/eenheid: PDF not printed, the previous one stays: chromium could not print" in err
        assert unit.read_bytes() == unit_before
    left = _wait_gone(list(chromium), 5.0)  # a loaded machine reaps slowly
    assert left == [], [(pid, _command(pid)[:200], Path(f"/proc/{pid}/stat").read_text().split()[2:8]) for pid in left]
    assert not [p for p in build.rglob("*") if p.name.startswith(".") and ".tmp" in p.name]


@pytest.mark.slow
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_publish_step_stopped_by_bad_data_prints_nothing_more_and_leaves_no_chromium(rendered, tmp_path, monkeypatch,
                                                                                        capsys):
    """The unit's reports are handed to the printer as the district's data export fails: exit 2 with the reason,
    the browser (printing beside the step) is killed before the step ends, no PDF is half written, and the
    district's PDF, never handed in, is the previous one."""
    import pikepdf

    from jaarverslag.publish import report

    build = tmp_path / "build"
    shutil.copytree(rendered, build)
    site = build / "site"
    district = site / "2019" / "rotterdam-zuid" / "jaarverslag-2019-rotterdam-zuid.pdf"
    previous = district.read_bytes()
    existing = set(descendants(os.getpid()))
    theirs = {pid for pid in existing if "chromium" in _command(pid)}  # the test session's own browser
    real, chromium = report.export, set()

    def bad_data_for_the_district(data, layout, year, region, chapters):
        chromium.update(pid for pid in descendants(os.getpid())
                        if pid not in existing and "chromium" in _command(pid) and not theirs & set(_ancestors(pid)))
        if region == "rotterdam-zuid":
            raise JaarverslagError("data/observations.csv, row 7, column value: bad data")
        return real(data, layout, year, region, chapters)

    monkeypatch.setattr(report, "export", bad_data_for_the_district)
    code = cli("publish", "--region", "eenheid", "--region", "rotterdam-zuid", "--force", build=build)
    assert code == 2 and "row 7, column value: bad data" in capsys.readouterr().err
    assert chromium, "the browser had started beside the step"
    assert _wait_gone(list(chromium), 5.0) == []
    assert district.read_bytes() == previous
    for printed in site.glob("*/*/*.pdf"):
        pikepdf.open(printed).close()  # the previous PDF or a whole new one
    assert not [p for p in build.rglob("*") if p.name.startswith(".") and ".tmp" in p.name]


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


TWO = ("--year", "2019", "--region", "eenheid", "--chapter", "cter", "--chapter", "cybercrime")  # one a worker, a PDF
SMALL = ("--year", "2019", "--region", "eenheid")  # ten notebooks and a PDF
LARGER = ("--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid")  # twenty notebooks and two PDFs
# moments told by what the run does, not by the clock: a fast machine ends a run before a fixed second
MATRIX = {"2 s": TWO, "a kernel runs": SMALL, "half rendered": LARGER, "publish": TWO}  # the smallest still running then


def _run_in_its_own_process(build: Path, matrix: tuple[str, ...]) -> subprocess.Popen:
    """`jaarverslag run` of these reports on a private build directory."""
    args = [sys.executable, "-m", "jaarverslag.cli", *cli_args("run", "--config", ROOT / "_quarto.yml", "--jobs", "2",
                                                               *matrix, build=build)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _files(build: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in build.rglob("*") if p.is_file()} if build.is_dir() else {}


@pytest.mark.slow
@pytest.mark.parametrize("moment", list(MATRIX))
def test_nothing_outlives_a_killed_run(tmp_path, moment):
    """SIGKILL at a moment of the run: within 2 s no process of it is left (Chromium included), nothing is
    written afterwards, and no temporary file or folder stays in /tmp or build/."""
    build, matrix = tmp_path / "build", MATRIX[moment]
    process = _run_in_its_own_process(build, matrix)
    seen: dict[int, str] = {}
    began = time.monotonic()

    def due() -> bool:
        running = [_command(pid) for pid in seen if _alive(pid)]
        if moment == "publish":  # a Chromium is printing
            return any("chromium" in command for command in running)
        if moment == "a kernel runs":
            return any("ipykernel_launcher" in command for command in running)
        if moment == "half rendered":  # ten of the twenty notebooks are written
            return len(list((build / "notebooks").rglob("*.ipynb"))) >= 10
        return time.monotonic() - began >= 2

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


def _ancestors(pid: int) -> list[int]:
    """The parent, grandparent … of pid, as far as /proc tells."""
    chain = []
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        chain.append(pid)
    return chain


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
