"""The command line: help texts and the validate command."""

import socket
import time

import pytest

from conftest import cli
from jaarverslag.cli import main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "validate" in out and "render" in out


def test_render_help_names_the_filters(capsys):
    with pytest.raises(SystemExit):
        main(["render", "--help"])
    out = capsys.readouterr().out
    for option in ("--year", "--region", "--chapter", "--batch", "--build-dir"):
        assert option in out


def test_validate_reports_table_sizes(capsys):
    assert cli("validate") == 0
    assert "valid (" in capsys.readouterr().out


def test_scheduler_with_local_executor_is_refused(tmp_path, capsys):
    assert cli("render", "--executor", "local", "--scheduler", "tcp://127.0.0.1:8786", build=tmp_path / "build") == 2
    assert "--scheduler is the address of a Dask scheduler: it cannot be used with --executor local" in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


def test_unreachable_scheduler_is_reported_in_seconds(tmp_path, capsys):
    with socket.socket() as closed:  # a port where nothing listens
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    started = time.monotonic()
    code = cli("render", "--year", "2019", "--region", "eenheid", "--chapter", "cter", "--scheduler",
               f"tcp://127.0.0.1:{port}", build=tmp_path / "build")
    assert code == 3 and time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert f"cannot reach the Dask scheduler tcp://127.0.0.1:{port}: Connection refused" in err


