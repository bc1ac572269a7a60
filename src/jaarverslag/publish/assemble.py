"""One report as one self-contained HTML page, assembled from the executed notebooks.

Nothing runs twice: a title page, a table of contents with working links, the chapters
in the batch's part order, and the provenance footer, converted by the same nbconvert
exporter as the chapters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from pathlib import Path

import nbformat

from ..engine.layout import Layout
from ..engine.render import html_exporter
from ..formatting import literal
from ..inputs import Dataset
from ..inputs.catalog import shown_years
from ..inputs.params import Batch
from ..inputs.sources import demo_notice, shows_demo_data
from .data import downloads
from .pages import METHOD
from .provenance import Provenance


def _markdown(text: str, name: str) -> nbformat.NotebookNode:
    """A cell of the report's own; a fixed id, so the same report is the same page byte for byte."""
    return nbformat.v4.new_markdown_cell(text, id=f"jaarverslag-{name}")


FRONT_MATTER, APPENDIX = "front-matter", "appendix"  # cell tags: a chapter's cell the report shows elsewhere
FRONT_TITLE = re.compile(r'<h1 class="front-matter" id="([^"]+)">(.*?)</h1>', re.S)  # a front-matter output opens with its own h1
APPENDIX_TITLE = "Bijlage: verantwoording van de cijfers"


def assemble(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: Provenance
             ) -> nbformat.NotebookNode:
    """One notebook holding the whole report of (year, region).

    Cover, contents, front matter (cells tagged front-matter: a foreword, the figures at a glance),
    the parts and their chapters, the appendix (cells tagged appendix: the audit of the figures)
    and the colophon.
    """
    region_name, root = data.region_name(region), layout.site_root(year, region)
    rendered, missing = layout.rendered(year, region, batch.notebooks), layout.unrendered(year, region, batch.notebooks)
    toc, sections, front, appendix = [], [], [], []  # sections: (part number, part title, [(chapter, title, cells)])
    for number, part in enumerate(batch.parts, 1):
        found = []
        for chapter in (c.notebook for c in part.chapters if c.notebook in rendered):
            nb = nbformat.read(layout.notebook(year, region, chapter), as_version=4)
            cells = []  # the exporter drops parameter and remove-cell cells
            for cell in nb.cells:
                tags = cell.metadata.get("tags", [])
                (front if FRONT_MATTER in tags else appendix if APPENDIX in tags else cells).append(cell)
            found.append((chapter, nb.metadata.get("title", chapter), cells))
        sections.append((number, part.title, found))
    front = [(cell, title) for cell in front if (title := _front_title(cell))]
    toc += [f"- **[{title}](#{target})**{_page_of(target)}" for _, (target, title) in front]
    for number, part_title, found in sections:
        toc.append(f"- **[{literal(part_title)}](#deel-{number})**{_page_of(f'deel-{number}')}")
        toc += [f"    - [{literal(title)}](#hoofdstuk-{chapter}){_page_of(f'hoofdstuk-{chapter}')}" for chapter, title, _ in found]
    order = [(chapter, title) for _, _, found in sections for chapter, title, _ in found]
    chapters = []
    for number, part_title, found in sections:
        chapters.append(_markdown(f'<h1 class="part" id="deel-{number}">{escape(part_title)}</h1>', f"deel-{number}"))
        for position, (chapter, _, cells) in enumerate(found):
            first = " first" if position == 0 else ""
            chapters.append(_markdown(f'<div class="chapter{first}" id="hoofdstuk-{chapter}"></div>', chapter))
            chapters += cells
            chapters.append(_markdown(_pager(order, chapter), f"verder-{chapter}"))
    if appendix:
        toc.append(f"- **[{APPENDIX_TITLE}](#bijlage)**{_page_of('bijlage')}")
        appendix.insert(0, _markdown(f'<div class="appendix" id="bijlage"></div>\n\n# {APPENDIX_TITLE}', "bijlage"))
    toc.append(f"- **[Colofon](#colofon)**{_page_of('colofon')}")
    gaps = f"\n\n*Niet beschikbaar in deze versie: {', '.join(missing)}.*" if missing else ""
    publisher = f"Politie {data.region_name(data.unit)}"
    cover = (f'<div class="title-page">\n\n<h1>Jaarverslag {year} <span class="region">{escape(region_name)}</span></h1>\n\n'
             f'<p class="publisher">{escape(publisher)}</p>\n\n<p class="edition">{provenance.edition()}</p>'
             f'{demo_notice(data, year, region)}\n\n</div>')
    opening = [_markdown(cover, "titel"), _markdown(_menu(order, root, front, bool(appendix)), "menu"),
               _markdown('<h1 id="Inhoud">Inhoud</h1>\n\n<div class="toc">\n\n' + "\n".join(toc) + "\n\n</div>" + gaps, "inhoud")]
    opening += [cell for cell, _ in front]
    back = [_markdown('<div class="colophon" id="colofon"></div>\n\n' + colophon(batch, data, layout, year, region, provenance),
                      "colofon")]
    report = nbformat.v4.new_notebook(cells=opening + chapters + appendix + back)
    report.metadata.update({
        "title": f"Jaarverslag {year} – {region_name}",
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "site": {"root": root, "year": year, "region": region_name},  # links to the site's script; search filters
    })
    return report


