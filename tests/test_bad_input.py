"""Bad data or parameters: one clear message, exit code 2, no traceback, build/ untouched."""

import subprocess
import sys

import pandas as pd
import pytest

from conftest import BATCH, cli, edit_csv


def _set(row, column, value):
    def change(frame):
        frame.loc[row, column] = value
        return frame

    return change


def _row_of(frame, **match):
    mask = True
    for column, value in match.items():
        mask = mask & (frame[column] == value)
    return frame.index[mask][0]


CASES = {
    "missing file": (
        lambda d: (d / "observations.csv").unlink(),
        ["observations.csv: file not found"],
    ),
    "missing column": (
        lambda d: edit_csv(d / "observations.csv", lambda f: f.drop(columns="source")),
        ["observations.csv, column 'source': required column is missing"],
    ),
    "unknown region": (
        lambda d: edit_csv(d / "observations.csv", _set(3, "region", "rotterdam-noord")),
        ["observations.csv, line 5, column 'region'", "unknown region"],
    ),
    "unknown indicator": (
        lambda d: edit_csv(d / "targets.csv", _set(0, "indicator", "woninginbraak")),
        ["targets.csv, line 2, column 'indicator'", "'woninginbraak'", "unknown indicator"],
    ),
    "duplicate key": (
        lambda d: edit_csv(d / "observations.csv", lambda f: pd.concat([f, f.iloc[[2]]], ignore_index=True)),
        ["observations.csv, line", "duplicate key ('indicator', 'region', 'year')"],
    ),
    "non-numeric value": (
        lambda d: edit_csv(d / "observations.csv", _set(1, "value", "veel")),
        ["observations.csv, line 3, column 'value'", "'veel' is not a number"],
    ),
    "non-numeric year": (
        lambda d: edit_csv(d / "targets.csv", _set(4, "year", "2019a")),
        ["targets.csv, line 6, column 'year'", "is not a whole number"],
    ),
    "negative count": (
        lambda d: edit_csv(d / "observations.csv", _set(0, "value", "-5")),
        ["observations.csv, line 2, column 'value'", "a count must not be negative"],
    ),
    "thousands separator in a count": (
        lambda d: edit_csv(d / "observations.csv", _set(1, "value", "95.782")),
        ["observations.csv, line 3, column 'value'", "whole number"],
    ),
    "percentage above 100": (
        lambda d: edit_csv(d / "observations.csv", lambda f: _set(_row_of(f, indicator="dna-v", year="2019"), "value", "172.1")(f)),
        ["observations.csv, line", "column 'value'", "a percentage must be between 0 and 100"],
    ),
    "unknown theme of an indicator": (
        lambda d: edit_csv(d / "indicators.csv", _set(2, "theme", "verkeer")),
        ["indicators.csv, line 4, column 'theme'", "unknown theme"],
    ),
    "unknown unit": (
        lambda d: edit_csv(d / "indicators.csv", _set(0, "unit", "stuks")),
        ["indicators.csv, line 2, column 'unit'", "'stuks' is not one of the allowed values"],
    ),
    "relative target with a value": (
        lambda d: edit_csv(d / "targets.csv", _set(0, "value", "90000")),
        ["targets.csv, line 2, column 'value'", "must be empty"],
    ),
    "absolute target without a value": (
        lambda d: edit_csv(d / "targets.csv", _set(4, "value", "")),
        ["targets.csv, line 6, column 'value'", "a value is required"],
    ),
    "published figure without a location": (
        lambda d: edit_csv(d / "observations.csv", _set(1, "location", "")),
        ["observations.csv, line 3, column 'location': a location is required for a figure from a published source"],
    ),
    "demo figure with a location": (
        lambda d: edit_csv(d / "observations.csv", lambda f: _set(_row_of(f, source="demo"), "location", "Voorwoord")(f)),
        ["observations.csv, line", "column 'location': 'Voorwoord': must be empty: only figures from a published source"],
    ),
    "more districts than there are": (
        lambda d: edit_csv(d / "observations.csv",
                           lambda f: _set(_row_of(f, indicator="districten-slachtofferbeslag"), "value", "7")(f)),
        ["observations.csv, line", "column 'value'", "must not exceed the 6 districts in regions.csv"],
    ),
    "fractional number of districts": (
        lambda d: edit_csv(d / "observations.csv",
                           lambda f: _set(_row_of(f, indicator="districten-slachtofferbeslag"), "value", "2.5")(f)),
        ["observations.csv, line", "column 'value'", "a number of districts must be a whole number"],
    ),
    "goal number without its basis": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="piv-b-2", region="eenheid"), "result_basis", "")(f)),
        ["goals.csv, line 4, column 'result_basis': required with a result_value from a published source"],
    ),
    "basis without a number": (
        lambda d: edit_csv(d / "goals.csv", _set(0, "target_basis", "stated")),
        ["goals.csv, line 2, column 'target_basis'", "must be empty: only a target_value from a published source has a basis"],
    ),
    "unknown basis": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="piv-b-2", region="eenheid"), "target_basis", "guessed")(f)),
        ["goals.csv, line 4, column 'target_basis': 'guessed' is not one of the allowed values"],
    ),
    "derived number without a note": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="ond-d-4", region="eenheid"), "basis_note", "")(f)),
        ["goals.csv, line", "column 'basis_note': required for a derived number"],
    ),
    "note for a stated number": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="piv-b-2", region="eenheid"), "basis_note", "zo")(f)),
        ["goals.csv, line 4, column 'basis_note': 'zo': must be empty: only a derived number needs a note"],
    ),
    "demo goal with a basis": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="piv-b-2", source="demo"), "result_basis", "stated")(f)),
        ["goals.csv, line", "column 'result_basis'", "must be empty: only a result_value from a published source has a basis"],
    ),
    "missing claims table": (
        lambda d: (d / "claims.csv").unlink(),
        ["claims.csv: file not found (the 'claims' table is required)"],
    ),
    "unknown claim rule": (
        lambda d: edit_csv(d / "claims.csv", _set(0, "rule", "klopt")),
        ["claims.csv, line 2, column 'rule': 'klopt' is not one of the allowed values"],
    ),
    "claim without a location": (
        lambda d: edit_csv(d / "claims.csv", _set(2, "location", "")),
        ["claims.csv, line 4, column 'location': a value is required"],
    ),
    "equals without a value": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="rv-prio2"), "value", "")(f)),
        ["claims.csv, line", "column 'value': required for rule 'equals'"],
    ),
    "stated value with a percent sign": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="rv-prio2"), "value", "79%")(f)),
        ["claims.csv, line", "column 'value'", "'79%'", "must be a plain number"],
    ),
    "claim about an unknown indicator": (
        lambda d: edit_csv(d / "claims.csv", _set(0, "indicator", "woninginbraak")),
        ["claims.csv, line 2, column 'indicator'", "'woninginbraak'", "unknown indicator"],
    ),
    "claim about an unknown goal": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="inz-leerbureaus"), "goal", "inz-a-99")(f)),
        ["claims.csv, line", "column 'goal': 'inz-a-99': unknown goal (not in goals.csv for this year and region)"],
    ),
    "claim about an indicator and a goal": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="inz-leerbureaus"), "indicator", "evenementen")(f)),
        ["claims.csv, line", "column 'goal'", "must be empty when an indicator is given"],
    ),
    "claim about no figure": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="rv-fraude"), "indicator", "")(f)),
        ["claims.csv, line", "column 'indicator': required for rules equals, target_met, target_missed"],
    ),
    "change claim about a goal": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="cb-misdrijven"), "goal", "piv-c-1")(f)),
        ["claims.csv, line", "column 'goal'", "must be empty for rule 'rose'"],
    ),
    "published goal without a status basis": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="piv-b-2", region="eenheid"), "status_basis", "")(f)),
        ["goals.csv, line 4, column 'status_basis'", "required for a goal from a published source"],
    ),
    "judged status without a reason": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="piv-b-2", region="eenheid"), "status_note", "")(f)),
        ["goals.csv, line 4, column 'status_note'", "required for a derived status or 'niet-vergelijkbaar'"],
    ),
    "goal measured by an unknown indicator": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="inz-a-3", region="eenheid"), "indicators",
                                                           "opgeleide-praktijkbegeleiders onbekend-cijfer")(f)),
        ["goals.csv, line", "column 'indicators'", "unknown indicator (not in indicators.csv)"],
    ),
    "goal measured by an indicator of another unit": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="bcsv-b-1", region="eenheid"), "indicators",
                                                           "ib-training-basisteams aspiranten-in-dienst")(f)),
        ["goals.csv, line", "column 'indicators'", "an indicator of another unit than the goal's"],
    ),
    "goal with a result of its own and an indicator": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="inz-a-3", region="eenheid"), "result_value", "40")(f)),
        ["goals.csv, line", "column 'result_value'", "must be empty when the goal names indicators"],
    ),
    "goal tied to an unknown place": (
        lambda d: edit_csv(d / "goals.csv", lambda f: _set(_row_of(f, goal_id="bcsv-c-4", region="eenheid"), "place", "feijenoord")(f)),
        ["goals.csv, line", "column 'place'", "unknown region"],
    ),
    "all targets with an indicator": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="rv-alle-doelen"), "indicator", "dna-v")(f)),
        ["claims.csv, line 12, column 'indicator'", "must be empty for rule 'all_targets_met'"],
    ),
    "unverifiable claim without a reason": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="cb-oorzaak-fraude"), "note", "")(f)),
        ["claims.csv, line", "column 'note': required for rule 'unverifiable'"],
    ),
    "qualifier without a figure": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="cb-oorzaak-fraude"), "qualifier", "circa")(f)),
        ["claims.csv, line", "column 'value': required with a qualifier"],
    ),
    "same claim twice at one place": (
        lambda d: edit_csv(d / "claims.csv", lambda f: _set(_row_of(f, id="cb-straatroven"), "claim", "Woninginbraken 8% gedaald")(f)),
        ["claims.csv, line", "column 'claim'", "occurs twice at this location"],
    ),
    "unknown goal status": (
        lambda d: edit_csv(d / "goals.csv", _set(0, "status", "bijna")),
        ["goals.csv, line 2, column 'status'", "'bijna'"],
    ),
}


