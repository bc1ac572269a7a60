"""JupyterLab starts on loopback with the project kernel and serves the notebooks."""

import json
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import NOTEBOOKS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read()


@pytest.fixture
def lab():
    port, token = _free_port(), secrets.token_hex(16)
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--ServerApp.port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={NOTEBOOKS}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/status?token={token}")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("JupyterLab did not start")
                time.sleep(0.3)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_lab_serves_the_notebooks_with_the_project_kernel(lab):
    base, token = lab
    status, body = _get(f"{base}/lab?token={token}")
    assert status == 200 and b"JupyterLab" in body
    _, contents = _get(f"{base}/api/contents?token={token}")
    assert "veiligheidsbeeld.ipynb" in {item["name"] for item in json.loads(contents)["content"]}
    _, specs = _get(f"{base}/api/kernelspecs?token={token}")
    assert "jaarverslag" in json.loads(specs)["kernelspecs"]
