"""End to end: papermill executes the Veiligheidsbeeld for (2019, eenheid), nbconvert
publishes it, and the page shows what a reader needs, in Dutch formats."""

import shutil

import pytest
from bs4 import BeautifulSoup

from conftest import NOTEBOOKS, chapters, cli

pytestmark = pytest.mark.slow

# What the reader sees per Veiligheidsbeeld row (by indicator id; the row header is the
# indicator's label): 2018, 2019, realisation, target, met, published.
EXPECTED_ROWS = {
    "misdrijven-totaal": ["91.400", "95.782", "+4,8%", "≤ 2018", "✘ niet gehaald", "5%"],
    "woninginbraken": ["4.400", "4.028", "-8,5%", "≤ 2018", "✔ gehaald", "8%"],
    "straatroven": ["761", "717", "-5,8%", "≤ 2018", "✔ gehaald", "6%"],
    "overvallen": ["225", "223", "-0,9%", "≤ 2018", "✔ gehaald", "1%"],
    "csv-onderzoeken": ["95", "101", "+6,3%", "≥ 95", "✔ gehaald", "2%"],
    "verdachten-mensenhandel": ["44", "48", "+84,6%", "≥ 26", "✔ gehaald", "85%"],
    "verdachten-horizontale-fraude": ["300", "465", "+50,0%", "≥ 310", "✔ gehaald", "55%"],
    "misdrijven-cybercrime": ["297", "302", "–", "geen streefwaarde", "–", "–"],
    "verdachten-cybercrime": ["31", "48", "+20,0%", "≥ 40", "✔ gehaald", "20%"],
    "reactietijd-spoed": ["82,3%", "82,3%", "+0,3 procentpunt", "≥ 82%", "✔ gehaald", "0,3 procentpunt"],
    "reactietijd-prio2": ["79,7%", "79,6%", "+2,6 procentpunt", "≥ 77%", "✔ gehaald", "2,6 procentpunt"],
    "dna-v": ["72,8%", "72,1%", "+2,1 procentpunt", "≥ 70%", "✔ gehaald", "2,1 procentpunt"],
}


CHAPTERS = chapters()


@pytest.fixture(scope="module")
def build(published):
    return published.parent


def _page(build, year, region, theme):
    html = build / "reports" / str(year) / region / f"{theme}.html"
    return BeautifulSoup(html.read_text(encoding="utf-8").replace("\xad", ""), "html.parser")  # soft hyphens are invisible


@pytest.fixture(scope="module")
def page(build):
    return _page(build, 2019, "eenheid", "veiligheidsbeeld")


def _rows(table):
    return {tr.find_all("th")[-1].get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")]
            for tr in table.find("tbody").find_all("tr")}


def test_outputs_in_build(build):
    assert (build / "notebooks" / "2019" / "eenheid" / "veiligheidsbeeld.ipynb").is_file()
    assert not list(build.rglob("*.tmp*")), "temporary files left behind"


def test_page_is_dutch_and_self_contained(page):
    assert page.html["lang"] == "nl"
    assert page.title.get_text() == "Regionaal Veiligheidsbeeld 2019 – Eenheid Rotterdam"
    assert not page.find_all("script", src=True), "report must not load scripts from elsewhere"


def test_code_and_parameters_are_hidden(page):
    text = page.get_text()
    assert "Veiligheidsbeeld.build" not in text
    assert 'region = "eenheid"' not in text
    assert not page.select(".jp-CodeCell .jp-InputArea")


def test_every_veiligheidsbeeld_row_in_dutch_formats(page, dataset):
    rows = _rows(page.find("table", id="T_kpi"))
    label = dataset.indicators.set_index("id")["label"]
    assert rows == {label[indicator]: cells for indicator, cells in EXPECTED_ROWS.items()}


def test_summary_and_commentary(page):
    text = page.get_text(" ", strip=True)
    assert "10 van 11 streefwaarden gehaald" in text
    assert "Het aantal woninginbraken daalde met 8,5% naar 4.028 (2018: 4.400); streefwaarde gehaald." in text
    assert "Het totaal aantal geregistreerde misdrijven steeg met 4,8% naar 95.782 (2018: 91.400); streefwaarde niet gehaald." in text


def test_audit_shows_the_inconsistent_rows(page):
    rows = _rows(page.find("table", id="T_audit"))
    wrong = {label for label, cells in rows.items() if cells[2] == "✘ wijkt af"}
    assert wrong == {"CSV's (aantal projectmatige onderzoeken)", "Aantal verdachten OM horizontale fraude"}
    assert rows["Aantal verdachten OM horizontale fraude"][:2] == ["+50,0%", "55%"]
    assert "9 van 11 gepubliceerde realisatiecijfers volgen uit de data" in page.get_text(" ", strip=True)


