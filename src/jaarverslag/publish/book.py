"""Quarto books: one generated Quarto project per (year, region) under build/quarto/.

Each project takes its settings from the top-level _quarto.yml (the one place for
language, formats and execution options) and gets its own title, the region's
executed notebooks as chapters grouped in the batch's parts, and its own output
directory inside the project, so renders never overwrite each other. Quarto does not
execute anything: the notebooks were executed by the batch.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..engine.hashing import library_digest, sha
from ..engine.layout import BookProject, Layout
from ..engine.manifest import Manifest
from ..errors import InfrastructureError, ParameterError
from ..inputs import Dataset
from ..inputs.params import Batch
from ..inputs.sources import demo_notice
from .provenance import Provenance
from .report import report_key
from .state import Publications


@dataclass(frozen=True)
class Book:
    year: int
    region: str
    project: BookProject
    changed: bool = True  # written anew by this run (so Quarto renders it again)
    key: str = ""


def book_config(base: dict, title: str, chapters: list) -> dict:
    """The top-level configuration with this book's title, chapters and output directory."""
    config = copy.deepcopy(base)
    config.setdefault("project", {}).update({"type": "book", "output-dir": BookProject.output_dir})
    config.setdefault("book", {}).update({"title": title, "chapters": chapters})
    return config


def prepare(batch: Batch, data: Dataset, layout: Layout, base_config: Path, force: bool = False) -> list[Book]:
    """A Quarto project for every (year, region) that has rendered chapters; rewritten only when its report changed."""
    text = Path(base_config).read_text(encoding="utf-8")
    try:
        base = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParameterError(f"{base_config}: not valid YAML ({exc})") from None
    manifest, state, library = Manifest(layout), Publications(layout), library_digest()
    books = []
    for year, region in batch.reports():
        rendered = layout.rendered(year, region, batch.notebooks)
        if not rendered:
            continue
        project = layout.book(year, region)
        provenance = Provenance.of(manifest, year, region, rendered).text(data.data_dir)
        key = sha((report_key(batch, manifest, year, region, rendered, provenance, library) + text).encode())
        name = f"book/{year}/{region}"
        if not force and state.entries.get(name, {}).get("key") == key and project.config.is_file():
            books.append(Book(year, region, project, changed=False))
            continue
        chapters: list = [project.index.name]
        for part in batch.parts:
            files = []
            for chapter in (c.notebook for c in part.chapters if c.notebook in rendered):
                target = project.chapter(chapter)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(layout.notebook(year, region, chapter), target)
                files.append(target.relative_to(project.root).as_posix())
            if files:
                chapters.append({"part": part.title, "chapters": files})
        region_name = data.region_name(region)
        project.index.write_text(
            f"# Over dit jaarverslag {{.unnumbered}}\n\nJaarverslag {year} van {region_name}, volledig uit data "
            f"opgebouwd.{demo_notice(data, year, region)}\n\n{provenance}\n",
            encoding="utf-8",
        )
        config = book_config(base, f"Jaarverslag {year} – {region_name}", chapters)
        project.config.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
        books.append(Book(year, region, project, key=key))
    return books


def settle(layout: Layout, books: list[Book]) -> None:
    """Record the changed books as done; called once they are rendered (or need no render: no quarto)."""
    state = Publications(layout)
    for book in (b for b in books if b.changed):
        state.entries[f"book/{book.year}/{book.region}"] = {"key": book.key}
    state.save()


def render(books: list[Book]) -> bool:
    """Run `quarto render` for every changed or never rendered book; False (nothing run) without quarto."""
    quarto = shutil.which("quarto")
    if quarto is None:
        return False
    for book in (b for b in books if b.changed or not b.project.output.is_dir()):
        result = subprocess.run([quarto, "render", str(book.project.root)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise InfrastructureError(f"quarto render {book.project.root} failed: {result.stderr.strip()[-800:]}")
    return True
