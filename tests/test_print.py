"""Print-grade reports: nothing overflows at A4 width, PDFs navigable (outline, contents with the
right page numbers), a cover and a colophon, and the accessibility structure Chromium can give.

Checked for every report kind: the unit, a district (demo data), a year with missing
chapters, and a report made in the test from extra-long labels and a 2020 data drop.
Page images of each kind's first pages are written to build/review/ for a person to look at.
"""

import re
import shutil
import subprocess
import unicodedata

import pages
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from conftest import BATCH, CHROMIUM, ROOT, cli, edit_csv
from jaarverslag.inputs.params import load_batch

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")]

PRINTABLE_WIDTH = round((210 - 2 * 14) / 25.4 * 96)  # CSS px: A4 less the template's @page margins
LONG = " met een uitzonderlijk lange omschrijving over rolduidelijkheidsprogramma's en opsporingsmedewerkers"


@pytest.fixture(scope="module")
def long_2020(tmp_path_factory, data_dir_module):
    """Extra-long labels everywhere, and a new year: 2020 copied from 2019, as a data drop would bring it."""
    data = data_dir_module
    edit_csv(data / "indicators.csv", lambda f: f.assign(label=f["label"] + LONG))
    for table in ("observations", "targets", "goals"):
        frame = pd.read_csv(data / f"{table}.csv", dtype=str, keep_default_na=False)
        drop = frame[(frame["year"] == "2019") & (frame["region"] == "eenheid")].assign(year="2020")
        if table == "targets":
            drop = drop.assign(published_realisation="")
        if table == "goals":
            drop = drop.assign(label=drop["label"] + LONG, ambition=drop["ambition"] + LONG)
        pd.concat([frame, drop]).to_csv(data / f"{table}.csv", index=False)
    batch = tmp_path_factory.mktemp("batch") / "batch.yaml"
    batch.write_text(BATCH.read_text().replace("years: [2018, 2019]", "years: [2020]"))
    build = tmp_path_factory.mktemp("long") / "build"
    assert cli("run", "--config", ROOT / "_quarto.yml", "--region", "eenheid", data=data, build=build, batch=batch) == 0
    return build


@pytest.fixture(scope="module")
def data_dir_module(tmp_path_factory):
    target = tmp_path_factory.mktemp("data-long") / "data"
    shutil.copytree(ROOT / "data", target)
    return target


def _kinds(rendered, long_2020):
    return {
        "unit-2019": rendered / "site" / "2019" / "eenheid" / "jaarverslag-2019-eenheid.pdf",
        "district-2019": rendered / "site" / "2019" / "rotterdam-zuid" / "jaarverslag-2019-rotterdam-zuid.pdf",
        "partial-2018": rendered / "site" / "2018" / "eenheid" / "jaarverslag-2018-eenheid.pdf",
        "long-labels-2020": long_2020 / "site" / "2020" / "eenheid" / "jaarverslag-2020-eenheid.pdf",
    }


@pytest.fixture(scope="module")
def kinds(rendered, long_2020):
    kinds = _kinds(rendered, long_2020)
    review = ROOT / "build" / "review"
    review.mkdir(parents=True, exist_ok=True)
    if shutil.which("pdftoppm"):
        for kind, pdf in kinds.items():
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "6", str(pdf), str(review / kind)], check=True)
    return kinds


OVERFLOW = """() => {
  const found = [];
  const limit = document.documentElement.clientWidth + 1;
  for (const el of document.querySelectorAll('th, td, caption, h1, h2, h3, p, li, img, table')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    const text = (el.innerText || el.alt || el.tagName).trim().slice(0, 60);
    if (box.right > limit) found.push(`${el.tagName} wider than the page: ${text}`);
    else if (['TH', 'TD'].includes(el.tagName) && el.scrollWidth > el.clientWidth + 1)
      found.push(`${el.tagName} content overflows its cell: ${text}`);
  }
  return found;
}"""


@pytest.mark.parametrize("kind", ["unit-2019", "district-2019", "partial-2018", "long-labels-2020"])
def test_nothing_overflows_at_a4_width_in_print(kinds, browser, kind):
    page = browser.new_page(viewport={"width": PRINTABLE_WIDTH, "height": 1100})
    try:
        page.emulate_media(media="print")
        page.goto(kinds[kind].with_suffix(".html").as_uri())
        assert page.evaluate(OVERFLOW) == []
    finally:
        page.close()


def _text(reader):
    """Each page's text as a reader reads it: ligatures as letters, words hyphenated at a line end joined."""
    return [re.sub(r"[\u2010-]\n", "", unicodedata.normalize("NFKC", page.extract_text())) for page in reader.pages]


