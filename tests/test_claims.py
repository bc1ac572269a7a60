"""The claims of the 2019 report's text: verdicts as worked out by hand from the seed and the data."""

import math

import pytest
from bs4 import BeautifulSoup

from conftest import BATCH, DATA, edit_csv
from jaarverslag.analysis.claims import VERDICTS, check, stated, summary
from jaarverslag.inputs import load

AGREES, AGAINST_DATA, AGAINST_CLAIM, UNCHECKABLE = VERDICTS

# Reasoned from the seed, independently of the code.
EXPECTED = {
    # "every quantitative target was met", but total crime rose 91.400 -> 95.782 against "≤ 2018"
    "rv-alle-doelen": AGAINST_DATA,
    # cocaine: "ruim 30.000 kg" in the foreword, "ruim 33.000\u00a0kg" in the chapter the data took its figure from
    "vw-cocaine": AGAINST_CLAIM,
    "ond-cocaine": AGAINST_CLAIM,
    # damage prevented: "vele tientallen miljoenen" against "honderden miljoenen"; no figure in the data
    "vw-schade-ransomware": AGAINST_CLAIM,
    "cyb-schade-ransomware": AGAINST_CLAIM,
    # prio 2: the text's 79% against 79,6% in the table (rounds to 80); the appendix's 79,6% agrees
    "rv-prio2": AGAINST_DATA,
    "bijl-prio2": AGREES,
    # 4.400 -> 4.028 is -8,45%, printed as "8% gedaald"; 91.400 -> 95.782 is +4,79%, "5%"; 225 -> 223 is -0,89%, "1%"
    "vw-woninginbraken": AGREES,
    "cb-woninginbraken": AGREES,
    "cb-misdrijven": AGREES,
    "cb-overvallen": AGREES,
    "vw-overvallen": AGREES,  # "stabiel", read as at most 1%
    "rv-fraude-doel": AGREES,  # 465 against at least 310
    # the goal counts a non-western background, the 12% any migration background: not comparable
    "vw-instroom-divers": UNCHECKABLE,
    "piv-instroom-aandeel": AGREES,  # 12% is the appendix's result
    "inz-gewonde-medewerkers": AGREES,  # 679 -> 787
    # no 2018 figure for arrests, national figures not in the data, a goal without result
    "rv-aanhoudingen": UNCHECKABLE,
    "cb-misdrijven-landelijk": UNCHECKABLE,
    "oor-tabletop": AGREES,  # our status of the goal rests on this very sentence, and the note says so
    "bijl-cybervrijwilligers-groei": UNCHECKABLE,
    # 14 "grootschalige" investigations in the introduction, 101 "projectmatige (grootschalige)" ones later on
    "rv-grootschalig": AGAINST_CLAIM,
    "rv-csv-grootschalig": AGAINST_CLAIM,
}


@pytest.fixture(scope="module")
def checked(dataset):
    return check(dataset, 2019, "eenheid").set_index("id")


@pytest.mark.parametrize("claim, verdict", EXPECTED.items())
def test_verdict(checked, claim, verdict):
    assert checked.at[claim, "verdict"] == verdict


def test_every_claim_gets_a_verdict_and_every_doubt_a_reason(checked, dataset):
    assert len(checked) == len(dataset.claims[(dataset.claims["year"] == 2019) & (dataset.claims["region"] == "eenheid")])
    assert set(checked["verdict"]) == set(VERDICTS)
    doubtful = checked[checked["verdict"] != AGREES]
    assert doubtful["reason"].str.len().gt(10).all()
    assert summary(checked) == (f"{len(checked)} beweringen: {(checked['verdict'] == AGREES).sum()} kloppen, 2 in strijd met "
                                "de data, 6 in strijd met een andere bewering, "
                                f"{(checked['verdict'] == UNCHECKABLE).sum()} niet te controleren.")


def test_what_the_data_says(checked):
    # the source calls both the table's streefwaarden and the appendix's quantified goals its quantitative goals
    assert checked.at["rv-alle-doelen", "data"] == (
        "10 van 11 streefwaarden gehaald (niet gehaald: Totaal aantal misdrijven); "
        "17 van 31 doelen met een streefwaarde gerealiseerd (8 niet, 6 deels gerealiseerd)")
    assert checked.at["vw-woninginbraken", "data"] == "4.400 in 2018, 4.028 in 2019: -8,5%"
    assert checked.at["vw-cocaine", "data"] == "ruim 33.000\u00a0kg"
    assert checked.at["vw-cocaine", "reason"].startswith("Anders in 2. Strategische thema's > Ondermijning")
    assert checked.at["rv-aanhoudingen", "reason"].startswith("Voor 2018 is geen cijfer vastgelegd.")


