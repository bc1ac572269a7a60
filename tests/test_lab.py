"""JupyterLab as `make lab` starts it: as root too, the project kernel only and by default, no news
pop-up, and committed notebooks whose stored tables show their styling without being run."""

import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import CHROMIUM, ROOT

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
def lab():
    """`make lab` itself, on a free port with a token (as the CI user: root)."""
    port, token = _free_port(), secrets.token_hex(16)
    options = f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} --IdentityProvider.token={token}"
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