def _front_title(cell: nbformat.NotebookNode) -> tuple[str, str] | None:
    """(id, title) of a front-matter cell's heading; None for a cell that shows nothing (no foreword written)."""
    for output in cell.get("outputs", []):
        if match := FRONT_TITLE.search(output.get("data", {}).get("text/html", "")):
            return match[1], match[2]
    return None


def _menu(order: list[tuple[str, str]], root: str, front: list[tuple[object, tuple[str, str]]], appendix: bool) -> str:
    """The contents at hand: a sidebar on wide screens, a menu that opens on phones (not printed)."""
    items = "".join(f'<li><a href="#{target}">{title}</a></li>' for _, (target, title) in front)
    items += "".join(f'<li><a href="#hoofdstuk-{chapter}">{escape(title)}</a></li>' for chapter, title in order)
    items += f'<li><a href="#bijlage">{APPENDIX_TITLE}</a></li>' if appendix else ""
    return (
        '<details class="menu"><summary>Inhoud</summary><nav aria-label="Hoofdstukken van dit jaarverslag"><ul>'
        f'<li><a href="{root}index.html">Alle jaarverslagen</a></li>'
        f'<li><a href="{root}zoeken.html">Zoeken in alle verslagen</a></li><li><a href="#Inhoud">Inhoud</a></li>'
        f'{items}<li><a href="#colofon">Colofon</a></li></ul></nav></details>'
    )


def _pager(order: list[tuple[str, str]], chapter: str) -> str:
    """Links to the previous and next chapter and back to the contents, at a chapter's end (not printed)."""
    at = [c for c, _ in order].index(chapter)
    previous = f'<a rel="prev" href="#hoofdstuk-{order[at - 1][0]}">← {escape(order[at - 1][1])}</a>' if at > 0 else "<span></span>"
    following = (f'<a rel="next" href="#hoofdstuk-{order[at + 1][0]}">{escape(order[at + 1][1])} →</a>'
                 if at + 1 < len(order) else '<a href="#colofon">Colofon →</a>')
    return f'<nav class="pager" aria-label="Bladeren">{previous}<a href="#Inhoud">Inhoud</a>{following}</nav>'


