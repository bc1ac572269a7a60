"""Run parameters: one (year, region) and the batch matrix in params/, checked before anything runs."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from .contract import Dataset
from .errors import ParameterError


class Part(BaseModel):
    """A part of the report: a title and its chapter notebooks, in order."""

    model_config = ConfigDict(extra="forbid")

    title: str
    themes: list[str]


class Batch(BaseModel):
    """The batch matrix: every theme notebook is rendered for every year and region.

    The themes are listed per part of the report, in report order, so the same file
    says what is rendered and how the published report is structured.
    """

    model_config = ConfigDict(extra="forbid")

    years: list[int]
    regions: list[str]
    parts: list[Part]

    @property
    def themes(self) -> list[str]:
        return [theme for part in self.parts for theme in part.themes]

    def select(self, years=None, regions=None, themes=None) -> "Batch":
        """The matrix narrowed to these years, regions and themes (None: all)."""
        for theme in themes or []:
            if theme not in self.themes:
                raise ParameterError(f"unknown theme {theme!r}: the batch's themes are {', '.join(self.themes)}")
        parts = [Part(title=p.title, themes=[t for t in p.themes if not themes or t in themes]) for p in self.parts]
        years, regions = list(dict.fromkeys(years or self.years)), list(dict.fromkeys(regions or self.regions))
        return Batch(years=years, regions=regions, parts=[p for p in parts if p.themes])


def check_run(data: Dataset, year, region) -> None:
    """Raise ParameterError unless (year, region) names a region in the data and a year with data."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise ParameterError(f"year must be a whole number such as 2019, not {year!r}")
    regions = list(data.regions["id"])
    if region not in regions:
        raise ParameterError(f"unknown region {region!r}; regions in {data.data_dir / 'regions.csv'}: {', '.join(regions)}")
    if year not in data.years:
        known = ", ".join(map(str, data.years))
        raise ParameterError(f"no data for year {year} in {data.data_dir}; years with data: {known}")


def load_batch(path: str | Path) -> Batch:
    """Read the batch matrix file; its names are checked against the data by check_batch."""
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


def check_batch(batch: Batch, data: Dataset, notebooks_dir: str | Path) -> None:
    """Every year, region and theme must exist before a kernel starts."""
    for year in batch.years:
        for region in batch.regions:
            check_run(data, year, region)
    for theme in batch.themes:
        notebook = Path(notebooks_dir) / f"{theme}.ipynb"
        if not notebook.is_file():
            raise ParameterError(f"unknown theme {theme!r}: there is no notebook {notebook}")
