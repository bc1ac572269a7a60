"""One report as a book of pages, assembled from the executed notebooks; nothing runs twice.

Readers get a landing page (cover, downloads, front matter, contents), a page per chapter, the
appendix and the colophon, each with the report's pages in a sidebar and previous/next links; and
the whole report on one page, in the same markup, which the PDF is printed from and which keeps
the anchors of earlier editions (#hoofdstuk-<chapter>, #bijlage, #colofon).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from nbformat import v4

from .. import __version__
from ..engine.layout import Layout
from ..formatting import literal
from ..inputs import Dataset
from ..inputs.catalog import shown_years
from ..inputs.params import Batch
from ..inputs.sources import demo_notice, shows_demo_data
from .cells import Charts, cell, markdown
from .data import downloads
from .index import site_templates
from .pages import METHOD
from .provenance import Provenance

FRONT_MATTER, APPENDIX = "front-matter", "appendix"  # cell tags: a chapter's cell the report shows elsewhere
FRONT_TITLE = re.compile(r'<h1 class="front-matter" id="([^"]+)">(.*?)</h1>', re.S)  # a front-matter output opens with its own h1
APPENDIX_TITLE = "Bijlage: verantwoording van de cijfers"
CHARTS = "grafieken"  # the folder beside the pages that holds their charts
LANDING, APPENDIX_PAGE, COLOPHON_PAGE = "index", "bijlage", "colofon"


@dataclass(frozen=True)
class Chapter:
    name: str
    title: str
    part: int  # from 1
    part_title: str
    body: str  # its cells as HTML, its own h1 first, ids prefixed with its name


@dataclass
class Book:
    """What a report shows, in its order; written as pages by `write`."""
    year: int
    region: str
    region_name: str
    cover: str
    front: list[tuple[str, str, str]]  # (id, title, html) of each front-matter cell that shows something
    parts: list[tuple[int, str]]
    chapters: list[Chapter]
    appendix: str  # the cells tagged appendix, as HTML ('' when none)
    colophon: str
    missing: list[str] = field(default_factory=list)

    def chapters_in(self, part: int) -> list[Chapter]:
        return [c for c in self.chapters if c.part == part]

    @property
    def gaps(self) -> str:
        """The chapters this edition lacks, said in one line; '' when none."""
        return f"<p><em>Niet beschikbaar in deze versie: {', '.join(self.missing)}.</em></p>\n" if self.missing else ""


def book(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: Provenance, charts: Charts) -> Book:
    """The report of (year, region): cover, front matter (cells tagged front-matter: a foreword, the figures at a
    glance), the parts and their chapters, the appendix (cells tagged appendix: the audit) and the colophon."""
    region_name = data.region_name(region)
    rendered = layout.rendered(year, region, batch.notebooks)
    front, chapters, appendix = [], [], []
    for number, part in enumerate(batch.parts, 1):
        for chapter in (c.notebook for c in part.chapters if c.notebook in rendered):
            # written by papermill and checked by render: read, not validated again (a third of assembling)
            nb = v4.reads(layout.notebook(year, region, chapter).read_text(encoding="utf-8"))
            body = []
            for c in nb.cells:
                tags = c.metadata.get("tags", [])
                shown = cell(c, charts)
                (front if FRONT_MATTER in tags else appendix if APPENDIX in tags else body).append(shown)
            chapters.append(Chapter(chapter, nb.metadata.get("title", chapter), number, part.title,
                                    prefixed_ids("".join(body), chapter)))
    publisher = f"Politie {data.region_name(data.unit)}"
    cover = (f'<div class="title-page">\n<h1>Jaarverslag {year} <span class="region">{escape(region_name)}</span></h1>\n'
             f'<p class="publisher">{escape(publisher)}</p>\n<p class="edition">{provenance.edition()}</p>\n'
             f'{markdown(demo_notice(data, year, region))}</div>\n')
    return Book(year, region, region_name, cover,
                [(m[1], m[2], html) for html in front if (m := FRONT_TITLE.search(html))],
                [(n, p.title) for n, p in enumerate(batch.parts, 1)], chapters, "".join(appendix),
                markdown(colophon(batch, data, layout, year, region, provenance)),
                layout.unrendered(year, region, batch.notebooks))


def write(book: Book, layout: Layout, batch: Batch, write_page: Callable[[Path, str], None]) -> str:
    """Write the book's pages with write_page(path, html) and return the one-page edition's HTML (printed as the PDF)."""
    env = site_templates()
    template = env.get_template("report.html.j2")
    whole = layout.report(book.year, book.region)
    folder, root = whole.parent, layout.site_root(book.year, book.region)
    name = f"Jaarverslag {book.year} – {book.region_name}"
    common = {"root": root, "version": __version__, "year": book.year, "region_name": book.region_name,
              "pdf": layout.pdf(book.year, book.region).name, "single": whole.name}

    def canonical(path: Path) -> str | None:
        return batch.base_url + path.relative_to(layout.site).as_posix() if batch.base_url else None

    pages = _pages(book)  # (file stem, title, body) in reading order
    where = {i: stem for stem, _, body in pages for i in ID.findall(body)}  # which page holds each id
    for at, (stem, title, body) in enumerate(pages):
        previous = pages[at - 1] if at > 0 else None
        following = pages[at + 1] if at + 1 < len(pages) else None
        path = folder / f"{stem}.html"
        write_page(path, template.render(
            **common, title=f"{title} – {name}" if stem != LANDING else name, indexed=True, whole=False,
            description=_description(book, title if stem != LANDING else ""), canonical=canonical(path),
            pages=_contents(book, pages, current=stem), data=f"{COLOPHON_PAGE}.html#gegevens",
            previous={"href": f"{previous[0]}.html", "title": previous[1]} if previous else None,
            following={"href": f"{following[0]}.html", "title": following[1]} if following else None,
            body=_links_between(body, where, stem),
        ))
    return template.render(
        **common, title=name, indexed=False, whole=True, description=_description(book, ""), canonical=canonical(whole),
        running_title=name.replace("\\", "\\5C ").replace('"', "\\22 ").replace("<", "\\3C "),
        pages=_contents(book, pages, current=None), data="#gegevens", previous=None, following=None, body=_whole(book),
    )


def pages_of(book: Book) -> list[str]:
    """The file names of the book's pages, the one-page edition aside."""
    return [f"{stem}.html" for stem, _, _ in _pages(book)]


