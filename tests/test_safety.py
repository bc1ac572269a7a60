"""Published pages never run script from data: narratives are sanitised, data text is escaped,
and a Content-Security-Policy forbids inline script, script from anywhere but the site itself,
and requests to any other host."""

import pytest
from bs4 import BeautifulSoup

from conftest import CHROMIUM, cli, edit_csv

pytestmark = pytest.mark.slow

NARRATIVE = """De eenheid **hield stand**. <script>window.hacked = 1</script>
<img src="x" onerror="window.hacked = 2"> [klik hier](javascript:window.hacked=3)
<a href="https://www.politie.nl" onclick="window.hacked = 4">politie.nl</a> <style>body { display: none }</style>
"""
REGION = 'Zuid <script>window.hacked = 5</script><b onmouseover="window.hacked = 6">vet</b>'


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    data = tmp_path_factory.mktemp("hostile") / "data"
    import shutil

    from conftest import DATA

    shutil.copytree(DATA, data)
    (data / "narratives" / "2019" / "rotterdam-zuid").mkdir(parents=True, exist_ok=True)
    (data / "narratives" / "2019" / "rotterdam-zuid" / "cter.md").write_text(NARRATIVE)
    edit_csv(data / "regions.csv", lambda f: f.assign(name=f["name"].where(f["id"] != "rotterdam-zuid", REGION)))
    build = data.parent / "build"
    common = ("--year", "2019", "--region", "rotterdam-zuid")
    assert cli("render", *common, "--chapter", "cter", data=data, build=build) == 0
    assert cli("publish", *common, "--no-pdf", data=data, build=build) == 0
    return [build / "reports" / "2019" / "rotterdam-zuid" / "cter.html",
            build / "site" / "2019" / "rotterdam-zuid" / "jaarverslag-2019-rotterdam-zuid.html"]


def test_no_markup_from_data_reaches_the_page(pages):
    for page in pages:
        html = page.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        scripts = soup.find_all("script")
        assert [(s.get("src"), s.string) for s in scripts] in ([], [("../../assets/jaarverslag.js", None)])
        assert "<style>body" not in html
        assert [(tag.name, a) for tag in soup.find_all(True) for a in tag.attrs if a.startswith("on")] == []
        assert [a["href"] for a in soup.find_all("a", href=True) if a["href"].lower().startswith("javascript")] == []
        assert "<strong>hield stand</strong>" in html  # Markdown still works
        assert 'href="https://www.politie.nl"' in html  # and so do ordinary links
        assert "Zuid &lt;script&gt;" in html  # the region's name shows as the text it is


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_the_browser_runs_nothing_and_asks_no_other_host(pages, browser):
    for path in pages:
        requests, dialogs, policy, hacked = _visit(browser, path)
        assert hacked is None and dialogs == []
        assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'none'"
        published = path.parents[2].name == "site"  # a published report loads the site's own script; a chapter none
        assert directives.get("script-src") == ("'self'" if published else None)


def _visit(browser, path):
    """Open path, hover over it; what it requested, which dialogs it opened, its policy, window.hacked."""
    page = browser.new_page()
    requests, dialogs = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(path.as_uri())
        page.mouse.move(200, 200)
        policy = page.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content")
        return requests, dialogs, policy, page.evaluate("window.hacked")
    finally:
        page.close()
