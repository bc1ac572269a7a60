"""The published-figure audit finds exactly the seed's inconsistent rows."""

from ground_truth import INCONSISTENT_2019, KPI_2019
from jaarverslag.analysis.audit import audit
from jaarverslag.analysis.targets import evaluate


def test_audit_lists_every_inconsistent_row(dataset):
    audited = audit(evaluate(dataset, 2019, "eenheid"), 2019)
    published = {row[0] for row in KPI_2019 if row[3] is not None}
    assert set(audited["indicator"]) == published
    assert set(audited.loc[~audited["agrees"], "indicator"]) == INCONSISTENT_2019


def test_audit_explains_a_figure_computed_against_the_wrong_reference(dataset):
    audited = audit(evaluate(dataset, 2019, "eenheid"), 2019).set_index("indicator")
    assert "verandering ten opzichte van 2018" in audited.loc["verdachten-horizontale-fraude", "note"]
    assert audited.loc["csv-onderzoeken", "note"] == ""


def test_rounding_is_not_a_disagreement(dataset):
    audited = audit(evaluate(dataset, 2019, "eenheid"), 2019).set_index("indicator")
    # 84,6% is printed as 85%; -0,9% as 1%: both agree.
    assert audited.loc["verdachten-mensenhandel", "agrees"]
    assert audited.loc["overvallen", "agrees"]


def test_rounding_is_half_up_on_the_printed_precision():
    from jaarverslag.analysis.audit import _round_half_up

    assert _round_half_up(2.45, 1) == 2.5 and _round_half_up(-8.45, 0) == 8.0 and _round_half_up(1.005, 2) == 1.01