def _pages(book: Book) -> list[tuple[str, str, str]]:
    landing = book.cover + "".join(_demoted(html) for _, _, html in book.front) + _landing_contents(book)
    pages = [(LANDING, "Voorpagina en inhoud", landing)]
    for chapter in book.chapters:
        label = f'<p class="part-label">Deel {chapter.part}: {escape(chapter.part_title)}</p>\n'
        pages.append((chapter.name, chapter.title, label + chapter.body))
    if book.appendix:
        pages.append((APPENDIX_PAGE, APPENDIX_TITLE, f'<h1 id="bijlage">{APPENDIX_TITLE}</h1>\n{book.appendix}'))
    pages.append((COLOPHON_PAGE, "Colofon", f'<section class="colophon" id="colofon">\n{book.colophon}</section>\n'))
    return pages


def _whole(book: Book) -> str:
    """The one-page edition: cover, contents with page-number boxes, front matter, parts, appendix, colophon."""
    toc = [f'<li><strong><a href="#{i}">{title}</a></strong>{_page_of(i)}</li>' for i, title, _ in book.front]
    for number, title in book.parts:
        inside = book.chapters_in(number)
        toc.append(f'<li><strong><a href="#deel-{number}">{literal(title)}</a></strong>{_page_of(f"deel-{number}")}<ul>'
                   + "".join(f'<li><a href="#hoofdstuk-{c.name}">{literal(c.title)}</a>{_page_of(f"hoofdstuk-{c.name}")}</li>'
                             for c in inside) + "</ul></li>")
    if book.appendix:
        toc.append(f'<li><strong><a href="#bijlage">{APPENDIX_TITLE}</a></strong>{_page_of("bijlage")}</li>')
    toc.append(f'<li><strong><a href="#colofon">Colofon</a></strong>{_page_of("colofon")}</li>')
    html = [book.cover, f'<h1 id="Inhoud">Inhoud</h1>\n<div class="toc">\n<ul>\n{chr(10).join(toc)}\n</ul>\n</div>\n{book.gaps}']
    html += [front for _, _, front in book.front]
    for number, title in book.parts:
        html.append(f'<h1 class="part" id="deel-{number}">{escape(title)}</h1>\n')
        inside = book.chapters_in(number)
        html += [f'<section class="chapter{" first" if at == 0 else ""}" id="hoofdstuk-{c.name}">\n{_demoted(c.body)}</section>\n'
                 for at, c in enumerate(inside)]
    if book.appendix:
        html.append(f'<section class="appendix" id="bijlage">\n<h1 id="{APPENDIX_TITLE.replace(" ", "-")}">{APPENDIX_TITLE}</h1>\n'
                    f'{book.appendix}</section>\n')
    html.append(f'<section class="colophon" id="colofon">\n{book.colophon}</section>\n')
    return "".join(html)