def test_audit_lists_the_texts_claims_with_verdicts(page):
    table = page.find("table", id="T_claims")
    rows = _rows(table)
    assert rows["Alle kwantitatieve doelstellingen gerealiseerd"][:2] == [
        "10 van 11 streefwaarden gehaald (niet gehaald: Totaal aantal misdrijven); 17 van 31 doelen met een streefwaarde "
        "gerealiseerd (8 niet, 6 deels gerealiseerd)", "✘ in strijd met de data"]
    assert rows["In de haven ruim 30.000 kg cocaïne onderschept (een record)"][:2] == [
        "ruim 33.000\u00a0kg", "≠ in strijd met een andere bewering"]
    assert rows["In de haven ruim 33.000 kg cocaïne onderschept (een record)"][1] == "≠ in strijd met een andere bewering"
    assert rows["Prio 2: in 79% binnen 30 minuten ter plaatse"][1] == "✘ in strijd met de data"
    assert "Voorwoord" in [th.get_text(strip=True) for th in table.select("tbody th")]
    assert "62 beweringen: " in page.get_text(" ", strip=True)


def test_key_figures(page):
    rows = _rows(page.find("table", id="T_kerncijfers"))
    # no key figure has a streefwaarde: the columns are left out and a note under the table says so, once
    assert rows["Staande gehouden personen"] == ["–", "53.569", "–"]
    assert rows["Aandeel aangiften via internet"] == ["36%", "39%", "+3,0 procentpunt"]  # as stated: whole
    assert "Geen van deze kerncijfers heeft een streefwaarde." in page.find("table", id="T_kerncijfers").find_next("p").get_text()


def test_a_figure_a_goal_measures_shows_that_goal_and_the_goal_its_result(build):
    soup = _page(build, 2019, "eenheid", "burger-centraal")
    figures = _rows(soup.find("table", id="T_figures-burger-centraal"))
    assert figures["Basisteams getraind in individueel beoordelen (dag 1)"][-2:] == ["≥ 90% (doel)", "✔ gehaald"]
    assert figures["Recherche en overige onderdelen getraind in individueel beoordelen (dag 1)"][-2:] == ["≥ 90% (doel)",
                                                                                                       "✘ niet gehaald"]
    assert figures["Districten met minstens 30 keer conservatoir beslag voor slachtoffers"][-2:] == ["≥ 6 (doel)",
                                                                                                   "✘ niet gehaald"]
    assert figures["Scholen met contact over Schoolveiligheid"][-2:] == ["doel meet iets anders", "–"]
    goals = _rows(soup.find("table", id="T_goals-burger-centraal"))
    assert goals["Basisteams en recherche getraind in IB"][2:4] == ["91% en 33%", "◐ Deels gerealiseerd"]
    assert goals["Scholen met project Schoolveiligheid"][2:4] == ["90%", "≠ Niet vergelijkbaar"]
    assert goals["Scholen met project Schoolveiligheid"][4].startswith("Het doel telt scholen waar het project is ingevoerd")
    assert goals["Conservatoir beslag voor slachtoffers per district"][4] == "Volgens de bron; de cijfers geven niet gerealiseerd"
    assert goals["HALT-verwijzingen binnen 7 dagen na verhoor"][4] == "Ons oordeel: Resultaat 69% tegen streefwaarde 80%."


def test_charts_are_svg_images_with_alt_text_size_and_text_labels(page):
    from urllib.parse import unquote

    images = page.find_all("img")
    assert len(images) == 2
    assert all(img.get("alt", "").strip() for img in images)
    assert "Aantal woninginbraken: 4.400 in 2018 en 4.028 in 2019" in images[0]["alt"]
    assert "norm 82%" in images[1]["alt"]
    for img in images:
        assert img["src"].startswith("data:image/svg+xml;charset=utf-8,<?xml") and int(img["width"]) == 688 and int(img["height"]) > 0
    svg = unquote(images[0]["src"].split(",", 1)[1])
    assert svg.rstrip().endswith("</svg>") and ">High impact crime, 2018 en 2019</text>" in svg and ">Woninginbraken</text>" in svg


