"""Demo data: deterministic, districts add up to the unit, real data untouched, always labelled."""

import pandas as pd
import pytest

from conftest import cli, edit_csv
from jaarverslag.errors import DataContractError
from jaarverslag.feeds import demo
from jaarverslag.inputs import load, write_tables
from jaarverslag.inputs.sources import DEMO

ADDITIVE = ("count", "euro", "kilogram", "fte")


def test_shipped_demo_data_is_what_the_generator_makes(data_dir):
    before = {p.name: p.read_bytes() for p in data_dir.glob("*.csv")}
    assert cli("demo", data=data_dir) == 0
    after = {p.name: p.read_bytes() for p in data_dir.glob("*.csv")}
    assert after == before, "data/ is not the output of `jaarverslag demo` (run it and commit)"


def test_districts_add_up_to_the_unit_for_every_additive_indicator(dataset):
    obs = dataset.observations.merge(dataset.indicators[["id", "unit"]], left_on="indicator", right_on="id")
    obs = obs[obs["unit"].isin(ADDITIVE)]
    unit = obs[obs["region"] == "eenheid"].set_index(["indicator", "year"])["value"]
    districts = obs[obs["region"].isin(demo.districts(dataset))].groupby(["indicator", "year"])["value"].sum()
    assert len(unit) > 20
    pd.testing.assert_series_equal(districts.sort_index(), unit.sort_index(), check_names=False)


def test_every_district_has_both_years_and_every_generated_row_is_labelled(dataset):
    for name in ("observations", "targets", "goals"):
        frame = getattr(dataset, name)
        districts = frame[frame["region"] != "eenheid"]
        assert (districts["source"] == DEMO).all(), name
        assert (frame.loc[frame["region"] == "eenheid", "source"] != DEMO).all(), name
    obs = dataset.observations
    for region in demo.districts(dataset):
        assert {2018, 2019} <= set(obs.loc[obs["region"] == region, "year"])
    goals = dataset.goals
    unit = goals[goals["region"] == "eenheid"]
    for region in demo.districts(dataset):  # a district has goals in the years the unit has, and no others
        assert set(goals.loc[goals["region"] == region, "year"]) == set(unit["year"]) == {2019}


def test_a_goal_of_one_place_is_only_that_place_s(dataset):
    goals = dataset.goals
    politiekids = goals[goals["goal_id"] == "bcsv-c-4"]  # groups founded in basisteam Feijenoord
    assert set(politiekids["region"]) == {"eenheid", "rotterdam-zuid"}
    per_district = goals[goals["region"] != "eenheid"].groupby("region").size()
    assert per_district.max() == len(goals[(goals["region"] == "eenheid") & goals["place"].isna()]) + 1


def test_demo_goals_measured_by_a_figure_take_its_result(dataset):
    from jaarverslag.analysis.goals import goals_for

    goals = goals_for(dataset, 2019, "rotterdam-zuid", ["burger-centraal"]).set_index("goal_id")
    obs = dataset.observations.set_index(["indicator", "region", "year"])["value"]
    assert goals.at["bcsv-b-1", "results"] == [obs["ib-training-basisteams", "rotterdam-zuid", 2019],
                                               obs["ib-training-recherche", "rotterdam-zuid", 2019]]
    assert goals.at["bcsv-b-1", "status"] == goals.at["bcsv-b-1", "derived_status"]


def test_percentages_stay_plausible(dataset):
    obs = dataset.observations.merge(dataset.indicators[["id", "unit"]], left_on="indicator", right_on="id")
    pct = obs[(obs["unit"] == "percentage") & (obs["source"] == DEMO)]
    unit = obs[(obs["unit"] == "percentage") & (obs["region"] == "eenheid")].set_index(["indicator", "year"])["value"]
    assert pct["value"].between(0, 100).all()
    gap = (pct.set_index(["indicator", "year"])["value"] - unit.reindex(pct.set_index(["indicator", "year"]).index)).abs()
    assert gap.max() <= 12


def test_real_data_is_unchanged_by_the_generator(dataset):
    generated = demo.generate(dataset, seed=7)
    for name in ("observations", "targets", "goals"):
        real = getattr(dataset, name)
        real = real[real["source"] != DEMO].reset_index(drop=True)
        kept = generated[name][generated[name]["source"] != DEMO].reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, real, check_dtype=False)


def test_other_seed_other_data_same_totals(dataset):
    a, b = demo.generate(dataset, seed=1), demo.generate(dataset, seed=2)
    assert not a["observations"].equals(b["observations"])
    demo_rows = lambda f: f[f["source"] == DEMO].groupby(["indicator", "year"])["value"].sum()  # noqa: E731
    additive = dataset.indicators.loc[dataset.indicators["unit"].isin(ADDITIVE), "id"]
    additive = additive[additive.isin(dataset.observations["indicator"])]
    pd.testing.assert_series_equal(demo_rows(a["observations"]).loc[additive.tolist()],
                                   demo_rows(b["observations"]).loc[additive.tolist()])


def test_invalid_generated_data_never_reaches_data_dir(data_dir, monkeypatch):
    before = (data_dir / "observations.csv").read_bytes()
    original = demo.observations
    monkeypatch.setattr(demo, "observations", lambda d, rng: original(d, rng).assign(value=-1.0))
    with pytest.raises(DataContractError, match="as it would be written"):
        write_tables(data_dir, demo.generate(load(data_dir)))
    assert (data_dir / "observations.csv").read_bytes() == before


def test_demo_after_real_district_rows_keeps_them(data_dir):
    """After `jaarverslag cbs` wrote a district figure, regenerating demo data keeps it."""

    def publish(frame):
        row = (frame["indicator"] == "woninginbraken") & (frame["region"] == "rijnmond-oost") & (frame["year"] == "2019")
        return frame.assign(source=frame["source"].where(~row, "jaarverslag-2019"),
                            location=frame["location"].where(~row, "1. Regionaal Veiligheidsbeeld"))

    edit_csv(data_dir / "observations.csv", publish)
    assert cli("demo", data=data_dir) == 0
    obs = load(data_dir).observations
    rows = obs[(obs["indicator"] == "woninginbraken") & (obs["region"] == "rijnmond-oost") & (obs["year"] == 2019)]
    assert rows["source"].tolist() == ["jaarverslag-2019"]


def test_figures_that_count_districts_stay_with_the_unit(dataset):
    counted = dataset.indicators.loc[dataset.indicators["unit"] == "districts", "id"]
    rows = dataset.observations[dataset.observations["indicator"].isin(counted)]
    assert len(rows) > 0 and set(rows["region"]) == {"eenheid"}
