"""The shipped data passes the contract and holds the seed's figures."""

import pytest

from ground_truth import APPROXIMATE, FIGURES_PER_PART, FIGURES_PER_SECTION, KPI_2019, UNIT_FIGURES


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


def _published_unit_figures(dataset):
    obs = dataset.observations
    return obs[(obs["region"] == "eenheid") & (obs["source"] == "jaarverslag-2019")]


def test_unit_figures_per_section_of_the_seed(dataset):
    counts = _published_unit_figures(dataset)["location"].value_counts().to_dict()
    assert counts == {section: n for section, n in FIGURES_PER_SECTION.items() if n}
    parts = _published_unit_figures(dataset)["location"].str.split(" > ").str[0].value_counts()
    assert {part: int(parts.get(part, 0)) for part in FIGURES_PER_PART} == FIGURES_PER_PART
    assert sum(FIGURES_PER_PART.values()) == len(_published_unit_figures(dataset))


def test_every_unit_figure_is_typed_in(dataset):
    typed = {(i, y) for i, y, _ in UNIT_FIGURES} | {(row[0], y) for row in KPI_2019 for y in (2018, 2019)}
    recorded = set(_published_unit_figures(dataset)[["indicator", "year"]].itertuples(index=False, name=None))
    assert recorded == typed


def test_approximate_figures_keep_their_qualifier(dataset):
    figures = _published_unit_figures(dataset)
    qualified = figures[figures["qualifier"].notna()]
    assert dict(zip(zip(qualified["indicator"], qualified["year"]), qualified["qualifier"])) == APPROXIMATE
