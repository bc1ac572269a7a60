"""One report as one self-contained HTML page, assembled from the executed notebooks.

Nothing runs twice: a title page, a table of contents with working links, the chapters
in the batch's part order, and the provenance footer, converted by the same nbconvert
exporter as the chapters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

import nbformat

from ..engine.layout import Layout
from ..engine.render import html_exporter
from ..formatting import literal
from ..inputs import Dataset
from ..inputs.catalog import shown_years
from ..inputs.params import Batch
from ..inputs.sources import demo_notice, shows_demo_data
from .pages import METHOD
from .provenance import Provenance


def _markdown(text: str, name: str) -> nbformat.NotebookNode:
    """A cell of the report's own; a fixed id, so the same report is the same page byte for byte."""
    return nbformat.v4.new_markdown_cell(text, id=f"jaarverslag-{name}")


def assemble(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: Provenance
             ) -> nbformat.NotebookNode:
    """One notebook holding the whole report of (year, region): cover, contents, parts and chapters, colophon."""
    region_name, root = data.region_name(region), layout.site_root(year, region)
    rendered, missing = layout.rendered(year, region, batch.notebooks), layout.unrendered(year, region, batch.notebooks)
    toc, sections = [], []  # sections: (part number, part title, [(chapter, title, cells)])
    for number, part in enumerate(batch.parts, 1):
        toc.append(f"- **[{literal(part.title)}](#deel-{number})**{_page_of(f'deel-{number}')}")
        found = []
        for chapter in (c.notebook for c in part.chapters if c.notebook in rendered):
            nb = nbformat.read(layout.notebook(year, region, chapter), as_version=4)
            title = nb.metadata.get("title", chapter)
            toc.append(f"    - [{literal(title)}](#hoofdstuk-{chapter}){_page_of(f'hoofdstuk-{chapter}')}")
            found.append((chapter, title, nb.cells))  # the exporter drops parameter and remove-cell cells
        sections.append((number, part.title, found))
    order = [(chapter, title) for _, _, found in sections for chapter, title, _ in found]
    chapters = []
    for number, part_title, found in sections:
        chapters.append(_markdown(f'<h1 class="part" id="deel-{number}">{escape(part_title)}</h1>', f"deel-{number}"))
        for position, (chapter, _, cells) in enumerate(found):
            first = " first" if position == 0 else ""
            chapters.append(_markdown(f'<div class="chapter{first}" id="hoofdstuk-{chapter}"></div>', chapter))
            chapters += cells
            chapters.append(_markdown(_pager(order, chapter), f"verder-{chapter}"))
    toc.append(f"- **[Colofon](#colofon)**{_page_of('colofon')}")
    gaps = f"\n\n*Niet beschikbaar in deze versie: {', '.join(missing)}.*" if missing else ""
    cover = (f'<div class="title-page">\n\n<p class="kicker">Politie {escape(data.region_name(data.unit))}</p>\n\n'
             f'# Jaarverslag {year}\n\n## {literal(region_name)}\n\n<p class="edition">{provenance.edition()}</p>'
             f'{demo_notice(data, year, region)}\n\n</div>')
    front = [_markdown(cover, "titel"), _markdown(_menu(order, root), "menu"),
             _markdown("## Inhoud\n\n" + "\n".join(toc) + gaps, "inhoud")]
    back = [
        _markdown('<div class="colophon" id="colofon"></div>\n\n' + colophon(data, year, region), "colofon"),
        _markdown(f'<footer class="provenance">\n\n{provenance.text(data.data_dir)}\n\n</footer>', "herkomst"),
    ]
    report = nbformat.v4.new_notebook(cells=front + chapters + back)
    report.metadata.update({
        "title": f"Jaarverslag {year} – {region_name}",
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "site": {"root": root, "year": year, "region": region_name},  # links to the site's script; search filters
    })
    return report


def _menu(order: list[tuple[str, str]], root: str) -> str:
    """The contents at hand: a sidebar on wide screens, a menu that opens on phones (not printed)."""
    items = "".join(f'<li><a href="#hoofdstuk-{chapter}">{escape(title)}</a></li>' for chapter, title in order)
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


def colophon(data: Dataset, year: int, region: str) -> str:
    """The colophon in Markdown: who made this, from which sources, and how the figures were computed."""
    used = set()
    for table in (data.observations, data.targets, data.goals):
        used |= set(table.loc[(table["region"] == region) & table["year"].isin(shown_years(year)), "source"])
    sources = data.sources[data.sources["id"].isin(used)]
    listed = "\n".join(
        f"- {escape(row.title)}" + (f" (CBS-tabel {escape(row.table_id)})" if isinstance(row.table_id, str) else "")
        for row in sources.itertuples()
    ) or "- Geen bronnen: voor deze regio en deze jaren zijn geen cijfers vastgelegd."
    return (
        "## Colofon\n\n"
        f"Dit jaarverslag over {year} van {escape(data.region_name(region))} is volledig uit data opgebouwd: "
        "dezelfde tabellen en dezelfde berekeningen leveren het verslag van de eenheid en van ieder district.\n\n"
        f"**Bronnen** van de cijfers over {year - 1} en {year}:\n\n{listed}\n\n"
        "**Gegevens.** De cijfers van dit verslag staan ook los beschikbaar, met een beschrijving van elke kolom, "
        "eenheid en bron ([Frictionless Data Package](data/datapackage.json)): [cijfers](data/cijfers.csv), "
        "[streefwaarden](data/streefwaarden.csv) en [doelen](data/doelen.csv).\n\n"
        f"**Werkwijze.** {METHOD}"
        + (" De demodata in dit verslag zijn gegenereerd, niet gemeten, en staan overal als zodanig gemarkeerd."
           if shows_demo_data(data, year, region) else "")
    )
def page(batch: Batch, data: Dataset, layout: Layout, year: int, region: str, provenance: Provenance) -> str:
    """The report of (year, region) as HTML."""
    body, _ = html_exporter().from_notebook_node(assemble(batch, data, layout, year, region, provenance))
    return unique_heading_ids(body)


SECTION = re.compile(r'<div class="(?:chapter[^"]*|colophon)" id="(?:hoofdstuk-)?([^"]+)">')
HEADING_ID = re.compile(r'(<h[1-6] id="|<a class="anchor-link" href="#)([^"]+)"')


def unique_heading_ids(body: str) -> str:
    """Prefix each chapter's heading ids (and their anchor links) with the chapter's name.

    nbconvert makes a heading's id from its text, so "Kerncijfers" would be the same id in every
    chapter and a link to it (a search hit, a shared URL) would open the first chapter's.
    """
    sections = list(SECTION.finditer(body))
    pieces = [body[: sections[0].start()] if sections else body]
    for number, section in enumerate(sections):
        end = sections[number + 1].start() if number + 1 < len(sections) else len(body)
        text = body[section.start():end]
        if section[1] != "colofon":
            text = HEADING_ID.sub(_renamer(section[1]), text)
        pieces.append(text)
    return "".join(pieces)


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