@pytest.fixture
def build_dir(tmp_path):
    """A build directory holding an earlier good output that must survive."""
    earlier = tmp_path / "build" / "reports" / "2019" / "eenheid" / "veiligheidsbeeld.html"
    earlier.parent.mkdir(parents=True)
    earlier.write_text("earlier good output")
    return tmp_path / "build"


def _files(build_dir):
    return sorted((p.relative_to(build_dir), p.read_bytes()) for p in build_dir.rglob("*") if p.is_file())


def _render(data_dir, build_dir, *extra, batch=BATCH):
    return cli("render", *extra, data=data_dir, build=build_dir, batch=batch)


@pytest.mark.parametrize("case", CASES)
def test_bad_data_is_reported_and_nothing_written(case, data_dir, build_dir, capsys):
    breaks, expected = CASES[case]
    breaks(data_dir)
    before = _files(build_dir)
    assert _render(data_dir, build_dir) == 2
    err = capsys.readouterr().err
    for text in expected:
        assert text in err
    assert err.startswith("jaarverslag: error: ")
    assert str(data_dir) in err
    assert _files(build_dir) == before


@pytest.mark.parametrize(
    "extra, expected",
    [
        (["--year", "2030"], "no data for year 2030"),
        (["--region", "atlantis"], "unknown region 'atlantis'"),
        (["--chapter", "verkeer"], "unknown chapter 'verkeer'"),
    ],
)
def test_invalid_parameters(extra, expected, data_dir, build_dir, capsys):
    before = _files(build_dir)
    assert _render(data_dir, build_dir, *extra) == 2
    assert expected in capsys.readouterr().err
    assert _files(build_dir) == before


