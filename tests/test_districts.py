"""The districts compared: figures as in data/, shares that add up, targets per district, and which
districts a report compares."""

import pytest

from conftest import BATCH, DATA
from jaarverslag import formatting
from jaarverslag.analysis.districts import compare, peers
from jaarverslag.chapters import Districten

DISTRICTS = ["rotterdam-stad", "rotterdam-zuid", "rijnmond-noord", "rijnmond-oost", "rijnmond-zuid-west",
             "zuid-holland-zuid"]


def test_the_unit_and_each_district_compare_the_six_districts(dataset):
    assert peers(dataset, "eenheid") == DISTRICTS
    assert peers(dataset, "rijnmond-noord") == DISTRICTS  # itself among its siblings
    assert peers(dataset, "nonexistent") == []
    municipality = dataset.regions.loc[dataset.regions["level"] == "gemeente", "id"].iloc[0]
    assert peers(dataset, municipality) == []


def test_figures_are_the_districts_own_and_shares_add_up_to_the_whole(dataset):
    compared = compare(dataset, 2019, "eenheid")
    assert list(dict.fromkeys(compared["region"])) == DISTRICTS
    obs = dataset.observations.set_index(["indicator", "region", "year"])["value"]
    for row in compared.itertuples():
        assert row.current == obs.get((row.indicator, row.region, 2019))
    counts = compared.dropna(subset=["share"]).groupby("indicator")["share"].sum()
    assert not counts.empty and counts.round(6).eq(100).all()  # demo counts split the unit's figure exactly


def test_the_chapter_shows_every_district_with_its_figure_and_verdict(dataset):
    chapter = Districten.build("districten", 2019, "eenheid", DATA, BATCH)
    html = chapter.figures_table().data.replace("\xad", "")
    value = dataset.observations.query("indicator == 'woninginbraken' and region == 'rijnmond-noord' and year == 2019")
    assert all(dataset.region_name(d) in html for d in DISTRICTS)
    assert formatting.value(value["value"].iloc[0], "count") in html and "✔" in html
    assert "Demodata" in chapter.title().data
    met = chapter.targets_table().data
    assert "\xa0van\xa011" in met.replace("\xad", "")  # a count is never split over two lines


@pytest.mark.parametrize("year", [2018, 2019])
def test_a_district_report_names_itself_among_the_districts(year):
    chapter = Districten.build("districten", year, "rijnmond-oost", DATA, BATCH)
    assert "Dit verslag gaat over **Rijnmond-Oost**" in chapter.introduction().data


def test_a_unit_and_its_districts_share_one_comparison_computed_once_and_handed_out_as_copies(dataset, monkeypatch):
    """Publishing compares the same districts in seven reports a year: computed once per Dataset and year."""
    import jaarverslag.analysis.districts as districts

    unit = compare(dataset, 2018, "eenheid")
    monkeypatch.setattr(districts, "kpi_rows", lambda *_: pytest.fail("compared again"))
    for region in DISTRICTS:
        assert compare(dataset, 2018, region).equals(unit)
    unit["current"] = 0.0  # a caller's change to what it got
    assert compare(dataset, 2018, "rotterdam-stad")["current"].max() > 0