def test_reading_of_stated_figures():
    assert stated("79").holds(79.4) and not stated("79").holds(79.6) and not stated("79").holds(79.5)
    assert stated("82.3").holds(82.3) and not stated("82.3").holds(82.4)
    assert not stated("30000", "ruim").meets(stated("33000", "ruim"))
    assert stated("33000", "ruim").holds(33000) and not stated("33000", "ruim").holds(32999)
    assert stated("90", "circa").holds(86) and not stated("90", "circa").holds(80)
    assert not stated("1200", "meer dan").holds(1200) and stated("1200", "meer dan").holds(math.inf)
    assert not stated("1000000", "tientallen").meets(stated("1000000", "honderden"))


def test_the_data_decides_when_it_has_its_own_figure(data_dir):
    """Without the chapter's claim, the data's 33.000 kg is a third statement: the foreword's claim contradicts it."""
    edit_csv(data_dir / "claims.csv", lambda f: f[f["id"] != "ond-cocaine"])
    verdicts = check(load(data_dir), 2019, "eenheid").set_index("id")["verdict"]
    assert verdicts["vw-cocaine"] == AGAINST_DATA
    assert verdicts["vw-schade-ransomware"] == AGAINST_CLAIM  # no figure in the data: still the other claim


def test_regions_and_years_without_claims(dataset):
    from jaarverslag.chapters import Veiligheidsbeeld

    assert check(dataset, 2019, "rotterdam-zuid").empty and check(dataset, 2018, "eenheid").empty
    note = Veiligheidsbeeld.build("veiligheidsbeeld", 2018, "eenheid", DATA, BATCH).claims().data
    assert note == ("*Voor Eenheid Rotterdam zijn voor 2018 geen beweringen uit de tekst van een jaarverslag vastgelegd: "
                    "er is niets te controleren.*")


def _claims_table(data_dir):
    from jaarverslag.chapters import Veiligheidsbeeld

    html = Veiligheidsbeeld.build("veiligheidsbeeld", 2019, "eenheid", data_dir, BATCH).claims().data
    return html, BeautifulSoup(html.replace("\xad", ""), "html.parser")  # without the soft hyphens of long words


def test_chapter_lists_each_claim_with_where_what_and_verdict():
    html, page = _claims_table(DATA)
    table = page.find("table", id="T_claims")
    assert [th.get_text() for th in table.select("thead th")][-3:] == ["Wat de data zegt", "Oordeel", "Toelichting"]
    rows = {tr.select("th")[-1].get_text(): [td.get_text() for td in tr.select("td")] for tr in table.select("tbody tr")}
    assert rows["Alle kwantitatieve doelstellingen gerealiseerd"][1] == "✘ in strijd met de data"
    assert rows["In de haven ruim 30.000 kg cocaïne onderschept (een record)"][1] == "≠ in strijd met een andere bewering"
    assert rows["Aangehouden verdachten: 7% meer dan in 2018"][1] == "? niet te controleren"
    assert rows["Geregistreerde misdrijven 5% gestegen"][:2] == ["91.400 in 2018, 95.782 in 2019: +4,8%", "✔ klopt"]
    assert "Voorwoord" in [th.get_text() for th in table.select("tbody th")]
    assert page.find("strong").get_text().startswith("62 beweringen: ")


def test_claim_text_from_data_cannot_become_markup(data_dir):
    edit_csv(data_dir / "claims.csv", lambda f: f.assign(
        claim=f["claim"].where(f["id"] != "rv-alle-doelen", "<script>alert(1)</script> alles gehaald"),
        location=f["location"].where(f["id"] != "rv-alle-doelen", "<b>Voorwoord</b>")))
    html, page = _claims_table(data_dir)
    assert "<script>" not in html and "<b>" not in html
    assert "<script>alert(1)</script> alles gehaald" in page.get_text()


def test_a_changed_claim_renders_only_its_own_report_again(data_dir):
    from jaarverslag.engine.hashing import data_digests

    reports = [(2019, "eenheid"), (2019, "rotterdam-zuid"), (2018, "eenheid")]
    before = data_digests(data_dir, reports)
    edit_csv(data_dir / "claims.csv", lambda f: f.assign(note=f["note"].where(f["id"] != "rv-prio2", "Anders.")))
    after = data_digests(data_dir, reports)
    assert [report for report in reports if before[report] != after[report]] == [(2019, "eenheid")]
