"""`jaarverslag preview`: the open page follows the analyst's edits; bad input keeps the last good page."""

import re
import shutil
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

from conftest import CHROMIUM, DATA, NOTEBOOKS, ROOT, edit_csv

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]
CHAPTERS = ("veiligheidsbeeld", "cybercrime", "cter")  # a short report: the point is the loop, not the chapters


@pytest.fixture
def preview(tmp_path):
    """A preview of the 2019 unit report of a project copy, on a free port; yields (url, project, log)."""
    project = tmp_path / "project"
    shutil.copytree(DATA, project / "data")
    shutil.copytree(NOTEBOOKS, project / "notebooks")
    batch = yaml.safe_load((ROOT / "params" / "batch.yaml").read_text(encoding="utf-8"))
    for part in batch["parts"]:
        part["chapters"] = [c for c in part["chapters"] if c["notebook"] in CHAPTERS]
    batch["parts"] = [p for p in batch["parts"] if p["chapters"]]
    (project / "params").mkdir()
    (project / "params" / "batch.yaml").write_text(yaml.safe_dump(batch, allow_unicode=True), encoding="utf-8")
    log = tmp_path / "preview.log"
    with open(log, "w") as sink:
        process = subprocess.Popen([sys.executable, "-m", "jaarverslag.cli", "preview", "--no-browser", "--port", "0"],
                                   cwd=project, stdout=subprocess.PIPE, stderr=sink, text=True)
    try:
        url = re.search(r"http://\S+", process.stdout.readline())[0]
        wait_for(lambda: "report up to date" in log.read_text(), 120)
        yield url, project, log
    finally:
        process.terminate()
        process.wait(30)


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def served(url: str) -> str:
    return urllib.request.urlopen(url).read().decode("utf-8")


def test_the_open_page_shows_an_edit_and_bad_input_keeps_the_last_good_page(preview, browser):
    url, project, log = preview
    page = browser.new_page()
    page.goto(url)
    assert page.locator("h2", has_text="Cybercrime").count() == 1

    narrative = project / "data" / "narratives" / "2019" / "eenheid" / "cybercrime.md"
    narrative.write_text(narrative.read_text(encoding="utf-8") + "\nEen zin die er net bij kwam.\n", encoding="utf-8")
    page.get_by_text("Een zin die er net bij kwam.").wait_for(timeout=60_000)  # reloaded by itself
    assert re.search(r"\[1/1\] 2019/eenheid/cybercrime: executed", log.read_text())  # that chapter alone

    table = project / "data" / "observations.csv"
    good = table.read_bytes()
    edit_csv(table, lambda f: f.assign(value=f["value"].mask(f.index == 0, "veel")))
    banner = page.locator("#preview-error")
    banner.wait_for(timeout=60_000)
    message = "observations.csv, line 2, column 'value'"
    assert message in banner.inner_text() and "veel" in banner.inner_text()
    assert message in log.read_text()  # the terminal says the same
    assert page.get_by_text("Een zin die er net bij kwam.").is_visible()  # the last good page stays

    table.write_bytes(good)
    banner.wait_for(state="detached", timeout=60_000)


def test_a_notebook_edit_renders_that_chapter_only_and_the_build_stays_strict(preview):
    url, project, log = preview
    notebook = project / "notebooks" / "cter.ipynb"
    notebook.write_text(notebook.read_text(encoding="utf-8").replace("## Kerncijfers", "## De kerncijfers"), encoding="utf-8")
    wait_for(lambda: "De kerncijfers" in served(url), 60)
    assert re.findall(r"\[\d+/\d+\] (\S+): executed", log.read_text().split("report up to date", 1)[1]) == [
        "2019/eenheid/cter"]

    page = served(url)
    assert '<script src="/_preview/reload.js"' in page  # as the preview serves it
    assert page.count("connect-src") == 1 and "connect-src 'self'" in page  # the site's policy lets it ask, once
    site = project / "build" / "preview" / "site"
    on_disk = (site / "2019" / "eenheid" / "jaarverslag-2019-eenheid.html").read_text(encoding="utf-8")
    assert "_preview" not in on_disk  # the files are the site's own: no reload script
    assert not list(site.rglob("*.pdf")) and not (project / "build" / "site").exists()  # no PDF, published site untouched
