"""The shipped data passes the contract and holds the seed's figures."""

import pytest

from ground_truth import KPI_2019, UNIT_FIGURES


def test_shipped_data_is_valid(dataset):
    districts = dataset.regions[dataset.regions["level"] == "district"]
    assert len(districts) == 6 and set(districts["parent"]) == {"eenheid"}
    gemeenten = dataset.regions[dataset.regions["level"] == "gemeente"]
    assert len(gemeenten) == 25 and gemeenten["cbs_code"].str.fullmatch(r"GM\d{4}").all()
    assert list(dataset.themes.sort_values("order")["id"])[:2] == ["veiligheidsbeeld", "politie-voor-iedereen"]


def _observed(dataset, indicator, year, region="eenheid"):
    obs = dataset.observations
    match = obs[(obs["indicator"] == indicator) & (obs["year"] == year) & (obs["region"] == region)]
    assert len(match) == 1, f"expected one observation for {indicator} {year}"
    return match["value"].iloc[0]


@pytest.mark.parametrize("indicator, previous, current, published, target", KPI_2019)
def test_every_veiligheidsbeeld_row_is_transcribed(dataset, indicator, previous, current, published, target):
    assert _observed(dataset, indicator, 2018) == pytest.approx(previous)
    assert _observed(dataset, indicator, 2019) == pytest.approx(current)
    targets = dataset.targets.set_index(["indicator", "region", "year"])
    if target is None:
        assert (indicator, "eenheid", 2019) not in targets.index
        return
    row = targets.loc[(indicator, "eenheid", 2019)]
    assert row["published_realisation"] == published
    if target == "≤ 2018":
        assert row["kind"] == "not_above_previous_year"
    else:
        assert row["kind"] == "at_least"
        assert row["value"] == pytest.approx(float(target.rstrip("%").replace(",", ".")))


@pytest.mark.parametrize("indicator, year, value", UNIT_FIGURES)
def test_unit_figures_from_the_text(dataset, indicator, year, value):
    assert _observed(dataset, indicator, year) == pytest.approx(value)


def test_every_indicator_and_observation_has_a_unit_and_source(dataset):
    assert dataset.indicators["unit"].notna().all()
    unit = dataset.observations[dataset.observations["region"] == "eenheid"]
    assert len(unit) > 40 and (unit["source"] == "jaarverslag-2019").all()