def _outline(reader):
    """(depth, title, page from 1) of every bookmark."""
    return [(depth, title, page + 1) for depth, title, page, _ in pages.bookmarks(reader)]


@pytest.mark.parametrize("kind", ["unit-2019", "district-2019", "partial-2018", "long-labels-2020"])
def test_pdf_is_navigable_with_true_page_numbers(kinds, kind):
    reader = PdfReader(kinds[kind])
    pages = _text(reader)
    assert 4 <= len(pages) <= 80
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages} == {(595, 842)}
    outline = _outline(reader)
    titles = [(title, page) for _, title, page in outline]
    html = kinds[kind].with_suffix(".html").read_text(encoding="utf-8")
    contents = re.findall(r'<a href="#([^"]+)">([^<]+)</a><span class="toc-page" data-target="\1">(\d+)</span>', html)
    assert contents, "the contents list has page numbers"
    for _target, title, number in contents:
        heading = title.replace("&#39;", "'")
        # the outline (Chromium's, from the headings) agrees with the printed contents
        assert any(t.startswith(heading.split(" – ")[0]) and p == int(number) for t, p in titles), (heading, number)
        assert heading.split(" – ")[0] in pages[int(number) - 1]
    assert "Colofon" in [t for t, _ in titles]
    for number, text in enumerate(pages[1:], 2):
        assert f"Pagina {number} van {len(pages)}" in text


TOP_LEVEL = {"Inhoud", "Voorwoord", "In één oogopslag", "Veiligheid in cijfers", "Strategische thema's",
             "Organisatie in ontwikkeling", "Bijlage: verantwoording van de cijfers", "Colofon"}


@pytest.mark.parametrize("kind", ["unit-2019", "district-2019"])
def test_bookmarks_nest_part_chapter_section(kinds, kind):
    """Parts, front matter, appendix and colophon at the top; each chapter under its part; sections under it."""
    outline = _outline(PdfReader(kinds[kind]))
    top = {title for depth, title, _ in outline if depth == 0}
    assert top - {t for t in top if t.startswith("Jaarverslag 2019")} <= TOP_LEVEL
    assert {"Veiligheid in cijfers", "Colofon", "Bijlage: verantwoording van de cijfers"} <= top
    parents, stack = [], []
    for d, title, _ in outline:
        stack[d:] = [title]
        parents.append((title, d, stack[d - 1] if d else None))
    assert ("Regionaal Veiligheidsbeeld 2019", 1, "Veiligheid in cijfers") in parents
    assert ("Cybercrime 2019", 1, "Strategische thema's") in parents
    assert ("Doelen en resultaten", 2, "Cybercrime 2019") in parents
    assert ("Ontwikkelagenda's 2019", 1, "Organisatie in ontwikkeling") in parents
    assert ("Controle van gepubliceerde cijfers", 1, "Bijlage: verantwoording van de cijfers") in parents


@pytest.mark.parametrize("kind", ["unit-2019", "district-2019", "partial-2018", "long-labels-2020"])
def test_no_heading_alone_at_a_page_foot_and_no_page_left_half_empty(kinds, kind):
    assert pages.defects(kinds[kind]) == []


BIG_NUMBER = re.compile(r"(?:€\s)?\d{1,3}(?:\.\d{3})+(?:,\d+)?")


def test_numbers_and_amounts_print_whole(kinds):
    """Every thousands-separated figure and amount of the page is on one line in the PDF."""
    for kind in ("unit-2019", "long-labels-2020"):
        html = BeautifulSoup(kinds[kind].with_suffix(".html").read_text(encoding="utf-8"), "html.parser").get_text(" ")
        printed = subprocess.run(["pdftotext", str(kinds[kind]), "-"], capture_output=True, text=True, check=True).stdout
        figures = {" ".join(f.split()) for f in BIG_NUMBER.findall(html)}
        assert len(figures) >= 10
        assert not [f for f in figures if f not in printed.replace("\xa0", " ")], kind


def test_words_are_whole_in_the_text_layer(kinds):
    """Copy and search find "woninginbraken": no soft hyphen in the text layer, only the visible ones at line ends."""
    for kind, pdf in kinds.items():
        printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "\u00ad" not in printed, kind
    unit = subprocess.run(["pdftotext", str(kinds["unit-2019"]), "-"], capture_output=True, text=True, check=True).stdout
    assert unit.count("woninginbraken") >= 5