def _page_of(target: str) -> str:
    """Where the printed page number of target goes (filled in by `pdf.print_numbered`)."""
    return f'<span class="toc-page" data-target="{target}"></span>'


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
    tables = [f"[{escape(title.lower())}](data/{csv.name})" for title, csv in downloads(folder / "datapackage.json")]
    publisher = escape(f"Politie {data.region_name(data.unit)}")
    contact = f" Vragen over dit verslag: {escape(batch.contact)}." if batch.contact else ""
    return (
        "# Colofon\n\n"
        f"**Uitgave.** {publisher}, {provenance.edition().lower()}.{contact}\n\n"
        f"Dit jaarverslag over {year} van {escape(data.region_name(region))} is volledig uit data opgebouwd: "
        "dezelfde tabellen en dezelfde berekeningen leveren het verslag van de eenheid en van ieder district.\n\n"
        f"**Bronnen.** De cijfers over {year - 1} en {year} komen uit:\n\n{listed}\n\n"
        + (f"**Gegevens.** Alle cijfers van dit verslag staan ook los online, als tabellen voor een spreadsheet: "
           f"{', '.join(tables)}. Elke tabel is er ook in een versie voor Nederlandse Excel, en een "
           "[beschrijving](data/datapackage.json) noemt elke kolom, eenheid en bron. Hergebruik is vrij met "
           "bronvermelding ([CC BY 4.0](https://creativecommons.org/licenses/by/4.0/deed.nl)).\n\n" if tables else "")
        + f"**Werkwijze.** {METHOD}"
        + (" De demodata in dit verslag zijn gegenereerd, niet gemeten, en staan overal als zodanig gemarkeerd."
           if shows_demo_data(data, year, region) else "")
        + f'\n\n<footer class="provenance">\n\n{provenance.text(Path(data.data_dir).name)}\n\n</footer>'
    )


def page(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: Provenance) -> str:
    """The report of (year, region) as HTML."""
    body, _ = html_exporter().from_notebook_node(assemble(batch, data, layout, year, region, provenance))
    return chapter_headings(body)


SECTION = re.compile(r'<div class="(chapter[^"]*|colophon|appendix)" id="(?:hoofdstuk-)?([^"]+)">')
HEADING_ID = re.compile(r'(<h[1-6] id="|<a class="anchor-link" href="#)([^"]+)"')
HEADING = re.compile(r'<h([1-5])((?:\s[^>]*)?)>(.*?)</h\1>', re.S)


def chapter_headings(body: str) -> str:
    """Each chapter's headings one level down and their ids prefixed with the chapter's name.

    A chapter opens with an h1 of its own; in the report it sits under its part (h1), so the PDF's
    bookmarks nest part > chapter > section. nbconvert makes a heading's id from its text, so
    "Kerncijfers" would be the same id in every chapter and a link to it (a search hit, a shared
    URL) would open the first chapter's.
    """
    sections = list(SECTION.finditer(body))
    pieces = [body[: sections[0].start()] if sections else body]
    for number, section in enumerate(sections):
        end = sections[number + 1].start() if number + 1 < len(sections) else len(body)
        text = body[section.start():end]
        if section[1].startswith("chapter"):
            text = HEADING.sub(_down, HEADING_ID.sub(_renamer(section[2]), text))
        pieces.append(text)
    return "".join(pieces)


def _down(heading: re.Match) -> str:
    """A chapter's heading one level down; a part's title (between two chapters) stays."""
    if 'class="part"' in heading[2]:
        return heading[0]
    level = int(heading[1]) + 1
    return f"<h{level}{heading[2]}>{heading[3]}</h{level}>"


def _renamer(chapter: str) -> Callable[[re.Match], str]:
    """chapter-<id>, and -2, -3 … for a heading text repeated in the chapter; an anchor link follows its heading."""
    seen: dict[str, int] = {}
    current: dict[str, str] = {}

    def rename(match: re.Match) -> str:
        opening, old = match[1], match[2]
        if opening.startswith("<h"):
            seen[old] = seen.get(old, 0) + 1
            current[old] = f"{chapter}-{old}" + (f"-{seen[old]}" if seen[old] > 1 else "")
        return f'{opening}{current.get(old, f"{chapter}-{old}")}"'

    return rename
