"""The CBS adapter, offline: cbsodata's real code runs against recorded answers.

requests.Session.send is replaced by a fake feed that serves tests/fixtures/cbs (see the
README there for the figures), so cbsodata builds its URLs and parses the JSON itself.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import pytest
import requests

from conftest import edit_csv
from jaarverslag.errors import SourceError
from jaarverslag.feeds import cbs
from jaarverslag.inputs import load

FIXTURES = Path(__file__).parent / "fixtures" / "cbs"
CODES = ["GM0505", "GM0606", "GM0622", "GM0642"]  # Dordrecht, Schiedam, Vlaardingen, Zwijndrecht


class FakeFeed:
    """CBS's OData feed answering from the fixture files; overrides replace one file's answer."""

    def __init__(self, overrides=None):
        self.overrides = overrides or {}
        self.urls: list[str] = []

    def __call__(self, request, **kwargs):
        self.urls.append(unquote(request.url))
        table, name = urlsplit(request.url).path.split("/")[3:5]
        key = (table, name or "index")
        response = requests.Response()
        response.url, response.request, response.status_code, response.reason = request.url, request, 200, "OK"
        if key in self.overrides:
            answer = self.overrides[key]
            response._content = answer if isinstance(answer, bytes) else json.dumps({"value": answer}).encode()
        else:
            response._content = (FIXTURES / table / f"{key[1]}.json").read_bytes()
        return response


def recorded(table: str, name: str) -> list:
    return json.loads((FIXTURES / table / f"{name}.json").read_text())["value"]


@pytest.fixture
def feed(monkeypatch):
    fake = FakeFeed()
    monkeypatch.setattr(requests.Session, "send", fake)
    return fake


@pytest.fixture
def unit(data_dir):
    """The shipped data with only the four recorded municipalities left in regions.csv."""
    edit_csv(data_dir / "regions.csv", lambda f: f[(f["level"] != "gemeente") | f["cbs_code"].isin(CODES)])
    return data_dir


def observations_text(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "observations.csv", dtype=str, keep_default_na=False)


def snapshot(data_dir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(data_dir)): p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()}


EXPECTED = {  # (indicator, region, year): value, from the fixtures' README
    ("misdrijven-totaal", "rijnmond-noord", 2018): 5210 + 4385,
    ("misdrijven-totaal", "zuid-holland-zuid", 2018): 8745 + 2890,
    ("misdrijven-totaal", "eenheid", 2018): 5210 + 4385 + 8745 + 2890,
    ("misdrijven-totaal", "eenheid", 2019): 5405 + 4520 + 9010 + 2975,
    ("woninginbraken", "gm-schiedam", 2019): 12 * 18,
    ("woninginbraken", "rijnmond-noord", 2019): 12 * (18 + 14),
    ("woninginbraken", "zuid-holland-zuid", 2019): 12 * (22 + 7),
    ("woninginbraken", "eenheid", 2019): 12 * (18 + 14 + 22 + 7),
    ("straatroven", "eenheid", 2018): 12 * (3 + 2 + 4 + 1),
    ("straatroven", "zuid-holland-zuid", 2019): 12 * (3 + 1),
    ("overvallen", "rijnmond-noord", 2019): 12 * (1 + 0),
    ("overvallen", "gm-zwijndrecht", 2019): 12 * 1,
}
NOT_WRITTEN = [  # a month without a value, and a year of 11 months, block every region above them
    ("straatroven", "gm-vlaardingen", 2019),
    ("straatroven", "rijnmond-noord", 2019),
    ("straatroven", "eenheid", 2019),
    ("overvallen", "gm-dordrecht", 2019),
    ("overvallen", "zuid-holland-zuid", 2019),
    ("overvallen", "eenheid", 2019),
]


def test_municipalities_sum_to_their_district_and_the_unit(unit, feed):
    result = cbs.fetch(load(unit).regions, [2018, 2019])

    assert list(result.observations.columns) == ["indicator", "region", "year", "value", "qualifier", "source", "location"]
    values = result.observations.set_index(["indicator", "region", "year"])["value"]
    assert values.index.is_unique
    assert {key: values[key] for key in EXPECTED} == EXPECTED
    assert not set(NOT_WRITTEN) & set(values.index)
    assert len(values) == 4 * 2 * (4 + 2 + 1) - len(NOT_WRITTEN)
    assert set(result.observations["qualifier"]) == {""}
    assert set(result.observations["location"]) == {""}  # only figures of a published document have one
    assert result.skipped == [
        "straatroven: 47013NED GM0622 2019: no value for 2019MM07; not written for gm-vlaardingen, rijnmond-noord, eenheid",
        "overvallen: 47013NED GM0505 2019: 11 of 12 months (missing 2019MM12); "
        "not written for gm-dordrecht, zuid-holland-zuid, eenheid",
    ]


def test_provenance_names_table_period_and_retrieval_time(unit, feed):
    result = cbs.fetch(load(unit).regions, [2018, 2019])

    sources = result.sources.set_index("id")
    assert list(result.sources.columns) == ["id", "title", "table_id", "period", "retrieved_at"]
    assert sorted(sources.index) == ["cbs-47013ned-2018", "cbs-47013ned-2019", "cbs-83648ned-2018", "cbs-83648ned-2019"]
    assert sources.at["cbs-83648ned-2019", "title"] == (
        "CBS open data (opendata.cbs.nl), Geregistreerde criminaliteit; soort misdrijf, regio"
    )
    assert sources.at["cbs-47013ned-2018", "table_id"] == "47013NED"
    assert sources.at["cbs-47013ned-2018", "period"] == "2018"
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in sources["retrieved_at"])
    assert set(result.observations["source"]) == set(sources.index)
    totals = result.observations[result.observations["indicator"] == "misdrijven-totaal"]
    assert set(totals["source"]) == {"cbs-83648ned-2018", "cbs-83648ned-2019"}
    data_urls = [url for url in feed.urls if "DataSet" in url]
    assert [urlsplit(url).hostname for url in data_urls] == ["opendata.cbs.nl", "dataderden.cbs.nl"]
    assert all(f"substringof('{code}',RegioS)" in data_urls[1] for code in CODES)


def test_update_writes_valid_data_and_replaces_exactly_the_keyed_rows(unit, feed):
    key = ["indicator", "region", "year"]
    before = observations_text(unit)

    summary = cbs.update(unit, [2018, 2019])

    data = load(unit)  # still valid
    after = observations_text(unit)
    assert (summary.replaced, summary.added, summary.sources, len(summary.skipped)) == (14, 30, 4, 8)
    assert str(summary).splitlines()[0] == "14 observations replaced, 30 added, 4 sources recorded"
    assert "woninginbraken: kept the published figure for eenheid 2019 (source jaarverslag-2019)" in summary.skipped
    written = set(after.loc[after["source"].str.startswith("cbs-"), key].itertuples(index=False))
    old, new = after.iloc[: len(before)], after.iloc[len(before) :]
    assert old[key].equals(before[key])  # every earlier row keeps its place
    changed = set(old.loc[old.ne(before).any(axis=1), key].itertuples(index=False))
    assert changed == written - set(new[key].itertuples(index=False))  # only fetched keys changed
    assert len(changed) == 14 and len(new) == 30 and new["source"].str.startswith("cbs-").all()
    rows = after.set_index(key)
    assert rows.loc[("woninginbraken", "rijnmond-noord", "2019")].to_dict() == {
        "value": "384", "qualifier": "", "source": "cbs-47013ned-2019", "location": ""
    }
    # the published unit figures are never overwritten: only demo and earlier CBS rows are
    assert rows.loc[("misdrijven-totaal", "eenheid", "2019")].to_dict() == {
        "value": "95782", "qualifier": "", "source": "jaarverslag-2019", "location": "1. Regionaal Veiligheidsbeeld"
    }
    assert rows.loc[("straatroven", "rijnmond-noord", "2019"), "source"] == "demo"  # skipped: left as it was
    assert rows.loc[("overvallen", "eenheid", "2019"), "source"] == "jaarverslag-2019"
    assert rows.loc[("woninginbraken", "gm-dordrecht", "2018"), "value"] == "300"
    cbs_sources = {f"cbs-{table}-{year}" for table in ("83648ned", "47013ned") for year in (2018, 2019)}
    assert set(data.sources["id"]) == {"jaarverslag-2019", "demo", *cbs_sources}

    again = cbs.update(unit, [2018, 2019])  # the same keys are replaced, not duplicated

    assert (again.replaced, again.added) == (44, 0)
    assert observations_text(unit).equals(after)
    assert len(load(unit).sources) == 6


@pytest.mark.parametrize(
    "answer",
    [requests.ConnectionError("Failed to establish a new connection: [Errno -3] name resolution"), 503],
    ids=["no-connection", "http-503"],
)
def test_network_failure_raises_source_error_and_leaves_data_untouched(unit, monkeypatch, answer):
    def send(session, request, **kwargs):
        if isinstance(answer, Exception):
            raise answer
        response = requests.Response()
        response.url, response.status_code, response.reason = request.url, answer, "Service Unavailable"
        return response

    monkeypatch.setattr(requests.Session, "send", send)
    before = snapshot(unit)

    with pytest.raises(SourceError) as caught:
        cbs.update(unit, [2019])

    message = str(caught.value)
    assert "83648NED" in message and "opendata.cbs.nl" in message and "\n" not in message
    assert snapshot(unit) == before
    assert sorted(p.name for p in unit.parent.iterdir()) == ["data"]  # no scratch copy left behind


def _rename_value_column(rows):
    return [{("Misdrijven_1" if k == "GeregistreerdeMisdrijven_1" else k): v for k, v in row.items()} for row in rows]


LAYOUTS = {
    "column-renamed": (("47013NED", "TypedDataSet"), _rename_value_column, "GeregistreerdeMisdrijven_1"),
    "crime-code-gone": (("47013NED", "SoortMisdrijf"), lambda rows: [r for r in rows if r["Key"] != "1.4.7 "], "1.4.7"),
    "municipality-gone": (("83648NED", "RegioS"), lambda rows: [r for r in rows if "GM0642" not in r["Key"]], "GM0642"),
    "year-gone": (("83648NED", "Perioden"), lambda rows: [r for r in rows if r["Key"] != "2019JJ00"], "no periods for 2019"),
    "odd-period": (
        ("47013NED", "TypedDataSet"),
        lambda rows: [{**rows[0], "Perioden": "2019W101"}, *rows[1:]],
        "unknown period code '2019W101'",
    ),
    "row-without-region": (
        ("47013NED", "TypedDataSet"),
        lambda rows: [*rows[:-1], {k: v for k, v in rows[-1].items() if k != "RegioS"}],
        "unexpected layout, 'RegioS' is missing",
    ),
    "not-json": (("83648NED", "TypedDataSet"), b"<html>Onderhoud</html>", "unexpected answer"),
}


@pytest.mark.parametrize("case", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_unexpected_layout_raises_source_error_and_leaves_data_untouched(unit, monkeypatch, case):
    (table, name), change, expected = case
    answer = change if isinstance(change, bytes) else change(recorded(table, name))
    monkeypatch.setattr(requests.Session, "send", FakeFeed({(table, name): answer}))
    before = snapshot(unit)

    with pytest.raises(SourceError, match=re.escape(expected)) as caught:
        cbs.update(unit, [2018, 2019])

    assert table in str(caught.value) and "\n" not in str(caught.value)
    assert snapshot(unit) == before


def test_untyped_answers_with_strings_dots_years_and_quarters():
    """CBS's untyped data set: padded numeric strings, "." for no value; JJ00 beats months."""
    table = cbs.TABLES[1]
    months = [{"Perioden": f"2019MM{m:02d}", "GeregistreerdeMisdrijven_1": "     5"} for m in range(1, 13)]
    rows = [
        *({"RegioS": "GM0606    ", "SoortMisdrijf": "1.1.1 ", **m} for m in months),
        *({"RegioS": "GM0622    ", "SoortMisdrijf": "1.1.1 ", **m} for m in months),
        {"RegioS": "GM0622    ", "SoortMisdrijf": "1.1.1 ", "Perioden": "2019JJ00", "GeregistreerdeMisdrijven_1": " 70"},
        {"RegioS": "GM0606    ", "SoortMisdrijf": "1.4.6 ", "Perioden": "2019KW01", "GeregistreerdeMisdrijven_1": "9"},
        {"RegioS": "GM0606    ", "SoortMisdrijf": "1.4.7 ", "Perioden": "2019JJ00", "GeregistreerdeMisdrijven_1": "     ."},
    ]
    raw = {
        "UntypedDataSet": rows,
        "RegioS": [{"Key": "GM0606    "}, {"Key": "GM0622    "}],
        "SoortMisdrijf": [{"Key": code + " "} for code in table.crimes],
        "Perioden": [{"Key": "2019JJ00"}],
    }

    figures = cbs.annual_figures(raw, table, ["GM0606", "GM0622"], [2019]).set_index(["indicator", "code"])

    assert figures.at[("woninginbraken", "GM0606"), "value"] == 60
    assert figures.at[("woninginbraken", "GM0622"), "value"] == 70
    assert figures.at[("straatroven", "GM0606"), "reason"] == "47013NED GM0606 2019: no figures"  # quarters are not used
    assert figures.at[("overvallen", "GM0606"), "reason"] == "47013NED GM0606 2019: no value for 2019JJ00"