def test_one_type_family_is_embedded_for_text_header_and_footer(kinds):
    for kind, pdf in kinds.items():
        fonts = {str(font.get_object()["/BaseFont"]) for page in PdfReader(pdf).pages
                 for font in (page["/Resources"].get("/Font") or {}).values()}
        assert fonts and all("DejaVuSans" in f for f in fonts), (kind, fonts)


def test_every_link_in_the_pdfs_works_away_from_the_build_machine(kinds):
    """No file: link (Chromium's for every relative link) survives: the data and site links go to site_url."""
    site_url = load_batch(BATCH).base_url
    for kind, pdf in kinds.items():
        year, region = pdf.parent.parent.name, pdf.parent.name
        uris = [str(link["/A"]["/URI"]) for page in PdfReader(pdf).pages for link in
                (a.get_object() for a in page.get("/Annots") or []) if "/URI" in link.get("/A", {})]
        assert not [u for u in uris if not u.startswith(("https://", "http://", "mailto:"))], kind
        assert f"{site_url}{year}/{region}/data/cijfers.csv" in uris, kind  # the colophon's data link


def test_cover_colophon_and_running_header(kinds):
    pages = _text(PdfReader(kinds["district-2019"]))
    cover = pages[0]
    assert "Jaarverslag 2019" in cover and "Rotterdam-Zuid" in cover and "Uitgave van" in cover
    assert "Demodata" in cover and "Politie Eenheid Rotterdam" in cover
    assert not re.search(r"\b[0-9a-f]{12}\b", cover)  # no build hashes
    assert "Jaarverslag 2019 – Rotterdam-Zuid" in pages[3]  # the running header
    assert "Jaarverslag 2019 – Rotterdam-Zuid" not in cover and "Pagina" not in cover  # not on the cover
    colophon = next(text for text in pages if "Colofon" in text and "Werkwijze" in text)
    assert "Demodata: gegenereerd voor de districten" in colophon and "Herkomst" in colophon


def _loose(word):
    """word as pypdf extracts hyphenated text: a space may stand between any two letters."""
    return r"\s?".join(map(re.escape, word))


def test_table_cells_stay_separate_words(kinds):
    for kind in ("unit-2019", "long-labels-2020"):
        text = " ".join(_text(PdfReader(kinds[kind])))
        for group, label in (("Ondermijning", "CSV"), ("Mensenhandel", "Aantal"), ("Streefwaarde", "Resultaat")):
            assert not re.search(_loose(group) + _loose(label), text), f"{group}{label} printed as one word"
        assert re.search(_loose("Ondermijning") + r"\s+CSV", text)


def test_pdf_accessibility_structure(kinds):
    """What Chromium can give without veraPDF: tags, language, title shown, figure alt text, embedded fonts."""
    for pdf in kinds.values():
        reader = PdfReader(pdf)
        root = reader.trailer["/Root"]
        assert root["/Lang"] == "nl" and root["/MarkInfo"]["/Marked"] and root["/ViewerPreferences"]["/DisplayDocTitle"]
        assert reader.metadata.title.startswith("Jaarverslag ")
        figures = list(_figures(root["/StructTreeRoot"]))
        html = pdf.with_suffix(".html").read_text(encoding="utf-8")
        assert len(figures) == html.count("<img ") and all(str(alt).strip() for alt in figures)
        for page in reader.pages:
            for font in (page["/Resources"].get("/Font") or {}).values():
                font = font.get_object()
                descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
                assert any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]


def test_chart_labels_are_text_in_the_pdf(kinds):
    """Charts print as vector graphics whose labels pdftotext finds (every chart's title), not as raster images."""
    from bs4 import BeautifulSoup

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    for kind, pdf in kinds.items():
        text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))  # Chromium draws 'ff' in a chart as one ligature
        alts = [img["alt"] for img in BeautifulSoup(pdf.with_suffix(".html").read_text(encoding="utf-8"), "html.parser").find_all("img")]
        titles = [re.match(r"[A-Za-z ]+diagram '(.+?)'\. ", alt).group(1) for alt in alts]
        assert titles or kind == "partial-2018", kind
        for title in titles:
            assert re.sub(r"\s+", "", title) in text, f"{kind}: chart {title!r} has no text in the PDF"
        images = subprocess.run(["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert len(images.splitlines()) == 2, f"{kind}: raster images in the PDF\n{images}"


def _figures(node):
    node = node.get_object()
    if not isinstance(node, dict):
        return
    if node.get("/S") == "/Figure":
        yield node.get("/Alt", "")
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        if hasattr(kid, "get_object"):
            yield from _figures(kid)


def test_page_images_for_review(kinds):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    for kind in kinds:
        assert len(list((ROOT / "build" / "review").glob(f"{kind}-*.png"))) == 6

