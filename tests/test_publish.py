"""Published reports: assembled HTML per (year, region), its PDF, and the index."""

import re
import shutil

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from conftest import chapters, cli

CHAPTERS = chapters()


def _report(build, year, region):
    html = build / "site" / str(year) / region / f"jaarverslag-{year}-{region}.html"
    return BeautifulSoup(html.read_text(encoding="utf-8").replace("\xad", ""), "html.parser")  # soft hyphens are invisible


@pytest.fixture(scope="module")
def unit(rendered):
    return _report(rendered, 2019, "eenheid")


def test_report_has_title_page_toc_and_every_chapter_in_order(unit):
    assert unit.html["lang"] == "nl"
    assert unit.title.get_text() == "Jaarverslag 2019 – Eenheid Rotterdam"
    title = unit.select_one(".title-page")
    assert title.h1.get_text(" ", strip=True).rstrip("¶ ") == "Jaarverslag 2019 Eenheid Rotterdam"
    assert title.select_one(".publisher").get_text() == "Politie Eenheid Rotterdam"
    assert re.fullmatch(r"Uitgave van \d{1,2} \w+ 20\d\d", title.select_one(".edition").get_text())
    assert not re.search(r"\b[0-9a-f]{12}\b", title.get_text())  # no build hashes on the cover
    anchors = [a["href"] for a in unit.find_all("a", href=True) if a["href"].startswith("#hoofdstuk-")
               and not a.find_parent("nav")]  # the contents list; the menu and the pagers are <nav>
    assert anchors == [f"#hoofdstuk-{t}" for t in CHAPTERS]
    menu = [a["href"] for a in unit.select("details.menu nav a") if a["href"].startswith("#hoofdstuk-")]
    assert menu == [f"#hoofdstuk-{t}" for t in CHAPTERS]
    ids = [section["id"] for section in unit.select("section.chapter")]
    assert ids == [f"hoofdstuk-{t}" for t in CHAPTERS]
    assert [h.get_text(strip=True) for h in unit.select("h1.part")] == [
        "Veiligheid in cijfers", "Strategische thema's", "Organisatie in ontwikkeling"]


def _top(heading):
    return heading.get_text(" ", strip=True).rstrip("¶ ")


def test_front_matter_parts_appendix_and_colophon_in_a_readers_order(unit):
    """Contents, foreword and the figures at a glance first; the audit in an appendix; chapters one level under
    their part, so the PDF's bookmarks nest part > chapter > section."""
    assert [_top(h) for h in unit.find_all("h1")] == [
        "Jaarverslag 2019 Eenheid Rotterdam", "Inhoud", "Voorwoord", "In één oogopslag", "Veiligheid in cijfers",
        "Strategische thema's", "Organisatie in ontwikkeling", "Bijlage: verantwoording van de cijfers", "Colofon"]
    assert [_top(h) for h in unit.select(".toc li > strong > a")][:2] == ["Voorwoord", "In één oogopslag"]
    chapter_titles = [_top(h) for h in unit.find_all("h2") if h.find_parent("section", class_="chapter")]
    assert "Regionaal Veiligheidsbeeld 2019" in chapter_titles and "Cybercrime 2019" in chapter_titles
    appendix = unit.select_one("#bijlage")
    assert _top(appendix.find_next("h2")) == "Controle van gepubliceerde cijfers"
    assert "Beweringen in de tekst" in [_top(h) for h in appendix.find_all_next("h3")]
    html = str(unit)
    chapter_one = html[html.index('id="hoofdstuk-veiligheidsbeeld"'):html.index('id="hoofdstuk-districten"')]
    assert "Controle van gepubliceerde cijfers" not in chapter_one and 'href="#bijlage"' in chapter_one


def test_the_figures_at_a_glance_show_every_kpi_met_or_not(unit):
    glance = unit.select_one("#in-een-oogopslag").find_next("ul", class_="at-a-glance")
    tiles = glance.find_all("li")
    kpi = unit.select_one("#T_kpi").find("tbody").find_all("tr")
    assert len(tiles) == len(kpi) == 12
    verdicts = [t.select_one(".verdict").get_text() for t in tiles]
    assert verdicts.count("✔ gehaald") == 10 and verdicts.count("✘ niet gehaald") == 1
    assert "10 van 11 streefwaarden gehaald" in unit.select_one("#in-een-oogopslag").find_next("p").get_text()
    assert tiles[0].select_one(".figure").get_text() == "95.782"


def test_a_report_without_a_foreword_has_none(rendered):
    district = _report(rendered, 2019, "rotterdam-zuid")
    assert not district.select("#voorwoord") and district.select("#in-een-oogopslag")
    assert "Voorwoord" not in [_top(a) for a in district.select(".toc a")]


