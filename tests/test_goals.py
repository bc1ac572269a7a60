"""The appendix: every goal row of the seed, statuses, and status derived from numbers."""

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from conftest import BATCH, DATA
from ground_truth import DERIVED_GOAL_NUMBERS, GOALS_PER_AMBITION, QUANTIFIED_GOALS
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
    assert row["status"] == status
    if status == "niet-vergelijkbaar":  # the numbers measure different things: no verdict from them
        assert pd.isna(row["derived_status"])
    else:
        assert row["derived_status"] == status


def test_numbers_support_every_recorded_status_but_one_the_table_shows(unit_goals):
    # the source calls 'at least 30 per district', met in 2 of 6 districts, partly realised; the numbers say not met
    assert list(unit_goals.loc[~unit_goals["status_agrees"], "goal_id"]) == ["bcsv-b-5"]
    assert unit_goals["derived_status"].notna().sum() >= 20


def test_goals_are_in_report_order(unit_goals, dataset):
    order = dataset.themes.set_index("id")["order"]
    assert unit_goals["theme"].map(order).is_monotonic_increasing


def test_status_counts_and_summary(unit_goals):
    inzet = unit_goals[unit_goals["theme"] == "inzetbaarheid"]
    counts = status_counts(inzet).loc["totaal"].to_dict()
    assert counts == {"gerealiseerd": 9, "deels": 6, "niet": 3, "onbekend": 1, "niet-vergelijkbaar": 1}
    assert summary_sentence(inzet) == (
        "9 van 20 doelen gerealiseerd (6 deels, 3 niet, 1 onbekend, 1 niet vergelijkbaar). De bron noemt de status van "
        f"{(inzet['status_basis'] == 'stated').sum()} van deze doelen zelf; de andere zijn ons oordeel op grond van de "
        "cijfers en de tekst van de bron.")


def test_derived_numbers_are_exactly_the_ones_read_from_words(unit_goals):
    bases = {
        (row.goal_id, which): getattr(row, f"{which}_basis")
        for row in unit_goals.itertuples() for which in ("target", "result")
        if getattr(row, f"{which}_value") == getattr(row, f"{which}_value")  # a number is present
        and not (which == "result" and isinstance(row.indicators, str))  # an observation, located in observations.csv
    }
    assert sorted(k for k, basis in bases.items() if basis == "derived") == sorted(DERIVED_GOAL_NUMBERS)
    assert {basis for k, basis in bases.items() if k not in DERIVED_GOAL_NUMBERS} == {"stated"}
    derived = unit_goals[unit_goals["goal_id"].isin([g for g, _ in DERIVED_GOAL_NUMBERS])]
    assert derived["basis_note"].str.len().gt(20).all()
    assert unit_goals.loc[~unit_goals.index.isin(derived.index), "basis_note"].isna().all()


def test_goals_table_marks_derived_numbers_in_words():
    from jaarverslag.chapters import Chapter

    html = Chapter.build("cybercrime", 2019, "eenheid", DATA, BATCH).goals_table().data
    page = BeautifulSoup(html.replace("\xad", ""), "html.parser")  # without the soft hyphens of long words
    rows = {tr.select("th")[-1].get_text(): [td.get_text() for td in tr.select("td")] for tr in page.select("tbody tr")}
    assert rows["Preventietips naar aanleiding van onderzoeken"][1:3] == ["≥ 4", "4 (afgeleid)"]
    assert rows["Bewustwordingscampagnes over cybercrime"][1:3] == ["≥ 2", "2"]
    notes = page.select_one("ul.note").get_text(" ")
    assert "Preventietips naar aanleiding van onderzoeken (resultaat): De bron noemt vier onderwerpen" in notes


def test_demo_goals_have_no_basis(dataset):
    demo = dataset.goals[dataset.goals["source"] == "demo"]
    assert demo[["target_basis", "result_basis", "basis_note"]].isna().all().all()
