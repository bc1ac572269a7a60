"""The published site in a real browser: Debian's Chromium driven by Playwright.

Served on loopback; checks links, the table of contents, Dutch figures, alt text,
console errors and an axe-core accessibility scan, and saves screenshots for review.
"""

import functools
import http.server
import json
import re
import shutil
import threading
from datetime import date

import pytest

from conftest import CHROMIUM, ROOT, chapters
from jaarverslag.engine.layout import Layout

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() or not AXE.exists(),
    reason="needs Debian's chromium and axe-core (installed by `make test` / .ci/run)",
)

REPORTS = [(2019, "eenheid"), (2019, "rotterdam-zuid"), (2018, "eenheid")]


@pytest.fixture(scope="module")
def site(rendered):
    """The build directory on loopback; the site is its /site (chapter pages are at /reports)."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(rendered))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.RequestHandlerClass.log_message = lambda *args: None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/site"
    server.shutdown()


@pytest.fixture
def page(browser):
    # bypass_csp: the pages forbid all script, axe-core included; test_safety checks the policy itself
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def _report_url(site, year, region):
    return f"{site}/{year}/{region}/jaarverslag-{year}-{region}.html"


def _downloads(build, year, region):
    """The files of a report's data package: every table as CSV and for Excel, and the descriptor."""
    package = json.loads((build / "site" / str(year) / region / "data" / "datapackage.json").read_text(encoding="utf-8"))
    return {"datapackage.json"} | {name for t in package["resources"] for name in (t["path"], f"{t['name']}-excel.csv")}


def test_index_lists_every_report_and_every_link_resolves(page, site, rendered):
    page.goto(f"{site}/index.html")
    hrefs = page.eval_on_selector_all("main a", "links => links.map(a => a.href)")
    expected = ({f"{site}/{y}/{r}/index.html" for y, r in REPORTS} | {_report_url(site, y, r)[:-4] + "pdf" for y, r in REPORTS}
                | {f"{site}/{y}/{r}/data/{name}" for y, r in REPORTS for name in _downloads(rendered, y, r)}
                | {"https://creativecommons.org/licenses/by/4.0/deed.nl"})
    assert set(hrefs) == expected
    for href in hrefs:
        if href.startswith(site):  # the licence is on another host, which the tests do not ask
            assert page.request.get(href).status == 200, href
    assert page.errors == []


def test_toc_links_jump_to_their_chapters(page, site):
    page.goto(_report_url(site, 2019, "eenheid"))
    toc = page.locator("a[href^='#hoofdstuk-']:not(nav *)")  # the contents list, not the menu or the pagers
    assert toc.count() == len(chapters())
    for target in ("#hoofdstuk-cybercrime", "#hoofdstuk-ontwikkelagendas", "#deel-3"):
        page.locator(f"a[href='{target}']:not(nav *)").click()
        page.wait_for_function(f"location.hash === '{target}'")
        top = page.eval_on_selector(target, "e => e.getBoundingClientRect().top")
        assert abs(top) < 5, f"{target} is not at the top of the viewport ({top})"


def test_unit_report_shows_veiligheidsbeeld_in_dutch_formats(page, site):
    page.goto(_report_url(site, 2019, "eenheid"))
    row = page.locator("#T_kpi tbody tr", has_text="Aantal woninginbraken")
    shown = [text.replace("\xad", "") for text in row.locator("td").all_inner_texts()]  # soft hyphens are invisible
    assert shown == ["4.400", "4.028", "-8,5%", "≤ 2018", "✔ gehaald", "8%"]
    row = page.locator("#T_kpi tbody tr", has_text="Totaal aantal misdrijven")
    assert row.locator("td").all_inner_texts()[:3] == ["91.400", "95.782", "+4,8%"]


@pytest.mark.parametrize("year, region", REPORTS)
def test_images_have_alt_text_and_no_console_errors(page, site, year, region):
    page.goto(_report_url(site, year, region))
    # charts load lazily, as a reader scrolls: here all at once
    page.evaluate("Promise.all([...document.images].map(i => { i.loading = 'eager'; return i.decode().catch(() => null); }))")
    alts = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.getAttribute('alt') || '')")
    assert all(alt.strip() for alt in alts)
    assert len(alts) >= (15 if year == 2019 else 0)
    broken = page.eval_on_selector_all("img", "imgs => imgs.filter(i => !i.complete || !i.naturalWidth).map(i => i.alt)")
    assert broken == []  # every chart's SVG file loads and draws
    assert page.errors == []


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("path", ["index.html", "2019/eenheid/index.html", "2019/eenheid/veiligheidsbeeld.html",
                                  "2019/rotterdam-zuid/districten.html", "2019/eenheid/bijlage.html",
                                  "2019/eenheid/jaarverslag-2019-eenheid.html", "../reports/2019/eenheid/cter.html",
                                  "verantwoording.html", "toegankelijkheidsverklaring.html", "zoeken.html?q=woninginbraken"])
