"""Target evaluation on every row of the seed's Veiligheidsbeeld."""

import dataclasses
import math

import pytest

from ground_truth import REALISATION_2019
from jaarverslag.analysis.targets import evaluate, kpi_rows


@pytest.fixture(scope="module")
def evaluation(dataset):
    return evaluate(dataset, 2019, "eenheid").set_index("indicator")


@pytest.mark.parametrize("indicator, expected", REALISATION_2019.items())
def test_realisation_and_met(evaluation, indicator, expected):
    realisation, met = expected
    row = evaluation.loc[indicator]
    assert row["realisation"] == pytest.approx(realisation, abs=0.005)
    assert bool(row["met"]) is met


def test_indicator_without_target_has_no_verdict(evaluation):
    row = evaluation.loc["misdrijven-cybercrime"]
    assert row["kind"] != row["kind"]  # NaN: no target
    assert row["met"] is None or str(row["met"]) == "<NA>"


def test_kpi_rows_follow_the_report_order(dataset):
    rows = kpi_rows(evaluate(dataset, 2019, "eenheid"))
    assert list(rows["indicator"])[:4] == ["misdrijven-totaal", "woninginbraken", "straatroven", "overvallen"]
    assert list(rows["indicator"])[-1] == "dna-v"
    assert len(rows) == 12


def test_year_without_data_evaluates_to_nothing(dataset):
    assert evaluate(dataset, 2016, "rotterdam-zuid").empty


def test_edge_cases_of_realisation_and_met():
    from jaarverslag.analysis.targets import is_met, realisation

    assert realisation([5], [0], ["count"]).isna().all()  # no relative change from zero
    assert realisation([0.5], [0], ["percentage"]).iloc[0] == 0.5
    met = is_met([6.5, 6.9, 3.0, 1.0], [6.7, 6.7, 3.0, None], ["at_most", "at_most", "not_above_previous_year", "at_least"])
    assert met.tolist()[:3] == [True, False, True] and met.isna().tolist()[3]


def test_commentary_survives_a_zero_previous_year(dataset):
    from jaarverslag.chapters.commentary import sentence

    obs = dataset.observations
    zero = (obs["indicator"] == "overvallen") & (obs["region"] == "eenheid") & (obs["year"] == 2018)
    data = dataclasses.replace(dataset, observations=obs.assign(value=obs["value"].mask(zero, 0.0)))
    evaluation = evaluate(data, 2019, "eenheid")
    row = next(evaluation[evaluation["indicator"] == "overvallen"].itertuples())
    assert math.isnan(row.change)  # no relative change from zero
    text = sentence(row, 2019)
    assert text.startswith("Het aantal overvallen steeg naar 223 (2018: 0)")


def test_an_evaluation_is_remembered_per_dataset_and_handed_out_as_a_copy(dataset):
    first = evaluate(dataset, 2019, "eenheid")
    first["current"] = 0.0  # an analyst's change to what they got
    assert evaluate(dataset, 2019, "eenheid")["current"].max() > 0
    obs = dataset.observations
    other = dataclasses.replace(dataset, observations=obs.assign(value=obs["value"] * 2))
    doubled = evaluate(other, 2019, "eenheid").set_index("indicator")["current"]
    assert doubled["woninginbraken"] == 2 * evaluate(dataset, 2019, "eenheid").set_index("indicator").at["woninginbraken", "current"]