def _landing_contents(book: Book) -> str:
    items = []
    for number, title in book.parts:
        inside = book.chapters_in(number)
        if inside:
            items.append(f"<li>{escape(title)}<ul>" + "".join(f'<li><a href="{c.name}.html">{escape(c.title)}</a></li>'
                                                          for c in inside) + "</ul></li>")
    if book.appendix:
        items.append(f'<li><a href="{APPENDIX_PAGE}.html">{APPENDIX_TITLE}</a></li>')
    items.append(f'<li><a href="{COLOPHON_PAGE}.html">Colofon</a></li>')
    return f'<h2 id="Inhoud">Inhoud</h2>\n<ul class="contents">\n{"".join(items)}\n</ul>\n{book.gaps}'


def _contents(book: Book, pages: list[tuple[str, str, str]], current: str | None) -> list[dict]:
    """The sidebar: the book's pages (current: the one shown), or for the one-page edition its sections."""
    if current is None:
        items = [{"title": "Inhoud", "href": "#Inhoud"}]
        items += [{"title": title, "href": f"#{i}"} for i, title, _ in book.front]
        for number, title in book.parts:
            items.append({"title": title})
            items += [{"title": c.title, "href": f"#hoofdstuk-{c.name}", "level": 2} for c in book.chapters_in(number)]
        items += [{"title": APPENDIX_TITLE, "href": "#bijlage"}] if book.appendix else []
        return [*items, {"title": "Colofon", "href": "#colofon"}]
    items = [{"title": pages[0][1], "href": f"{LANDING}.html", "current": current == LANDING}]
    for number, title in book.parts:
        inside = book.chapters_in(number)
        items += [{"title": title}] if inside else []
        items += [{"title": c.title, "href": f"{c.name}.html", "level": 2, "current": current == c.name} for c in inside]
    for stem, title, _ in pages:
        if stem in (APPENDIX_PAGE, COLOPHON_PAGE):
            items.append({"title": title, "href": f"{stem}.html", "current": current == stem})
    return items


def _description(book: Book, title: str) -> str:
    about = f"{title}: hoofdstuk uit het" if title else "Het"
    return (f"{about} jaarverslag {book.year} van {book.region_name} (politie Eenheid Rotterdam): cijfers, streefwaarden, "
            "doelen en resultaten, uit data opgebouwd.")


def _page_of(target: str) -> str:
    """Where the printed page number of target goes (filled in by `pdf.Printer`)."""
    return f'<span class="toc-page" data-target="{target}"></span>'


ID = re.compile(r'\sid="([^"]+)"')
HREF = re.compile(r'href="#([^"]+)"')


