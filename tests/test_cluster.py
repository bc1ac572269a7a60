"""Dask clusters: `jaarverslag worker`, workers that share nothing with the client, and the ones it refuses.

The slow tests start a real `dask scheduler` and workers as processes of their own, each in an
empty directory of its own, as on other machines; fast ones check the pieces in this process.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from conftest import DATA, NOTEBOOKS, ROOT, cli
from jaarverslag.engine import batch, cluster, hashing
from jaarverslag.engine.layout import Layout
from jaarverslag.engine.manifest import Manifest, Result

SMALL = ["--year", "2019", "--region", "eenheid", "--region", "rotterdam-zuid", "--chapter", "cter"]
TESTS = Path(__file__).parent


class Cluster:
    """A `dask scheduler` process and the workers a test starts; all killed at the end."""

    def __init__(self, home: Path):
        self.home, self.processes = home, []
        home.mkdir()
        file = home / "scheduler.json"
        self.scheduler = self._start([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                      "--port", "0", "--no-dashboard", "--scheduler-file", str(file)], home, "scheduler")
        deadline = time.monotonic() + 30
        while True:
            try:
                self.address = json.loads(file.read_text())["address"]
                break
            except (OSError, ValueError):
                assert time.monotonic() < deadline, (home / "scheduler.log").read_text()
                time.sleep(0.05)

    def _start(self, command, cwd, name, env=None):
        with open(self.home / f"{name}.log", "w") as log:
            process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def worker(self, name, *, python=sys.executable, command=("-m", "jaarverslag.cli", "worker"), env=None):
        """A worker started in an empty directory of its own (its working and local directory)."""
        home = self.home / name
        home.mkdir()
        return self._start([python, *command, self.address, "--local-directory", str(home), "--name", name],
                           home, name, {**os.environ, **(env or {})})

    def log(self, name):
        return (self.home / f"{name}.log").read_text()

    def client(self, workers):
        from dask.distributed import Client

        client = Client(self.address, timeout=30)
        client.wait_for_workers(workers, timeout=60)
        return client

    def close(self):
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGKILL)  # a worker's nanny and its worker process
            except ProcessLookupError:
                pass
            process.wait()


@pytest.fixture
def dask_cluster(tmp_path):
    started = Cluster(tmp_path / "cluster")
    yield started
    started.close()


def render(build, *extra, notebooks=NOTEBOOKS):
    return cli("render", *SMALL, *extra, build=build, notebooks=notebooks)


def nothing_landed(build):
    layout = Layout(build)
    return not Manifest(layout).entries and not (build / "notebooks").exists() and not (build / "reports").exists()


# --- fast: the pieces ---------------------------------------------------------------------------------------

HASHES = {"library": "a" * 64, "notebook": "b" * 64, "data": "c" * 64}


def identity(library="a" * 64, kernel="/k", notebook="b" * 64):
    return cluster.Identity("0.1.0", library, kernel, notebook)


def test_a_worker_with_another_library_is_refused_with_both_hashes_and_the_fix():
    reason = cluster.refusal("tcp://10.0.0.7:40001", identity(library="d" * 64), HASHES)
    assert "tcp://10.0.0.7:40001" in reason and "d" * 16 in reason and "a" * 16 in reason
    assert "install the client's version on the worker" in reason
    assert cluster.refusal("tcp://10.0.0.7:40001", identity(), HASHES) is None


def test_a_worker_without_the_kernel_is_refused_with_the_command_that_registers_it():
    reason = cluster.refusal("tcp://10.0.0.7:40001", identity(kernel=None), HASHES)
    assert "tcp://10.0.0.7:40001" in reason and "python -m ipykernel install --sys-prefix --name jaarverslag" in reason
    assert "$(BIN)/python -m ipykernel install --sys-prefix --name jaarverslag" in (ROOT / "Makefile").read_text()


def test_a_notebook_that_changed_after_planning_is_refused():
    assert "changed while the run started" in cluster.refusal("tcp://w:1", identity(notebook="e" * 64), HASHES)


def test_the_client_refuses_outputs_a_worker_rendered_with_another_library():
    """Also from a worker that rendered anyway (one that does not check itself): its outputs never land."""
    result = Result("2019/eenheid/cter", "key", "executed", {}, HASHES)
    delivery = batch.Delivery("tcp://w:1", identity(library="d" * 64), result, [b"{}", b"<html>"])
    assert "another jaarverslag library" in batch._refusal(None, None, delivery, HASHES)
    assert batch._refusal(None, None, batch.Delivery("tcp://w:1", identity(), result, []), HASHES) is None


def test_worker_command_passes_the_options_to_dask(tmp_path):
    command = cluster.worker_command("tls://host:8786", {"--nthreads": 1, "--memory-limit": "3GB", "--name": None,
                                                         "--tls-ca-file": tmp_path / "ca.pem"})
    assert command[1:] == ["-m", "distributed.cli.dask_worker", "tls://host:8786", "--nthreads", "1", "--memory-limit",
                           "3GB", "--tls-ca-file", str(tmp_path / "ca.pem")]


def test_worker_refuses_to_start_without_the_kernel(monkeypatch, capsys):
    monkeypatch.setattr(cluster, "kernel_directory", lambda: None)
    monkeypatch.setattr(os, "execv", lambda *args: pytest.fail("the worker started"))
    assert cli("worker", "tcp://127.0.0.1:8786") == 2
    assert "register it with `python -m ipykernel install --sys-prefix --name jaarverslag`" in capsys.readouterr().err


def test_a_tls_scheduler_without_client_certificates_says_which_settings_are_missing(tmp_path, capsys):
    """Dask reads DASK_DISTRIBUTED__COMM__TLS__* into its configuration as the command starts; set here directly."""
    import dask
    import distributed  # noqa: F401  (its defaults first)

    unset = {"distributed.comm.tls.ca-file": None, "distributed.comm.tls.client.cert": None}
    with dask.config.set(unset):
        assert render(tmp_path / "build", "--scheduler", "tls://127.0.0.1:8786") == 2
    err = capsys.readouterr().err
    assert "speaks TLS" in err and all(variable in err for variable in cluster.TLS)
    with dask.config.set({"distributed.comm.tls.ca-file": "ca.pem", "distributed.comm.tls.client.cert": "client.pem"}):
        cluster.check_tls("tls://127.0.0.1:8786")


def test_a_scheduler_without_workers_is_named_within_seconds(tmp_path, monkeypatch, capsys):
    """Dask would wait for ever (its scatter gives up after 30 s); the client waits WAIT, at most 10 s."""
    from dask.distributed import LocalCluster

    assert cluster.WAIT <= 10
    monkeypatch.setattr(cluster, "WAIT", 0.5)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty:
        assert render(tmp_path / "build", "--scheduler", empty.scheduler_address) == 3
    err = capsys.readouterr().err
    assert f"the Dask scheduler {empty.scheduler_address} has no workers (none joined within 0.5 s)" in err
    assert f"jaarverslag worker {empty.scheduler_address}" in err


def test_a_job_whose_workers_died_is_an_infrastructure_failure_and_the_rest_is_written(tmp_path, monkeypatch, capsys):
    """Dask gives up on a job after its workers died running it (KilledWorker): that job only, exit 3."""
    from dask.distributed import KilledWorker, LocalCluster

    def execute_shipped(job, key, hashes, settings, commit, snapshot):  # a worker's answer, without a kernel
        if job.region == "rotterdam-zuid":
            raise KilledWorker(key, SimpleNamespace(address="tcp://w:1"), 3)
        found = cluster.Identity("0.1.0", hashes["library"], "/k", hashes["notebook"])
        return batch.Delivery("tcp://w:1", found, Result(job.name, key, "executed", {}, hashes), [b"{}", b"<html>"])

    monkeypatch.setattr(batch, "execute_shipped", execute_shipped)
    build = tmp_path / "build"
    with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as local:
        assert render(build, "--scheduler", local.scheduler_address) == 3
    entries = Manifest(Layout(build)).entries
    assert entries["2019/eenheid/cter"]["status"] == "executed" and Layout(build).page(2019, "eenheid", "cter").read_text() == "<html>"
    assert entries["2019/rotterdam-zuid/cter"]["status"] == "infrastructure"
    assert "its Dask worker died each time it rendered it" in capsys.readouterr().out


# --- slow: real schedulers and workers ----------------------------------------------------------------------


@pytest.mark.slow
def test_workers_without_a_shared_filesystem_render_what_the_local_executor_renders(dask_cluster, rendered, tmp_path):
    """Two `jaarverslag worker`s in empty directories of their own that cannot read the project's files still
    render exactly what the local executor renders: the client ships a snapshot and writes the outputs it gets back."""
    from blindfold import Blindfold

    from jaarverslag.engine.compare import differences

    for name in ("worker-1", "worker-2"):
        dask_cluster.worker(name, env={"PYTHONPATH": str(TESTS)})  # where the plugin's module is
    build, local = tmp_path / "dask", tmp_path / "local"
    with dask_cluster.client(2) as client:
        client.register_plugin(Blindfold([DATA, NOTEBOOKS, build]))
        with pytest.raises(PermissionError, match="cannot see"):  # the blindfold works
            client.run(lambda: open(DATA / "regions.csv").close())
        assert render(build, "--scheduler", dask_cluster.address) == 0
        unpacked = client.run(lambda dask_worker: sorted(p.name for p in Path(dask_worker.local_directory).glob("jaarverslag/*")
                                                         if not p.name.startswith((".", "build-"))))
    for name in ("notebooks/2019/eenheid/cter.ipynb", "notebooks/2019/rotterdam-zuid/cter.ipynb",
                 "reports/2019/eenheid/cter.html", "reports/2019/rotterdam-zuid/cter.html"):
        (local / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(rendered / name, local / name)  # the same jobs from the session's local render
    assert list(differences(local, build)) == []
    assert {e["status"] for e in Manifest(Layout(build)).entries.values()} == {"executed"}
    assert all(len(names) <= 1 for names in unpacked.values()) and sum(map(len, unpacked.values())) >= 1
    injected = next(c for c in json.loads(Layout(build).notebook(2019, "eenheid", "cter").read_text())["cells"]
                    if "injected-parameters" in c["metadata"].get("tags", []))
    assert str(dask_cluster.home) in "".join(injected["source"])  # the kernel read the worker's copy
    assert "jaarverslag worker: version" in dask_cluster.log("worker-1")


@pytest.mark.slow
def test_a_worker_with_another_library_is_refused_before_its_output_lands(dask_cluster, tmp_path, monkeypatch, capsys):
    """One string changed in the worker's copy of the library: refused before dispatch, and, when it joins after
    that check, its result is refused before anything is written."""
    copy = tmp_path / "src" / "jaarverslag"
    shutil.copytree(hashing.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "formatting.py").write_text((copy / "formatting.py").read_text().replace("Dutch", "Nederlandse", 1))
    ours = hashing.library_digest()[:16]
    monkeypatch.setattr(hashing, "PACKAGE", copy)
    theirs = hashing.library_digest()[:16]
    monkeypatch.undo()
    assert ours != theirs
    dask_cluster.worker("changed", env={"PYTHONPATH": str(copy.parent)})
    with dask_cluster.client(1) as client:
        address = next(iter(client.scheduler_info()["workers"]))
    build = tmp_path / "build"

    assert render(build, "--scheduler", dask_cluster.address) == 2
    err = capsys.readouterr().err
    assert f"the Dask worker {address} runs another jaarverslag library" in err and ours in err and theirs in err
    assert "install the client's version on the worker" in err
    assert nothing_landed(build)

    monkeypatch.setattr(cluster, "check_workers", lambda client, library: None)  # as if it joined after the check
    assert render(build, "--scheduler", dask_cluster.address) == 2
    err = capsys.readouterr().err
    assert f"the Dask worker {address} runs another jaarverslag library" in err and ours in err and theirs in err
    assert nothing_landed(build)


@pytest.fixture
def without_kernel(tmp_path):
    """An environment with the library and its dependencies but no jaarverslag kernel: a venv of its own whose
    site-packages adds this one's (kernels are looked up under sys.prefix, the user's and the system's data dirs)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "project.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    env = {"JUPYTER_DATA_DIR": str(tmp_path / "jupyter"), "JUPYTER_PATH": ""}
    found = subprocess.run([venv / "bin" / "python", "-c", "from jaarverslag.engine import cluster; print(cluster.kernel_directory())"],
                           env={**os.environ, **env}, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "None"
    return venv / "bin" / "python", env


@pytest.mark.slow
def test_a_worker_without_the_kernel_is_refused_before_any_job_runs(dask_cluster, without_kernel, tmp_path, capsys):
    python, env = without_kernel
    fix = "python -m ipykernel install --sys-prefix --name jaarverslag"
    started = subprocess.run([python, "-m", "jaarverslag.cli", "worker", dask_cluster.address], env={**os.environ, **env},
                             capture_output=True, text=True, check=False)
    assert started.returncode == 2 and fix in started.stderr  # `jaarverslag worker` does not start

    dask_cluster.worker("bare", python=python, command=("-m", "distributed.cli.dask_worker"), env=env)  # plain `dask worker`
    with dask_cluster.client(1) as client:
        address = next(iter(client.scheduler_info()["workers"]))
    build = tmp_path / "build"
    assert render(build, "--scheduler", dask_cluster.address) == 2
    err = capsys.readouterr().err
    assert f"the Dask worker {address} has no Jupyter kernel 'jaarverslag'" in err and fix in err
    assert nothing_landed(build)


@pytest.mark.slow
def test_a_lost_scheduler_ends_the_run_with_one_message_the_summary_and_exit_3(dask_cluster, tmp_path):
    """What finished stays in the manifest; Dask's tracebacks go to build/cluster.log, not the console."""
    dask_cluster.worker("worker-1")
    dask_cluster.client(1).close()
    build = tmp_path / "build"
    args = [sys.executable, "-m", "jaarverslag.cli", "--data-dir", str(DATA), "render", *SMALL, "--chapter", "cybercrime",
            "--notebooks-dir", str(NOTEBOOKS), "--build-dir", str(build), "--scheduler", dask_cluster.address]
    run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not Layout(build).journal.exists():  # a job finished
        assert time.monotonic() < deadline and run.poll() is None, run.communicate()
        time.sleep(0.1)
    os.killpg(dask_cluster.scheduler.pid, signal.SIGKILL)
    out, err = run.communicate(timeout=60)

    assert run.returncode == 3, out + err
    finished = Manifest(Layout(build)).entries
    assert 1 <= len(finished) < 4 and {e["status"] for e in finished.values()} == {"executed"}
    assert re.search(rf"^executed +{len(finished)}$", out, re.M) and re.search(r"^time +[\d.]+s$", out, re.M)  # the summary
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert errors == [f"jaarverslag: error: lost the Dask scheduler {dask_cluster.address} after {len(finished)} of 4 "
                      f"notebooks: those are in the manifest, the others run next time (Dask's log: {Layout(build).cluster_log})"]
    assert "Traceback" not in out + err and "distributed." not in out + err