def test_invalid_batch_file(tmp_path, data_dir, build_dir, capsys):
    batch = tmp_path / "batch.yaml"
    chapter = "{notebook: veiligheidsbeeld, themes: [veiligheidsbeeld]}"
    batch.write_text(f"years: [negentien]\nregions: [eenheid]\nparts: [{{title: A, chapters: [{chapter}]}}]\ncolour: blue\n")
    assert _render(data_dir, build_dir, batch=batch) == 2
    err = capsys.readouterr().err
    assert f"{batch}: years.0: " in err and "colour: Extra inputs are not permitted" in err


def test_command_line_shows_no_traceback(data_dir, tmp_path):
    edit_csv(data_dir / "observations.csv", _set(1, "value", "veel"))
    result = subprocess.run(
        [sys.executable, "-m", "jaarverslag.cli", "--data-dir", str(data_dir), "validate"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[0].startswith("jaarverslag: error: ")
    assert "line 3, column 'value'" in result.stderr


def test_non_utf8_file(data_dir, build_dir, capsys):
    path = data_dir / "indicators.csv"  # holds "cocaïne": saved from Excel as Windows-1252
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    assert _render(data_dir, build_dir) == 2
    assert "indicators.csv: not UTF-8 text" in capsys.readouterr().err


def test_blank_line_keeps_line_numbers_true(data_dir, build_dir, capsys):
    path = data_dir / "observations.csv"
    lines = path.read_text().splitlines()
    lines.insert(2, "")  # a blank line 3
    lines[4] = lines[4].replace("4400", "veel")  # was line 4, now line 5
    path.write_text("\n".join(lines) + "\n")
    assert _render(data_dir, build_dir) == 2
    err = capsys.readouterr().err
    assert "observations.csv, line 3, column 'indicator': a value is required" in err
    assert "observations.csv, line 5, column 'value': 'veel' is not a number" in err


def test_region_parents_must_not_cycle(data_dir, build_dir, capsys):
    edit_csv(data_dir / "regions.csv", lambda f: f.assign(parent=f["parent"].where(f["id"] != "rotterdam-stad", "gm-rotterdam")))
    edit_csv(data_dir / "regions.csv", lambda f: f.assign(parent=f["parent"].where(f["id"] != "gm-rotterdam", "rotterdam-stad")))
    assert _render(data_dir, build_dir) == 2
    assert "regions.csv, line 3, column 'parent': parents form a cycle" in capsys.readouterr().err
