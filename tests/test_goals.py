"""The appendix: every goal row of the seed, statuses, and status derived from numbers."""

import pytest

from ground_truth import GOALS_PER_AMBITION, QUANTIFIED_GOALS
from jaarverslag.analysis.goals import goals_for, status_counts, summary_sentence


@pytest.fixture(scope="module")
def unit_goals(dataset):
    return goals_for(dataset, 2019, "eenheid", list(dataset.themes["id"]))


def test_every_goal_row_of_the_seed_per_theme_and_ambition(unit_goals):
    counted = unit_goals.groupby(["theme", "ambition_code"]).size().to_dict()
    assert counted == GOALS_PER_AMBITION


@pytest.mark.parametrize("goal_id, kind, target, result, status", QUANTIFIED_GOALS)
def test_known_target_result_pairs(unit_goals, goal_id, kind, target, result, status):
    row = unit_goals.set_index("goal_id").loc[goal_id]
    assert (row["target_kind"], row["target_value"], row["result_value"]) == (kind, pytest.approx(target), pytest.approx(result))
    assert row["derived_status"] == status == row["status"]


def test_numbers_support_every_recorded_status(unit_goals):
    assert unit_goals["status_agrees"].all()
    assert unit_goals["derived_status"].notna().sum() >= 20


def test_goals_are_in_report_order(unit_goals, dataset):
    order = dataset.themes.set_index("id")["order"]
    assert unit_goals["theme"].map(order).is_monotonic_increasing


def test_status_counts_and_summary(unit_goals):
    inzet = unit_goals[unit_goals["theme"] == "inzetbaarheid"]
    counts = status_counts(inzet).loc["totaal"].to_dict()
    assert counts == {"gerealiseerd": 9, "deels": 6, "niet": 3, "onbekend": 2}
    assert summary_sentence(inzet) == "9 van 20 doelen gerealiseerd (6 deels, 3 niet, 2 onbekend)."
