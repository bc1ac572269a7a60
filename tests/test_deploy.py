"""The shipped schedule and cluster: systemd units that systemd accepts, a cron line, a CI example, a worker image."""

import math
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

DEPLOY = ROOT / "deploy"


UNITS = ("jaarverslag.service", "jaarverslag-scheduler.service", "jaarverslag-worker@.service")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    """As installed: the paths point at this checkout (systemd checks that ExecStart exists)."""
    for name in UNITS:
        unit = (DEPLOY / name).read_text().replace("/opt/jaarverslag/.venv/bin/", str(ROOT / ".venv" / "bin") + "/")
        (tmp_path / name).write_text(unit.replace("User=jaarverslag", "User=root").replace("Group=jaarverslag", "Group=root"))
    shutil.copy(DEPLOY / "jaarverslag.timer", tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", "jaarverslag.service", "jaarverslag.timer",
                             "jaarverslag-scheduler.service", "jaarverslag-worker@1.service"],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", ["jaarverslag.service", "jaarverslag-scheduler.service", "jaarverslag-worker@1.service"])
def test_systemd_unit_is_hardened(tmp_path, unit):
    """`systemd-analyze security` rates each unit as shipped "OK": an exposure of at most 3,0 (the run's was 8,6)."""
    for name in UNITS:
        shutil.copy(DEPLOY / name, tmp_path)
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", unit],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    level = re.search(rf"Overall exposure level for {re.escape(unit)}: (\d+)[.,](\d)", result.stdout)
    assert level, result.stdout + result.stderr
    assert float(f"{level[1]}.{level[2]}") <= 3.0, result.stdout


def test_systemd_unit_sizes_the_pool_and_retries_only_infrastructure_failures():
    """--jobs follows CPUQuota= (180% -> 2), not the host's cores; exit 3 is retried, 1 and 2 are not, boundedly."""
    service = (DEPLOY / "jaarverslag.service").read_text()
    settings = dict(line.split("=", 1) for line in service.splitlines() if re.match(r"^[A-Za-z]+=", line))
    quota = int(settings["CPUQuota"].rstrip("%"))
    assert re.search(r" run .*--jobs (\d+)", settings["ExecStart"])[1] == str(math.ceil(quota / 100))
    assert settings["Restart"] == "on-failure" and settings["RestartPreventExitStatus"].split() == ["1", "2"]
    assert settings["RestartSec"] and int(settings["StartLimitBurst"]) <= 5 and settings["StartLimitIntervalSec"]
    assert settings["PrivateNetwork"] == "yes" and settings["ProtectSystem"] == "strict"


def test_timer_is_nightly_and_catches_up_after_downtime():
    timer = (DEPLOY / "jaarverslag.timer").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer and "Persistent=true" in timer


def test_cron_line_and_ci_example_run_the_job():
    cron = [line for line in (DEPLOY / "crontab").read_text().splitlines() if line and not line.startswith("#")]
    assert len(cron) == 1 and cron[0].split()[:5] == ["30", "2", "*", "*", "*"] and "jaarverslag run" in cron[0]
    workflow = yaml.safe_load((DEPLOY / "github-actions-nightly.yml").read_text())
    assert workflow[True]["schedule"] == [{"cron": "30 2 * * *"}]  # YAML 1.1 reads the key `on` as True
    steps = workflow["jobs"]["render"]["steps"]
    assert any(step.get("run") == "make report" for step in steps)
    assert any(step.get("uses", "").startswith("actions/upload-artifact") for step in steps)


def _settings(name):
    unit = (DEPLOY / name).read_text().replace("\\\n", "")
    return dict(line.split("=", 1) for line in unit.splitlines() if re.match(r"^[A-Za-z]+=", line))


def test_worker_unit_runs_one_notebook_per_core_and_waits_for_a_person_on_exit_2():
    """One thread (one warm kernel) per instance and CPUQuota= to match; no kernel (exit 2) is not restarted."""
    settings = _settings("jaarverslag-worker@.service")
    command = settings["ExecStart"].split()
    assert command[1:3] == ["worker", "${JAARVERSLAG_SCHEDULER}"] and command[command.index("--nthreads") + 1] == "1"
    assert settings["CPUQuota"] == "100%" and settings["RestartPreventExitStatus"] == "2"
    assert _settings("jaarverslag-scheduler.service")["ExecStart"].split()[1:3] == ["scheduler", "--port"]


def test_compose_runs_a_scheduler_and_two_workers_that_share_no_volume():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert services["scheduler"]["entrypoint"] == ["dask", "scheduler"]
    assert services["worker"]["command"][0] == "tcp://scheduler:8786" and services["worker"]["deploy"]["replicas"] == 2
    assert "volumes" not in compose and not any("volumes" in service for service in services.values())
    for service in services.values():
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"} and service["pull_policy"] == "build"


def test_worker_image_registers_the_kernel_as_make_setup_does_and_starts_jaarverslag_worker():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim$", dockerfile, re.M)
    assert "python -m ipykernel install --sys-prefix --name jaarverslag" in dockerfile
    assert "ipykernel install --sys-prefix --name jaarverslag" in (ROOT / "Makefile").read_text()
    assert 'ENTRYPOINT ["jaarverslag", "worker"]' in dockerfile and "apt-get" not in dockerfile  # no Chromium
    assert re.search(r"^USER (?!root)", dockerfile, re.M)