def test_a_chart_of_one_category_is_a_sentence_without_numbers(build):
    """Ontwikkelagenda GGP (2019, unit): all 9 goals 'onbekend'; CTER: one percentage goal with target and result."""
    ggp = _page(build, 2019, "eenheid", "ontwikkelagendas")
    assert "Van alle 9 doelen is de status onbekend." in [p.get_text() for p in ggp.select("p.chart-sentence")]
    summaries = [d.summary.get_text() for d in ggp.select("details.chart-data")]
    assert not any("Ontwikkelagenda GGP" in s for s in summaries) and len(summaries) == len(ggp.find_all("img"))
    cter = _page(build, 2019, "eenheid", "cter")
    assert [p.get_text() for p in cter.select("p.chart-sentence")] == [
        "IBT-plichtigen getraind in levensreddend handelen: 100% (resultaat), tegen een norm van 90%."]
    assert len(cter.find_all("img")) == len(cter.select("details.chart-data")) == 1  # the status chart stays a chart


def test_failing_notebook_keeps_earlier_output(tmp_path, build, capsys):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    source = (notebooks / "veiligheidsbeeld.ipynb").read_text(encoding="utf-8")
    broken = source.replace("vb.summary()", "1 / 0")
    assert broken != source
    (notebooks / "veiligheidsbeeld.ipynb").write_text(broken, encoding="utf-8")
    build_copy = tmp_path / "build"
    shutil.copytree(build, build_copy)
    earlier = (build_copy / "reports" / "2019" / "eenheid" / "veiligheidsbeeld.html").read_bytes()

    code = cli("render", "--year", "2019", "--region", "eenheid", "--chapter", "veiligheidsbeeld", build=build_copy,
               notebooks=notebooks)

    assert code == 1
    out = capsys.readouterr().out
    assert "veiligheidsbeeld.ipynb failed for year=2019, region=eenheid in cell `1 / 0`" in out
    assert "ZeroDivisionError" in out
    assert (build_copy / "reports" / "2019" / "eenheid" / "veiligheidsbeeld.html").read_bytes() == earlier
    assert not list(build_copy.rglob("*.tmp*"))


def _text(soup):
    return soup.get_text(" ", strip=True)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_renders_in_dutch_with_alt_text(build, chapter):
    soup = _page(build, 2019, "eenheid", chapter)
    assert soup.html["lang"] == "nl"
    assert soup.title.get_text().endswith("2019 – Eenheid Rotterdam")
    assert all(img.get("alt", "").strip() for img in soup.find_all("img"))
    assert "Traceback" not in _text(soup) and "Error" not in _text(soup)


@pytest.mark.parametrize(
    "theme, summary",
    [
        ("inzetbaarheid", "9 van 20 doelen gerealiseerd (6 deels, 3 niet, 1 onbekend, 1 niet vergelijkbaar). De bron noemt "
                          "de status van 1 van deze doelen zelf; de andere zijn ons oordeel"),
        ("politie-voor-iedereen", "2 van 7 doelen gerealiseerd (1 deels, 2 niet, 2 niet vergelijkbaar)."),
        ("cybercrime", "4 van 10 doelen gerealiseerd (4 deels, 2 niet). De bron noemt de status van 3 van deze doelen zelf"),
    ],
)
def test_status_summary_per_theme(build, theme, summary):
    assert summary in _text(_page(build, 2019, "eenheid", theme))


def test_goal_table_shows_target_result_and_status_as_text(build):
    rows = _rows(_page(build, 2019, "eenheid", "inzetbaarheid").find("table", id="T_goals-inzetbaarheid"))
    assert rows["IBT-plichtigen met behaalde FVT-toets"] == ["Fit@NP", "≥ 90%", "66,4%", "✘ Niet gerealiseerd",
                                                           "Ons oordeel: Resultaat 66,4% tegen streefwaarde 90%."]
    assert rows["Ziekteverzuimpercentage"][1:4] == ["≤ 6,7%", "6,5%", "✔ Gerealiseerd"]
    rows = _rows(_page(build, 2019, "eenheid", "politie-voor-iedereen").find("table", id="T_goals-politie-voor-iedereen"))
    assert rows["Exitinterviews met vertrekkende medewerkers"][1:4] == ["≥ 20", "10", "✘ Niet gerealiseerd"]


def test_ontwikkelagendas_show_both_agendas(build):
    soup = _page(build, 2019, "eenheid", "ontwikkelagendas")
    assert soup.find("table", id="T_goals-ontwikkelagenda-opsporing") and soup.find("table", id="T_goals-ontwikkelagenda-ggp")
    assert "Gebiedsgebonden politiezorg (GGP)" in _text(soup)


def test_status_overview_across_themes(page):
    rows = _rows(page.find("table", id="T_status-overview"))
    assert rows["Bedrijfsvoering: Inzetbaarheid"] == ["9", "6", "3", "1", "1", "20"]
    assert rows["Totaal"][-1] == "106"


