"""The batch file (params/batch.yaml): years, regions and the report's parts and chapters.

This is the one place that names the chapters: each has a notebook (also its id), the
themes of themes.csv it shows and, when it shows more than one, its own title; a
single-theme chapter is titled by its theme's label. The engine renders every chapter
for every year and region; the publication follows the parts and their order.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ParameterError
from .catalog import path
from .dataset import Dataset

DEFAULT = Path("params/batch.yaml")


class Chapter(BaseModel):
    """One chapter: notebooks/<notebook>.ipynb showing these themes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    notebook: str
    themes: list[str] = Field(min_length=1)
    title: str | None = None
    compares_districts: bool = False  # shows the districts beside the region: their data is part of its key
    audits: bool = False  # shows the audit of the published figures and of the text's claims (its data package carries them)

    @model_validator(mode="after")
    def _title_when_several_themes(self) -> Chapter:
        if self.title is None and len(self.themes) > 1:
            raise ValueError(f"chapter {self.notebook!r} shows several themes and needs a title")
        return self

    def title_in(self, data: Dataset) -> str:
        """Its own title, or the label of its one theme in themes.csv."""
        return self.title or data.theme_label(self.themes[0])


class Part(BaseModel):
    """A part of the report: a title and its chapters, in order."""

    model_config = ConfigDict(extra="forbid")

    title: str
    chapters: list[Chapter]


class Batch(BaseModel):
    """The batch matrix: every chapter is rendered for every year and region."""

    model_config = ConfigDict(extra="forbid")

    years: list[int]
    regions: list[str]
    parts: list[Part]
    # where the site is published (https://…/): the PDFs link to their data and the site there
    site_url: str | None = Field(default=None, pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$")
    contact: str | None = Field(default=None, min_length=1, max_length=200)  # the colophon's way to reach the publisher

    @property
    def base_url(self) -> str | None:
        """site_url ending in '/', so a path inside the site can be appended to it."""
        return self.site_url if self.site_url is None or self.site_url.endswith("/") else self.site_url + "/"

    @model_validator(mode="after")
    def _chapters_named_once(self) -> Batch:
        names = [chapter.notebook for part in self.parts for chapter in part.chapters]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"chapter(s) listed more than once: {', '.join(twice)}")
        return self

    @property
    def chapters(self) -> list[Chapter]:
        return [chapter for part in self.parts for chapter in part.chapters]

    @property
    def notebooks(self) -> list[str]:
        return [chapter.notebook for chapter in self.chapters]

    def chapter(self, notebook: str) -> Chapter:
        for chapter in self.chapters:
            if chapter.notebook == notebook:
                return chapter
        raise ParameterError(f"unknown chapter {notebook!r}: the batch's chapters are {', '.join(self.notebooks)}")

    def reports(self) -> list[tuple[int, str]]:
        """Every (year, region) of the matrix, years first."""
        return [(year, region) for year in self.years for region in self.regions]

    def jobs(self) -> list[tuple[int, str, str]]:
        """Every (year, region, chapter notebook) of the matrix, in report order."""
        return [(year, region, notebook) for year, region in self.reports() for notebook in self.notebooks]

    def select(self, years: Iterable[int] | None = None, regions: Iterable[str] | None = None,
               notebooks: Iterable[str] | None = None) -> Batch:
        """The matrix narrowed to these years, regions and chapters (None: all)."""
        wanted = {self.chapter(n).notebook for n in notebooks or []}
        parts = [Part(title=p.title, chapters=[c for c in p.chapters if not wanted or c.notebook in wanted])
                 for p in self.parts]
        years, regions = list(dict.fromkeys(years or self.years)), list(dict.fromkeys(regions or self.regions))
        return self.model_copy(update={"years": years, "regions": regions, "parts": [p for p in parts if p.chapters]})

    def check(self, data: Dataset, notebooks_dir: str | Path) -> None:
        """Every year, region, theme and notebook must exist before a kernel starts."""
        for year, region in self.reports():
            data.check_run(year, region)
        known = set(data.themes["id"])
        for chapter in self.chapters:
            unknown = [t for t in chapter.themes if t not in known]
            if unknown:
                raise ParameterError(
                    f"chapter {chapter.notebook!r}: unknown theme(s) {', '.join(unknown)}; see {path(data.data_dir, 'themes')}"
                )
            notebook = Path(notebooks_dir) / f"{chapter.notebook}.ipynb"
            if not notebook.is_file():
                raise ParameterError(f"unknown chapter {chapter.notebook!r}: there is no notebook {notebook}")


def load_batch(path: str | Path = DEFAULT) -> Batch:
    """Read the batch file; its names are checked against the data by Batch.check."""
    path = Path(path)
    try:
        return Batch.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except FileNotFoundError:
        raise ParameterError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ParameterError(f"{path}: not valid YAML ({exc})") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'top level'}: {e['msg']}" for e in exc.errors())
        raise ParameterError(f"{path}: {problems}") from None
