"""The command line: help texts and the validate command."""

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
