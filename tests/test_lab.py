"""JupyterLab as `make lab` starts it: as root too, the project kernel only and by default, no news
pop-up, no autosave, committed notebooks whose stored tables show their styling without being run,
and the analyst's flow: set a district and year in the parameters cell, run all, read its tables."""

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request

import pandas as pd
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import CHROMIUM, DATA, NOTEBOOKS, ROOT

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (installed by `make test`)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(url: str, method: str = "GET", body: dict | None = None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """`make lab` itself, on a free port with a token (as the CI user: root), with empty user settings
    and workspaces of its own: the project's defaults apply, and no tab opened here is remembered."""
    port, token = _free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("lab")
    options = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token} "
               f"--LabApp.user_settings_dir={home / 'settings'} --LabApp.workspaces_dir={home / 'workspaces'}")
    process = subprocess.Popen(["make", "--no-print-directory", "lab", f"LAB_ARGS={options}"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _call(f"{base}/api/status?token={token}")
                break
            except OSError:
                if process.poll() is not None:
                    pytest.fail(f"make lab exited {process.returncode}: {process.stderr.read().decode()[-800:]}")
                if time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start")
                time.sleep(0.3)
        yield base, token
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_make_lab_reaches_lab_even_as_root(lab):
    base, token = lab
    status, body = _call(f"{base}/lab?token={token}")
    assert status == 200 and b"JupyterLab" in body
    _, contents = _call(f"{base}/api/contents?token={token}")
    assert "veiligheidsbeeld.ipynb" in {item["name"] for item in json.loads(contents)["content"]}


def test_the_project_kernel_is_the_only_one_and_a_new_notebook_starts_on_it(lab):
    base, token = lab
    _, specs = _call(f"{base}/api/kernelspecs?token={token}")
    specs = json.loads(specs)
    assert specs["default"] == "jaarverslag" and set(specs["kernelspecs"]) == {"jaarverslag"}
    _, session = _call(f"{base}/api/sessions?token={token}", "POST",
                       {"path": "Untitled.ipynb", "type": "notebook", "name": "Untitled.ipynb", "kernel": {}})
    session = json.loads(session)
    try:
        assert session["kernel"]["name"] == "jaarverslag"
    finally:
        _call(f"{base}/api/sessions/{session['id']}?token={token}", "DELETE")


def test_a_committed_notebook_shows_its_styled_tables_without_running(lab, browser):
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/tree/veiligheidsbeeld.ipynb?token={token}")
        met = page.locator("table#T_kpi td", has_text="✔ gehaald").first
        met.wait_for(timeout=60000)
        assert met.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(220, 252, 231)"
        missed = page.locator("table#T_kpi td", has_text="✘ niet gehaald").first
        assert missed.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(254, 226, 226)"
        page.wait_for_timeout(2000)  # the news question would have appeared by now
        assert "notified about official Jupyter news" not in page.content()
        page.screenshot(path=str(ROOT / "build" / "lab-veiligheidsbeeld.png"))
    finally:
        page.close()


def test_lab_does_not_autosave(lab):
    """An analyst's district run must not end up in a committed notebook (nbval compares its stored
    outputs) unless they save it themselves."""
    base, token = lab
    _, body = _call(f"{base}/lab/api/settings/@jupyterlab/docmanager-extension:plugin?token={token}")
    settings = json.loads(body)
    assert settings["schema"]["properties"]["autosave"]["default"] is False
    assert settings["settings"].get("autosave", False) is False


@pytest.fixture
def untouched():
    """Fails the test when the notebook on disk changed during it, and puts it back byte for byte."""
    notebook = NOTEBOOKS / "veiligheidsbeeld.ipynb"
    committed = notebook.read_bytes()
    yield notebook
    now = notebook.read_bytes()
    if now != committed:
        notebook.write_bytes(committed)
        pytest.fail(f"{notebook.name} was written to during the test (restored)")


def _kpi_figures(region: str, year: int) -> tuple[str, dict[str, str]]:
    """The district's name and, per KPI in data/, the figure its table must show for the year."""
    from jaarverslag import formatting

    regions = pd.read_csv(DATA / "regions.csv", dtype=str, keep_default_na=False).set_index("id")
    indicators = pd.read_csv(DATA / "indicators.csv", keep_default_na=False)
    observations = pd.read_csv(DATA / "observations.csv", keep_default_na=False)
    rows = observations[(observations["region"] == region) & (observations["year"] == year)].merge(
        indicators[indicators["kpi_group"] != ""], left_on="indicator", right_on="id")
    return regions.loc[region, "name"], {
        row.label: formatting.value(row.value, row.unit, row.qualifier or None) for row in rows.itertuples()}


def test_an_analyst_runs_a_district_and_year_and_reads_its_kpi_table(lab, browser, untouched):
    """In the browser, as an analyst does it: type a district and year into the parameters cell,
    Run > Run All Cells, and read that district's KPI table, with figures from data/ in Dutch format."""
    base, token = lab
    region, year = "rijnmond-noord", 2018
    name, figures = _kpi_figures(region, year)
    assert len(figures) >= 5 and any("." in f or "," in f for f in figures.values())  # Dutch separators compared

    committed = json.loads(untouched.read_text())
    parameters = next(c for c in committed["cells"] if "parameters" in c["metadata"].get("tags", []))
    source = "".join(parameters["source"])
    edited = source.replace("year = 2019", f"year = {year}").replace('region = "eenheid"', f'region = "{region}"')
    assert edited.count(str(year)) == 1 and edited.count(region) == 1, source

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"{base}/lab/tree/{untouched.name}?token={token}")
        status = page.locator("#jp-main-statusbar")
        status.get_by_text("Python (jaarverslag) | Idle").wait_for(timeout=90000)
        notebook = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook")
        code_cells = notebook.locator(".jp-CodeCell")
        assert code_cells.count() == sum(c["cell_type"] == "code" for c in committed["cells"])

        editor = code_cells.first.locator(".cm-content")
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(edited)
        assert "\n".join(editor.locator(".cm-line").all_inner_texts()) == edited

        caption = f"Veiligheidsbeeld {name}, {year}"  # 2017 has no figures: the table shows 2018 alone
        stored = notebook.locator("table#T_kpi caption").text_content().strip()
        assert stored != caption  # the committed outputs show another region or year

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

        # Run All clears the output of every cell it queues, so a new caption or an error comes from
        # this run; then wait until no cell is queued or running any more, and the kernel is idle.
        try:
            page.wait_for_function(
                """([stored]) => {
                    const captions = [...document.querySelectorAll('.jp-OutputArea table#T_kpi caption')];
                    const failed = document.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]');
                    const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                    return (failed || captions.some(c => c.textContent.trim() !== stored))
                        && !prompts.some(p => p.textContent.includes('*'));
                }""", arg=[stored], timeout=90000)
        except PlaywrightTimeout:
            pytest.fail(f"Run All Cells did not finish within 90 s; tables shown: "
                        f"{notebook.locator('table#T_kpi caption').all_text_contents()}, prompts: "
                        f"{[p.strip() for p in code_cells.locator('.jp-InputPrompt').all_text_contents()]}")
        status.get_by_text("Python (jaarverslag) | Idle").wait_for(timeout=30000)

        # Text content, not inner text: JupyterLab skips laying out cells scrolled out of view.
        errors = [text for text in page.locator(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').all_text_contents()
            if "Traceback" in text or "Error" in text]
        assert not errors, errors[0][-2000:]
        prompts = [p.strip() for p in code_cells.locator(".jp-InputPrompt").all_text_contents()]
        assert all(p[:1] == "[" and p[1:-2].isdigit() for p in prompts), prompts

        outputs = notebook.locator(".jp-OutputArea")
        assert outputs.locator("h1", has_text=f"Regionaal Veiligheidsbeeld {year}").count() == 1
        table = outputs.locator("table#T_kpi")
        assert table.count() == 1
        table.scroll_into_view_if_needed()
        assert table.locator("caption").inner_text().strip() == caption
        headers = [h.replace("\u00ad", "").strip() for h in table.locator("thead th").all_inner_texts()]
        assert headers == [str(year)], headers  # no figures of 2017 and no streefwaarden: only the year's column
        shown = {}
        for row in table.locator("tbody tr").all():
            label = row.locator("th").last.inner_text().replace("\u00ad", "").strip()
            shown[label] = row.locator("td").nth(0).inner_text().strip()
        assert {label: shown.get(label) for label in figures} == figures

        shots = ROOT / "build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / f"lab-veiligheidsbeeld-{region}-{year}.png"))
    finally:
        page.close()
