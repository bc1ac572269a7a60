"""The shipped schedule: systemd units that systemd accepts, a cron line, a CI example."""

import math
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT

DEPLOY = ROOT / "deploy"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    """As installed: the paths point at this checkout (systemd checks that ExecStart exists)."""
    service = (DEPLOY / "jaarverslag.service").read_text()
    service = service.replace("/opt/jaarverslag/.venv/bin/jaarverslag", str(ROOT / ".venv" / "bin" / "jaarverslag"))
    service = service.replace("User=jaarverslag", "User=root").replace("Group=jaarverslag", "Group=root")
    (tmp_path / "jaarverslag.service").write_text(service)
    shutil.copy(DEPLOY / "jaarverslag.timer", tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", "jaarverslag.service", "jaarverslag.timer"],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and result.stderr.strip() == "", result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_is_hardened(tmp_path):
    """`systemd-analyze security` rates the unit as shipped "OK": an exposure of at most 3,0 (it was 8,6)."""
    shutil.copy(DEPLOY / "jaarverslag.service", tmp_path)
    result = subprocess.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", "jaarverslag.service"],
                            cwd=tmp_path, capture_output=True, text=True, check=False)
    level = re.search(r"Overall exposure level for jaarverslag\.service: (\d+)[.,](\d)", result.stdout)
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
