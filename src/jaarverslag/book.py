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

from .contract import Dataset
from .demo import DEMO_NOTICE, shows_demo_data
from .errors import JaarverslagError
from .params import Batch
from .publish import provenance
from .render import outputs

OUTPUT_DIR = "_book"


@dataclass(frozen=True)
class Book:
    year: int
    region: str
    project: Path

    @property
    def output(self) -> Path:
        return self.project / OUTPUT_DIR


def book_config(base: dict, title: str, chapters: list) -> dict:
    """The top-level configuration with this book's title, chapters and output directory."""
    config = copy.deepcopy(base)
    config.setdefault("project", {}).update({"type": "book", "output-dir": OUTPUT_DIR})
    config.setdefault("book", {}).update({"title": title, "chapters": chapters})
    return config


def prepare(batch: Batch, data: Dataset, build_dir: Path, base_config: Path) -> list[Book]:
    """Write a Quarto project for every (year, region) that has rendered chapters."""
    base = yaml.safe_load(Path(base_config).read_text(encoding="utf-8"))
    books = []
    for year in batch.years:
        for region in batch.regions:
            project = Path(build_dir) / "quarto" / str(year) / region
            chapters: list = ["index.qmd"]
            for part in batch.parts:
                files = []
                for theme in part.themes:
                    executed, _ = outputs(build_dir, year, region, theme)
                    if executed.is_file():
                        (project / "chapters").mkdir(parents=True, exist_ok=True)
                        shutil.copyfile(executed, project / "chapters" / executed.name)
                        files.append(f"chapters/{executed.name}")
                if files:
                    chapters.append({"part": part.title, "chapters": files})
            if len(chapters) == 1:
                continue
            name = data.region_name(region)
            notice = f"\n\n> {DEMO_NOTICE}\n" if shows_demo_data(data, year, region) else ""
            (project / "index.qmd").write_text(
                f"# Over dit jaarverslag {{.unnumbered}}\n\nJaarverslag {year} van {name}, volledig uit data "
                f"opgebouwd.{notice}\n\n{provenance(data, build_dir, year, region)}\n",
                encoding="utf-8",
            )
            config = book_config(base, f"Jaarverslag {year} – {name}", chapters)
            (project / "_quarto.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
            books.append(Book(year, region, project))
    return books


def render(books: list[Book]) -> bool:
    """Run `quarto render` for every book; False (and nothing run) when quarto is not installed."""
    quarto = shutil.which("quarto")
    if quarto is None:
        return False
    for book in books:
        result = subprocess.run([quarto, "render", str(book.project)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise JaarverslagError(f"quarto render {book.project} failed: {result.stderr.strip()[-800:]}")
    return True