def test_no_accessibility_violations(page, site, path, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{site}/{path}")
    if path.startswith("zoeken"):
        page.wait_for_selector(".pagefind-ui__result")  # scan the page with its results
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core"
    found = [f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']}" for v in result["violations"]]
    _record(path, width, result["testEngine"]["version"], len(found))
    assert found == []  # of any impact


def _record(path, width, version, serious):
    """Keep the result in build/accessibility.json, where `jaarverslag publish` finds it for the statement page."""
    results = Layout(ROOT / "build").accessibility
    document = json.loads(results.read_text()) if results.is_file() else {}
    pages = {(p["path"], p["width"]): p for p in document.get("pages", [])}
    pages[path, width] = {"path": path, "width": width, "serious": serious}
    document = {"tested": date.today().isoformat(), "tool": f"axe-core {version}", "pages": list(pages.values())}
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(document, indent=1))


def test_screenshots_of_each_report_kind(page, site, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir(exist_ok=True)
    for name, url in [("index", f"{site}/index.html"), ("eenheid-2019", _report_url(site, 2019, "eenheid")),
                      ("district-2019", _report_url(site, 2019, "rotterdam-zuid"))]:
        page.goto(url)
        page.screenshot(path=str(shots / f"{name}.png"))
        assert (shots / f"{name}.png").stat().st_size > 10_000
    keep = ROOT / "build" / "screenshots"  # for review next to the real build
    keep.mkdir(parents=True, exist_ok=True)
    for shot in shots.glob("*.png"):
        shutil.copy(shot, keep / shot.name)


def test_contents_at_hand_on_desktop_and_phone(page, site):
    """A chapter page: the report's pages in a sidebar with this one marked, on a phone in a menu that opens;
    previous and next chapter at its end; no page scrolls sideways."""
    page.goto(f"{site}/2019/eenheid/cybercrime.html")
    sidebar = page.locator(".sidebar a", has_text="Cybercrime")
    assert sidebar.is_visible() and sidebar.get_attribute("aria-current") == "page", "the current chapter marked"
    assert page.locator(".sidebar a[aria-current]").count() == 1
    assert page.locator("h1").count() == 1 and "Cybercrime" in page.locator("h1").inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud", "a skip link first in tab order"
    pager = page.locator("nav.pager")
    assert pager.locator("a[rel=prev]").get_attribute("href") == "ondermijning.html"
    assert pager.locator("a[rel=next]").get_attribute("href") == "burger-centraal.html"
    for link in ("PDF", "Gegevens"):
        assert page.locator("ul.downloads a", has_text=link).is_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    assert not sidebar.is_visible() and not page.locator("details.menu").evaluate("m => m.open"), "a closed menu on a phone"
    for other in ("index.html", "verantwoording.html", "2019/eenheid/index.html", "2019/eenheid/cybercrime.html",
                  "2019/rotterdam-zuid/districten.html", "2019/eenheid/jaarverslag-2019-eenheid.html"):
        page.goto(f"{site}/{other}")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), other
    page.goto(f"{site}/2019/eenheid/index.html")
    page.locator("details.menu summary").click()
    page.locator("details.menu a", has_text="Cybercrime").click()
    page.wait_for_url("**/2019/eenheid/cybercrime.html")
    assert page.locator("details.menu a[aria-current=page]").text_content() == "Cybercrime"
    page.goto(_report_url(site, 2019, "eenheid"))  # the one-page edition: the same list, to its sections
    page.locator("details.menu summary").click()
    page.locator("details.menu a", has_text="Cybercrime").click()
    page.wait_for_function("location.hash === '#hoofdstuk-cybercrime'")


def test_tables_on_a_phone_show_their_caption_and_label_and_reach_every_column(page, site):
    """At 390 px a table scrolls inside its box: scrolled to its end, the caption is still whole on screen, the row's
    label is still in view (wide tables) and the last column is within reach."""
    page.set_viewport_size({"width": 390, "height": 844})
    seen = 0
    for path in ("2019/eenheid/veiligheidsbeeld.html", "2019/eenheid/cter.html", "2019/rotterdam-zuid/districten.html"):
        page.goto(f"{site}/{path}")
        for box in page.locator(".table-scroll:not(.stacked)").all():
            box.scroll_into_view_if_needed()
            state = box.evaluate("""b => {
                b.scrollLeft = b.scrollWidth;
                const box = r => [Math.round(r.left), Math.round(r.right)];
                const label = b.classList.contains('wide') && b.querySelector('tbody tr th:last-of-type');
                return {caption: box(b.querySelector('caption').getBoundingClientRect()),
                        last: box([...b.querySelectorAll('thead tr:last-child > *')].at(-1).getBoundingClientRect()),
                        label: label ? box(label.getBoundingClientRect()) : null, width: document.documentElement.clientWidth};
            }""")
            where = f"{path}: {box.get_attribute('aria-label')}"
            assert 0 <= state["caption"][0] and state["caption"][1] <= state["width"], where
            assert state["last"][1] <= state["width"], where
            assert state["label"] is None or state["label"][0] >= 0, where
            seen += 1
    assert seen >= 6


def test_tables_of_sentences_on_a_phone_are_cards_with_each_cell_under_its_column_name(page, site):
    """At 390 px the goals and the claims are a card per row with nothing to scroll sideways, each filled cell
    headed by its column's name (and an empty one left out); on a desktop they are tables."""
    measure = """t => ({
        headers: [...t.querySelectorAll('thead th')].map(h => h.textContent.replaceAll('\u00ad', '')),
        cells: [...t.querySelectorAll('tbody td')].map(c => ({
            column: [...c.parentElement.querySelectorAll('td')].indexOf(c), filled: c.textContent.trim() !== '',
            label: getComputedStyle(c, '::before').content, shown: getComputedStyle(c).display !== 'none',
            right: c.getBoundingClientRect().right})),
        display: getComputedStyle(t).display, width: document.documentElement.clientWidth})"""
    seen = 0
    for path in ("2019/eenheid/cybercrime.html", "2019/eenheid/bijlage.html"):
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{site}/{path}")
        tables = page.locator(".table-scroll.stacked table")
        for table in tables.all():
            state = table.evaluate(measure)
            assert state["display"] == "block", path
            for cell in state["cells"]:
                assert cell["shown"] == cell["filled"], (path, cell)
                if cell["filled"]:
                    assert cell["label"] == f'"{state["headers"][cell["column"]]}: "', (path, cell)
                    assert cell["right"] <= state["width"], (path, cell)
            seen += len(state["cells"])
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), path
        page.set_viewport_size({"width": 1280, "height": 900})
        assert tables.first.evaluate("t => getComputedStyle(t).display") == "table", path
    assert seen >= 100


