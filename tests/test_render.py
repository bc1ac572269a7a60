"""End to end: papermill executes the Veiligheidsbeeld for (2019, eenheid), nbconvert
publishes it, and the page shows what a reader needs, in Dutch formats."""

import shutil

import pytest
from bs4 import BeautifulSoup

from conftest import BATCH, DATA, NOTEBOOKS
from jaarverslag.cli import main

# What the reader sees per Veiligheidsbeeld row:
# 2018, 2019, realisation, target, met, published.
EXPECTED_ROWS = {
    "Totaal aantal misdrijven": ["91.400", "95.782", "+4,8%", "≤ 2018", "✘ niet gehaald", "5%"],
    "Aantal woninginbraken": ["4.400", "4.028", "-8,5%", "≤ 2018", "✔ gehaald", "8%"],
    "Aantal straatroven": ["761", "717", "-5,8%", "≤ 2018", "✔ gehaald", "6%"],
    "Aantal overvallen": ["225", "223", "-0,9%", "≤ 2018", "✔ gehaald", "1%"],
    "CSV's (aantal projectmatige onderzoeken)": ["95", "101", "+6,3%", "≥ 95", "✔ gehaald", "2%"],
    "Aantal verdachten OM mensenhandel / mensensmokkel": ["44", "48", "+84,6%", "≥ 26", "✔ gehaald", "85%"],
    "Aantal verdachten OM horizontale fraude": ["300", "465", "+50,0%", "≥ 310", "✔ gehaald", "55%"],
    "Aantal misdrijven cybercrime": ["297", "302", "–", "geen doel", "–", "–"],
    "Aantal verdachten OM cybercrime": ["31", "48", "+20,0%", "≥ 40", "✔ gehaald", "20%"],
    "Reactietijd spoed: % < 15 min ter plaatse": ["82,3%", "82,3%", "+0,3 procentpunt", "≥ 82,0%", "✔ gehaald", "0,3 procentpunt"],
    "Reactietijd prio 2: % < 30 min ter plaatse": ["79,7%", "79,6%", "+2,6 procentpunt", "≥ 77,0%", "✔ gehaald", "2,6 procentpunt"],
    "% DNA-V <99 dagen (okt t/m sept)": ["72,8%", "72,1%", "+2,1 procentpunt", "≥ 70,0%", "✔ gehaald", "2,1 procentpunt"],
}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    build_dir = tmp_path_factory.mktemp("render") / "build"
    code = main(["--data-dir", str(DATA), "render", "--batch", str(BATCH), "--notebooks-dir", str(NOTEBOOKS),
                 "--build-dir", str(build_dir), "--year", "2019", "--region", "eenheid"])
    assert code == 0
    return build_dir


@pytest.fixture(scope="module")
def page(build):
    html = build / "reports" / "2019" / "eenheid" / "veiligheidsbeeld.html"
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")


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


def test_every_veiligheidsbeeld_row_in_dutch_formats(page):
    rows = _rows(page.find("table", id="T_kpi"))
    assert rows == EXPECTED_ROWS


def test_summary_and_commentary(page):
    text = page.get_text(" ", strip=True)
    assert "10 van 11 doelen gehaald" in text
    assert "Het aantal woninginbraken daalde met 8,5% naar 4.028 (2018: 4.400); doel gehaald." in text
    assert "Het totaal aantal geregistreerde misdrijven steeg met 4,8% naar 95.782 (2018: 91.400); doel niet gehaald." in text


def test_audit_shows_the_inconsistent_rows(page):
    rows = _rows(page.find("table", id="T_audit"))
    wrong = {label for label, cells in rows.items() if cells[2] == "✘ wijkt af"}
    assert wrong == {"CSV's (aantal projectmatige onderzoeken)", "Aantal verdachten OM horizontale fraude"}
    assert rows["Aantal verdachten OM horizontale fraude"][:2] == ["+50,0%", "55%"]
    assert "9 van 11 gepubliceerde realisatiecijfers volgen uit de data" in page.get_text(" ", strip=True)


def test_key_figures(page):
    rows = _rows(page.find("table", id="T_kerncijfers"))
    assert rows["Staande gehouden personen"] == ["–", "53.569", "–", "geen doel", "–"]
    assert rows["Aandeel aangiften via internet"] == ["36,0%", "39,0%", "+3,0 procentpunt", "geen doel", "–"]


def test_charts_have_alt_text(page):
    images = page.find_all("img")
    assert len(images) == 2
    assert all(img.get("alt", "").strip() for img in images)
    assert "Aantal woninginbraken: 4.400 in 2018 en 4.028 in 2019" in images[0]["alt"]
    assert "norm 82,0%" in images[1]["alt"]


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

    code = main(["--data-dir", str(DATA), "render", "--batch", str(BATCH), "--notebooks-dir", str(notebooks),
                 "--build-dir", str(build_copy)])

    assert code == 1
    err = capsys.readouterr().err
    assert "veiligheidsbeeld.ipynb failed for year=2019, region=eenheid in cell" in err
    assert "ZeroDivisionError" in err
    assert (build_copy / "reports" / "2019" / "eenheid" / "veiligheidsbeeld.html").read_bytes() == earlier
    assert not list(build_copy.rglob("*.tmp*"))
