"""pyproject.toml (pip) and environment.yml (conda) describe the same runtime environment."""

import re
import tomllib

import yaml

from conftest import ROOT


def _normalise(requirement: str) -> str:
    name, spec = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement.strip()).groups()
    return re.sub(r"[-_.]+", "-", name).lower() + spec.replace(" ", "")


def test_runtime_dependencies_match():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pip = {_normalise(r) for r in pyproject["project"]["dependencies"]}
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_normalise(d) for d in environment["dependencies"] if isinstance(d, str)}
    conda |= {_normalise(d) for d in _pip_section(environment) if not d.startswith("-")}
    conda -= {d for d in conda if d.startswith(("python", "pip"))}
    assert pip == conda


def test_python_versions_match():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert f"python{pyproject['project']['requires-python']}" in environment["dependencies"]


def _pip_section(environment: dict) -> list[str]:
    return next((d["pip"] for d in environment["dependencies"] if isinstance(d, dict)), [])