def _links_between(body: str, where: dict[str, str], stem: str) -> str:
    """A link to an id on another page of the book points to that page."""
    return HREF.sub(lambda m: f'href="{where[m[1]]}.html#{m[1]}"' if where.get(m[1], stem) != stem else m[0], body)


HEADING_ID = re.compile(r'(<h[1-6][^>]*\sid=")([^"]+)"')
HEADING = re.compile(r'<h([1-5])((?:\s[^>]*)?)>(.*?)</h\1>', re.S)


def prefixed_ids(body: str, chapter: str) -> str:
    """A chapter's heading ids prefixed with its name: chapter-<id>, and -2, -3 … for a text repeated in it.

    Headings get their id from their text, so "Kerncijfers" would be the same id in every chapter and a
    link to it (a search hit, a shared URL) would open the first chapter's.
    """
    seen: dict[str, int] = {}

    def rename(match: re.Match) -> str:
        seen[match[2]] = seen.get(match[2], 0) + 1
        return f'{match[1]}{chapter}-{match[2]}' + (f"-{seen[match[2]]}" if seen[match[2]] > 1 else "") + '"'

    return HEADING_ID.sub(rename, body)


def _demoted(body: str) -> str:
    """Every heading one level down: a chapter sits under its part, so the PDF's bookmarks nest part > chapter > section."""
    return HEADING.sub(lambda h: f"<h{int(h[1]) + 1}{h[2]}>{h[3]}</h{int(h[1]) + 1}>", body)


def colophon(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: Provenance) -> str:
    """The colophon in Markdown: who publishes this and how to reach them, the sources, the data to download,
    how the figures were computed, and in small print which data and code made this edition."""
    used = set()
    for table in (data.observations, data.targets, data.goals):
        used |= set(table.loc[(table["region"] == region) & table["year"].isin(shown_years(year)), "source"])
    sources = data.sources[data.sources["id"].isin(used)]
    listed = "\n".join(
        f"- {escape(row.title)}" + (f" (CBS-tabel {escape(row.table_id)})" if isinstance(row.table_id, str) else "")
        for row in sources.itertuples()
    ) or "- Geen bronnen: voor deze regio en deze jaren zijn geen cijfers vastgelegd."
    folder = layout.report_data(year, region)
    tables = [f'<a href="data/{escape(csv.name)}">{escape(title.lower())}</a>' for title, csv in downloads(folder / "datapackage.json")]
    publisher = escape(f"Politie {data.region_name(data.unit)}")
    contact = f" Vragen over dit verslag: {escape(batch.contact)}." if batch.contact else ""
    return (
        "# Colofon\n\n"
        f"**Uitgave.** {publisher}, {provenance.edition().lower()}.{contact}\n\n"
        f"Dit jaarverslag over {year} van {escape(data.region_name(region))} is volledig uit data opgebouwd: "
        "dezelfde tabellen en dezelfde berekeningen leveren het verslag van de eenheid en van ieder district.\n\n"
        f"**Bronnen.** De cijfers over {year - 1} en {year} komen uit:\n\n{listed}\n\n"
        + (f'<p id="gegevens"><strong>Gegevens.</strong> Alle cijfers van dit verslag staan ook los online, als tabellen '
           f"voor een spreadsheet: {', '.join(tables)}. Elke tabel is er ook in een versie voor Nederlandse Excel, en een "
           '<a href="data/datapackage.json">beschrijving</a> noemt elke kolom, eenheid en bron. Hergebruik is vrij met '
           'bronvermelding (<a href="https://creativecommons.org/licenses/by/4.0/deed.nl">CC BY 4.0</a>).</p>\n\n' if tables else "")
        + f"**Werkwijze.** {METHOD}"
        + (" De demodata in dit verslag zijn gegenereerd, niet gemeten, en staan overal als zodanig gemarkeerd."
           if shows_demo_data(data, year, region) else "")
        + f'\n\n<footer class="provenance">\n\n{provenance.text(Path(data.data_dir).name)}\n\n</footer>'
    )