def test_the_colophon_names_publisher_contact_every_download_and_small_print(unit, rendered):
    colophon = unit.select_one("#colofon")
    text = colophon.get_text(" ", strip=True)
    assert "Uitgave. Politie Eenheid Rotterdam, uitgave van" in text and "0900-8844" in text
    links = {a["href"] for a in colophon.find_all("a")}
    package = rendered / "site" / "2019" / "eenheid" / "data"
    assert {f"data/{p.name}" for p in package.glob("*.csv") if not p.name.endswith("-excel.csv")} <= links
    assert "data/datapackage.json" in links
    assert colophon.select_one("footer.provenance").get_text(strip=True).startswith("Herkomst")


def test_report_hides_code_and_parameters(unit):
    text = unit.get_text(" ")
    assert "Chapter.build" not in text and "Veiligheidsbeeld.build" not in text and "data_dir" not in text
    assert not unit.select("[class^=jp-], [class*=' jp-']")  # no notebook markup
    assert [s["src"] for s in unit.find_all("script")] == ["../../assets/jaarverslag.js"]  # no CDN, only the site's own


def test_readers_get_a_book_a_landing_page_and_a_page_per_chapter(rendered):
    """Landing page, one page per chapter, appendix and colophon: one h1 each, no notebook markup, the report's
    pages in the sidebar with the current one marked, previous/next in reading order, PDF and data at the top,
    a meta description and a canonical link under site_url; charts as SVG files beside the pages."""
    folder = rendered / "site" / "2019" / "eenheid"
    order = ["index", *CHAPTERS, "bijlage", "colofon"]
    assert sorted(p.stem for p in folder.glob("*.html")) == sorted([*order, "jaarverslag-2019-eenheid"])
    for at, name in enumerate(order):
        page = BeautifulSoup((folder / f"{name}.html").read_text(encoding="utf-8"), "html.parser")
        assert page.html["lang"] == "nl" and len(page.find_all("h1")) == 1, name
        assert not page.select("[class^=jp-], [class*=' jp-'], div[tabindex]:not([role=region][aria-label])"), name  # only scroll boxes
        assert page.select_one("a.skip")["href"] == "#inhoud" and page.select_one("main")["id"] == "inhoud"
        assert page.find("meta", attrs={"name": "description"})["content"].strip()
        assert page.find("link", rel="canonical")["href"] == f"https://jaarverslag.example.org/2019/eenheid/{name}.html"
        assert page.find("link", rel="stylesheet")["href"] == "../../assets/jaarverslag.css"
        assert [a["href"] for a in page.select(".sidebar a[aria-current=page]")] == [f"{name}.html"]
        downloads = {a.get_text(" ", strip=True): a["href"] for a in page.select("ul.downloads a")}
        assert downloads["PDF van het jaarverslag 2019 Eenheid Rotterdam"] == "jaarverslag-2019-eenheid.pdf"
        assert (folder / downloads["Gegevens van het jaarverslag 2019 Eenheid Rotterdam"].split("#")[0]).is_file()
        pager = page.select_one("nav.pager")
        previous, following = pager.select_one("a[rel=prev]"), pager.select_one("a[rel=next]")
        assert (previous and previous["href"]) == (f"{order[at - 1]}.html" if at else None)
        assert (following and following["href"]) == (f"{order[at + 1]}.html" if at + 1 < len(order) else None)
        for img in page.select("img.chart"):
            assert img["src"].startswith("grafieken/") and (folder / img["src"]).is_file(), name
            assert img["loading"] == "lazy" and int(img["width"]) > 0 and img["alt"].strip()
        for link in page.select("main a[href]"):  # a link to another page of the book lands on an id there
            target, _, anchor = link["href"].partition("#")
            if target.endswith(".html") and "/" not in target and anchor:
                there = BeautifulSoup((folder / target).read_text(encoding="utf-8"), "html.parser")
                assert there.find(id=anchor), link["href"]
    landing = BeautifulSoup((folder / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert [a["href"] for a in landing.select("ul.contents a")] == [f"{n}.html" for n in order[1:]]
    assert landing.select_one("#voorwoord") and landing.select_one("#in-een-oogopslag")
    chapter = BeautifulSoup((folder / "veiligheidsbeeld.html").read_text(encoding="utf-8"), "html.parser")
    assert chapter.find("a", href="bijlage.html#bijlage")  # chapter 1's pointer to the audit, now on its own page


def test_report_figures_have_alt_text(unit):
    images = unit.find_all("img")
    assert len(images) >= 15
    assert all(img.get("alt", "").strip() for img in images)


def test_provenance_footer(unit, rendered):
    footer = unit.select_one("footer.provenance").get_text(" ", strip=True)
    assert footer.startswith("Herkomst: gegevensversie")
    assert "code jaarverslag 0.1.0" in footer and "gemaakt op" in footer
    import json

    manifest = json.loads((rendered / "manifest.json").read_text())["jobs"]
    assert manifest["2019/eenheid/cter"]["hashes"]["data"][:12] in footer


def test_district_report_is_labelled_demo_and_unit_report_is_not(rendered, unit):
    district = _report(rendered, 2019, "rotterdam-zuid").get_text(" ", strip=True)
    assert district.count("Demodata — geen echte cijfers.") >= 10  # title page and every chapter
    unit_text = unit.get_text(" ")
    assert unit_text.count("Demodata") == 1  # the unit's figures are real; only its comparison of the districts
    assert "De cijfers van de districten zijn gegenereerd" in unit_text


def test_partial_report_names_what_is_missing(rendered):
    text = _report(rendered, 2018, "eenheid").get_text(" ", strip=True)
    assert "Niet beschikbaar in deze versie: veiligheidsbeeld" in text


def test_pdf_is_a4_with_page_numbers(rendered):
    pdf = PdfReader(rendered / "site" / "2019" / "eenheid" / "jaarverslag-2019-eenheid.pdf")
    pages = len(pdf.pages)
    assert pages > 10
    width, height = float(pdf.pages[0].mediabox.width), float(pdf.pages[0].mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert "Pagina" not in pdf.pages[0].extract_text()  # the cover, as a book's, has no page number
    assert f"Pagina 2 van {pages}" in pdf.pages[1].extract_text()
    assert f"Pagina {pages} van {pages}" in pdf.pages[-1].extract_text()
    assert "95.782" in "".join(page.extract_text() for page in pdf.pages[:6])


def test_index_lists_every_report_and_every_download(rendered):
    import json

    index = BeautifulSoup((rendered / "site" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert index.html["lang"] == "nl"
    links = {a.get_text(" ", strip=True): a["href"] for a in index.find_all("a")}
    for year, region, name in [(2019, "eenheid", "Eenheid Rotterdam"), (2019, "rotterdam-zuid", "Rotterdam-Zuid"),
                               (2018, "eenheid", "Eenheid Rotterdam")]:
        assert links[f"Jaarverslag {year} {name} (HTML)"] == f"{year}/{region}/index.html"
        assert links[f"Jaarverslag {year} {name} (PDF)"] == f"{year}/{region}/jaarverslag-{year}-{region}.pdf"
        assert (rendered / "site" / links[f"Jaarverslag {year} {name} (PDF)"]).is_file()
    for year, region, name in [(2019, "eenheid", "Eenheid Rotterdam"), (2018, "eenheid", "Eenheid Rotterdam")]:
        data = f"{year}/{region}/data"
        tables = json.loads((rendered / "site" / data / "datapackage.json").read_text(encoding="utf-8"))["resources"]
        rows = index.find("table", attrs={"data-jaar": str(year)}).find_all("tr", attrs={"data-regio": region})
        downloads = [a for row in rows for a in row.find_all("a")]  # the report's row and the row of its downloads
        assert {a.get_text(" ", strip=True): a["href"] for a in downloads} == {
            f"Jaarverslag {year} {name} (HTML)": f"{year}/{region}/index.html",
            f"Jaarverslag {year} {name} (PDF)": f"{year}/{region}/jaarverslag-{year}-{region}.pdf",
            **{f"{t['title']} {year} {name} (CSV)": f"{data}/{t['path']}" for t in tables},
            **{f"{t['title']} {year} {name} voor Excel (CSV)": f"{data}/{t['name']}-excel.csv" for t in tables},
            f"Beschrijving van de gegevens {year} {name} (JSON)": f"{data}/datapackage.json",
        }  # every download of the report, each named by what it is
        assert all((rendered / "site" / a["href"]).is_file() for a in downloads)
    assert len(index.find("main").find_all("a", href=lambda h: h.endswith("/data/cijfers.csv"))) == 6  # 3 reports, twice
    assert "demodata" in index.find("th", string="Rotterdam-Zuid").parent.get_text()
    unit = {table.caption.get_text(): table.find("th", string="Eenheid Rotterdam").parent.get_text(" ", strip=True)
            for table in index.find_all("table")}
    assert "jaarverslag met demodata in de vergelijking van de districten" in unit["Jaarverslagen 2019"]  # its districts are demo
    assert "demodata" not in unit["Jaarverslagen 2018"]  # rendered without the comparison: all its figures are real


def test_publishing_one_year_keeps_the_other_years_in_the_index(rendered):
    assert cli("publish", "--year", "2018", "--region", "eenheid", "--no-pdf", build=rendered) == 0
    index = (rendered / "site" / "index.html").read_text(encoding="utf-8")
    assert "2019/rotterdam-zuid/index.html" in index
    assert "2018/eenheid/jaarverslag-2018-eenheid.pdf" in index  # printed earlier, still there


def test_each_report_offers_its_data_as_a_valid_data_package(rendered, dataset):
    """CSV tables with a Frictionless descriptor, valid by the library, holding exactly the report's rows."""
    import pandas as pd
    from frictionless import validate

    folder = rendered / "site" / "2019" / "eenheid" / "data"
    report = validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])[:5]
    figures = pd.read_csv(folder / "cijfers.csv")
    obs = dataset.observations
    shown = obs[(obs["region"] == "eenheid") & obs["year"].isin([2018, 2019])]
    assert len(figures) == len(shown) and figures["value"].sum() == pytest.approx(shown["value"].sum())
    goals = pd.read_csv(folder / "doelen.csv")
    assert len(goals) == 106 and set(goals["year"]) == {2019}
    assert {"districten.csv", "controle.csv", "beweringen.csv"} <= {p.name for p in folder.iterdir()}
    partial = {p.name for p in (rendered / "site" / "2018" / "eenheid" / "data").iterdir()}  # only the chapter cter
    assert "cijfers.csv" in partial and not partial & {"districten.csv", "controle.csv", "beweringen.csv"}
    colophon = _report(rendered, 2019, "eenheid").select_one("#colofon").find_parent()
    assert colophon.find("a", href="data/datapackage.json")


def test_methodology_and_accessibility_statement(rendered, dataset):
    """The verantwoording comes from the contract and sources.csv; the statement from recorded test results."""
    import json

    from jaarverslag.engine.layout import Layout

    layout = Layout(rendered)
    layout.accessibility.write_text(json.dumps({"tested": "2026-11-29", "tool": "axe-core 4.10.2", "pages": [
        {"path": "index.html", "width": 390, "serious": 0}]}))
    assert cli("publish", "--year", "2018", "--region", "eenheid", "--no-pdf", build=rendered) == 0
    method = BeautifulSoup(layout.methodology.read_text(encoding="utf-8"), "html.parser").get_text(" ", strip=True)
    assert "procentpunten" in method and "niet hoger dan vorig jaar" in method
    assert all(title in method for title in dataset.sources["title"])
    assert all(label in method for label in dataset.indicators["label"])
    statement = BeautifulSoup(layout.statement.read_text(encoding="utf-8"), "html.parser").get_text(" ", strip=True)
    assert "WCAG" in statement and "Op 2026-11-29 met axe-core 4.10.2" in statement and "390 px" in statement
    assert "Bekende tekortkomingen" in statement and "PDF/UA" in statement


def test_search_index_covers_the_reports_and_is_rebuilt_only_when_a_page_changed(rendered, tmp_path, monkeypatch):
    import json
    import subprocess

    from jaarverslag.engine.layout import Layout
    from jaarverslag.errors import InfrastructureError
    from jaarverslag.publish import search
    from jaarverslag.publish.state import Publications

    shutil.copytree(rendered, tmp_path / "build")
    layout = Layout(tmp_path / "build")
    entry = json.loads((layout.search / "pagefind-entry.json").read_text())
    indexed = [p for p in layout.site.rglob("*.html") if "data-pagefind-body" in p.read_text(encoding="utf-8")]
    assert not [p for p in indexed if p.name.startswith("jaarverslag-")]  # the one-page edition repeats the pages
    assert {p.name for p in indexed} >= {"index.html", "cybercrime.html", "colofon.html", "verantwoording.html"}
    assert entry["languages"]["nl"]["page_count"] == len(indexed)  # every report page, verantwoording, statement
    state = Publications(layout)
    assert search.index(layout, state) is False  # nothing changed: not indexed again
    single = next(layout.site.glob("2019/eenheid/jaarverslag-*.html"))
    single.write_text(single.read_text(encoding="utf-8").replace('data-target="voorwoord">', 'data-target="voorwoord">9'))
    assert search.index(layout, state) is False  # nor for a page it does not index (numbered while it indexes)
    before = sorted(p.name for p in layout.search.rglob("*"))
    monkeypatch.setattr(search.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 1, "", "out of disk"))
    state.entries.pop("search")  # as if the index were never made
    with pytest.raises(InfrastructureError, match="pagefind could not index .*out of disk"):
        search.index(layout, state)
    assert sorted(p.name for p in layout.search.rglob("*")) == before  # the old index still serves
    assert not list(layout.site.glob(".pagefind*"))


def test_heading_ids_are_unique_so_a_link_opens_its_own_chapter(unit):
    ids = [h["id"] for h in unit.find_all(["h1", "h2", "h3", "h4"], id=True)]
    assert len(ids) == len(set(ids))
    assert "cybercrime-Kerncijfers" in ids and "burger-centraal-Kerncijfers" in ids
    anchors = {a["href"][1:] for a in unit.select("a[href^='#']")}
    assert anchors <= {e["id"] for e in unit.find_all(id=True)}  # every link inside the page lands