BROKEN_WORDS = """root => {  // where a line ends inside a word, other than at a hyphenation point, a hyphen or a slash
    const found = [], walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node; (node = walker.nextNode());) {
        const text = node.textContent;
        if (node.parentElement.getBoundingClientRect().width < 4) continue;  // visually hidden (a header for screen readers)
        let top = null;
        for (let i = 0; i < text.length; i++) {
            if (/[\\s\u00ad]/.test(text[i])) continue;
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = [...range.getClientRects()].at(-1);  // after a soft hyphen's break: its letter, not the hyphen
            if (!rect) continue;
            if (top !== null && rect.top > top + 2 && i > 0 && !/[\\s\u00ad\\-\\/]/.test(text[i - 1]))
                found.push(text.slice(Math.max(0, i - 15), i) + "|" + text.slice(i, i + 15));
            top = rect.top;
        }
    }
    return found;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_words_in_tiles_and_tables_break_only_where_a_hyphen_shows(page, site, width):
    """The figures at a glance and the tables of sentences: a word is broken at a hyphenation point, with its
    hyphen, or not at all ("woninginbrake|n" is a defect a reader sees at a glance)."""
    page.set_viewport_size({"width": width, "height": 900})
    for path, selector in (("2019/eenheid/index.html", "ul.at-a-glance"), ("2019/eenheid/cybercrime.html", ".stacked table")):
        page.goto(f"{site}/{path}")
        assert page.locator(selector).first.evaluate(BROKEN_WORDS) == [], (path, width)


def test_charts_on_a_phone_keep_their_labels_at_12_px_or_more(page, site):
    """At 390 px a chart is not shrunk until its labels are unreadable: its box scrolls sideways instead."""
    import re
    from urllib.parse import urljoin

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/2019/eenheid/veiligheidsbeeld.html")
    charts = page.locator("img.chart")
    assert charts.count() >= 2
    for chart in charts.all():
        svg = page.request.get(urljoin(page.url, chart.get_attribute("src"))).text()
        drawn = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg)[1])  # the width the font sizes are relative to
        smallest = min(float(size) for size in re.findall(r"font-size: ([\d.]+)px", svg))
        chart.scroll_into_view_if_needed()
        shown = chart.evaluate("i => i.getBoundingClientRect().width")
        assert smallest * shown / drawn >= 12, chart.get_attribute("alt")[:60]
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_index_filters_by_year_and_region(page, site):
    page.goto(f"{site}/index.html")
    rows, downloads = page.locator("main tbody tr:not(.downloads)"), page.locator("main tbody tr.downloads")
    assert rows.count() == downloads.count() == 3
    page.get_by_label("Rotterdam-Zuid").check()
    assert [r.locator("th").inner_text() for r in rows.all() if r.is_visible()] == ["Rotterdam-Zuid"]
    assert [r.locator("a").first.get_attribute("href") for r in downloads.all() if r.is_visible()] == [
        "2019/rotterdam-zuid/data/cijfers.csv"]  # a report's downloads are filtered with it
    page.get_by_label("Eenheid Rotterdam").check()
    page.get_by_label("2018").check()
    visible = [r for r in rows.all() if r.is_visible()]
    assert len(visible) == 1 and "2018/eenheid" in visible[0].locator("a").first.get_attribute("href")
    assert page.get_by_role("table", name="Jaarverslagen 2019").is_hidden()


def test_search_finds_the_chapter_and_opens_it(browser, site):
    """With the real Content-Security-Policy: Pagefind runs, asks nothing of another host, lands on the chapter."""
    context = browser.new_context(locale="nl-NL", viewport={"width": 390, "height": 844})
    page, requests, errors = context.new_page(), [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    try:
        page.goto(f"{site}/index.html")
        page.get_by_label("Zoek in alle jaarverslagen").fill("verdienmodellen")  # only the Cybercrime chapter has it
        page.get_by_role("button", name="Zoeken").click()
        page.wait_for_selector(".pagefind-ui__result")
        assert "resultaten voor verdienmodellen" in page.locator(".pagefind-ui__message").inner_text()
        titles = page.locator(".pagefind-ui__result-title").all_inner_texts()
        assert "Cybercrime – Jaarverslag 2019 – Eenheid Rotterdam" in titles and not any("2018" in t for t in titles)
        result = page.locator(".pagefind-ui__result", has_text="Cybercrime – Jaarverslag 2019 – Eenheid Rotterdam")
        link = result.locator(".pagefind-ui__result-nested a").first
        link.click()
        page.wait_for_url("**/2019/eenheid/cybercrime.html#*")  # the chapter's own page, at the heading
        top = page.evaluate("document.getElementById(decodeURIComponent(location.hash.slice(1))).getBoundingClientRect().top")
        assert -1 <= top < 200  # at the top, to a fraction of a pixel
        assert [url for url in requests if not url.startswith(site.rsplit("/", 1)[0])] == []
        assert errors == []
    finally:
        context.close()


def test_search_snippets_are_sentences_not_rows_of_the_veiligheidsbeeld(browser, site):
    """The Veiligheidsbeeld's table and the districts' tables of figures are not indexed: the reports say each row in
    a sentence, and a row's snippet read "Aantal woninginbraken 718. 664. -7,5% ≤ 2018." or "✘ 16.050 ✘ Aantal
    woninginbraken 907 ✔ 664"."""
    page = browser.new_page(locale="nl-NL")
    try:
        page.goto(f"{site}/zoeken.html?q=woninginbraken")
        page.wait_for_selector(".pagefind-ui__result-excerpt")
        excerpts = page.locator(".pagefind-ui__result-excerpt").all_inner_texts()
        assert any("Het aantal woninginbraken daalde met" in text for text in excerpts), excerpts
        assert not [text for text in excerpts if re.search(r"\d\. [-+]?\d|[✔✘] \d", text)], excerpts  # a row's cells in a line
    finally:
        page.close()