def test_missing_parts_say_so_instead_of_failing(build):
    text = _text(_page(build, 2018, "eenheid", "cter"))
    assert ("Geen doelen: voor Contraterrorisme, extremisme en radicalisering (CTER) zijn voor Eenheid Rotterdam in 2018 "
            "geen doelen uit het jaarplan vastgelegd.") in text


def test_demo_notice_on_district_pages_only(build):
    for theme in ("veiligheidsbeeld", "cter"):
        assert "Demodata — geen echte cijfers." in _text(_page(build, 2019, "rotterdam-zuid", theme))
    for chapter in CHAPTERS:  # the unit's figures are real; its comparison of the districts shows theirs
        assert ("Demodata" in _text(_page(build, 2019, "eenheid", chapter))) == (chapter == "districten")


def test_executed_notebooks_write_nothing_to_stderr(build):
    """Warnings (matplotlib layout, pandas) end up on stderr: a clean report has none."""
    import nbformat

    for path in (build / "notebooks").rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        streams = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stderr"]
        assert streams == [], f"{path}: {streams[0]['text'][:300]}"


@pytest.fixture(scope="module")
def first_year(published):
    """A district in the first year with data: no previous year, no targets, no published figures.
    Its pages as the session's whole batch rendered them."""
    build = published.parent
    return {chapter: _text(_page(build, 2018, "rotterdam-zuid", chapter)) for chapter in ("veiligheidsbeeld", "cter")}


def test_first_year_says_precisely_what_is_missing_and_why(first_year):
    page = first_year["veiligheidsbeeld"]
    for sentence in [
        "De tabel toont de cijfers van 2018.",
        "Voor 2017 zijn voor Rotterdam-Zuid geen cijfers vastgelegd; de tabel toont alleen 2018.",
        "Voor 2018 zijn voor Rotterdam-Zuid geen streefwaarden vastgelegd.",
        "Geen grafiek van de high impact crimes: voor 2017 zijn voor Rotterdam-Zuid geen cijfers vastgelegd, "
        "dus er valt niets te vergelijken.",
        "Geen grafiek van de normen: voor 2018 zijn voor Rotterdam-Zuid geen normen (streefwaarden voor percentages) "
        "vastgelegd.",
        "Voor Rotterdam-Zuid zijn voor 2018 geen gepubliceerde realisatiecijfers vastgelegd: er is niets na te rekenen.",
        # the unit had no appendix in 2018, so neither has a district
        "Geen doelen: voor Rotterdam-Zuid zijn in 2018 geen doelen uit het jaarplan vastgelegd.",
    ]:
        assert sentence in page
    assert ("Geen toelichting: voor Contraterrorisme, extremisme en radicalisering (CTER) is voor Rotterdam-Zuid in 2018 "
            "geen tekst geschreven.") in first_year["cter"]
    assert ("Geen kerncijfers: voor Contraterrorisme, extremisme en radicalisering (CTER) zijn voor Rotterdam-Zuid in "
            "2018 geen cijfers vastgelegd.") in first_year["cter"]


def test_no_page_denies_what_it_shows(first_year, page):
    for text in [*first_year.values(), _text(page)]:
        assert "Geen gegevens beschikbaar" not in text  # every absence names what and why
        assert "doelen gehaald" not in text  # KPI targets are streefwaarden; doelen are the appendix's goals
    vb = first_year["veiligheidsbeeld"]
    assert "15.210" in vb  # the 2018 figures are shown ...
    assert "Gepubliceerd" not in vb and "oorspronkelijke" not in vb  # ... and nothing refers to published figures
    assert "gepubliceerde realisatiecijfers volgen uit de data" in _text(page)  # the unit's 2019 audit does


def test_every_chart_has_its_numbers_and_they_are_the_data(page, dataset):
    """The high impact chart's CSV holds exactly the 2018 and 2019 figures in data/ for the unit."""
    import io
    from urllib.parse import unquote

    import pandas as pd

    assert len(page.select("details.chart-data")) == len(page.find_all("img"))
    details = next(d for d in page.select("details.chart-data") if "High impact crime" in d.summary.get_text())
    csv = pd.read_csv(io.StringIO(unquote(details.find("a", download=True)["href"].split(",", 1)[1])))
    label = dataset.indicators.set_index("id")["label"]
    obs = dataset.observations
    expected = {(label[o.indicator], o.year, o.value) for o in obs[(obs["region"] == "eenheid") & obs["year"].isin([2018, 2019])
                & obs["indicator"].isin(["misdrijven-totaal", "woninginbraken", "straatroven", "overvallen"])].itertuples()}
    assert set(csv.itertuples(index=False, name=None)) == expected
