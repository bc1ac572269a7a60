"""The batch file names every chapter once; notebooks and the data agree with it."""

import json

import pytest

from conftest import BATCH, NOTEBOOKS, chapters, cli
from jaarverslag.errors import ParameterError
from jaarverslag.inputs.params import Batch, load_batch


@pytest.fixture(scope="module")
def batch():
    return load_batch(BATCH)


@pytest.mark.parametrize("chapter", chapters())
def test_notebook_metadata_and_setup_follow_the_batch_file(batch, dataset, chapter):
    nb = json.loads((NOTEBOOKS / f"{chapter}.ipynb").read_text(encoding="utf-8"))
    assert nb["metadata"]["title"] == batch.chapter(chapter).title_in(dataset)
    setup = next("".join(c["source"]) for c in nb["cells"] if "remove-cell" in c["metadata"].get("tags", []))
    assert f'.build("{chapter}", year, region, data_dir, batch_file)' in setup
    parameters = next("".join(c["source"]) for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    assert 'batch_file = "../params/batch.yaml"' in parameters


def test_titles_come_from_themes_unless_a_chapter_shows_several(batch, dataset):
    assert batch.chapter("cter").title_in(dataset) == "Contraterrorisme, extremisme en radicalisering (CTER)"
    assert batch.chapter("ontwikkelagendas").title_in(dataset) == "Ontwikkelagenda's"


def test_a_chapter_with_several_themes_needs_a_title(tmp_path, capsys):
    path = tmp_path / "batch.yaml"
    path.write_text("years: [2019]\nregions: [eenheid]\nparts: [{title: A, chapters: [{notebook: x, themes: [a, b]}]}]\n")
    assert cli("render", batch=path, build=tmp_path / "build") == 2
    assert "chapter 'x' shows several themes and needs a title" in capsys.readouterr().err


def test_a_chapter_with_an_unknown_theme_is_refused(tmp_path, capsys):
    path = tmp_path / "batch.yaml"
    path.write_text("years: [2019]\nregions: [eenheid]\nparts: [{title: A, chapters: [{notebook: cter, themes: [verkeer]}]}]\n")
    assert cli("render", batch=path, build=tmp_path / "build") == 2
    assert "chapter 'cter': unknown theme(s) verkeer" in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


def test_matrix_and_selection(batch):
    assert len(batch.jobs()) == len(batch.years) * len(batch.regions) * len(batch.chapters)
    small = batch.select([2019], ["eenheid"], ["cter", "veiligheidsbeeld"])
    assert small.jobs() == [(2019, "eenheid", "veiligheidsbeeld"), (2019, "eenheid", "cter")]
    assert [p.title for p in small.parts] == ["Veiligheid in cijfers", "Strategische thema's"]
    with pytest.raises(ParameterError, match="unknown chapter 'verkeer'"):
        batch.select(notebooks=["verkeer"])


def test_a_chapter_listed_twice_is_refused():
    chapter = {"notebook": "cter", "themes": ["cter"]}
    with pytest.raises(ValueError, match="chapter\\(s\\) listed more than once: cter"):
        Batch(years=[2019], regions=["eenheid"], parts=[{"title": "A", "chapters": [chapter]}, {"title": "B", "chapters": [chapter]}])


def test_a_chapters_themes_are_part_of_its_key(tmp_path, dataset):
    """Changing which themes a chapter shows re-renders it, even when its title stays the same."""
    from jaarverslag.engine.batch import Job, Settings, plan
    from jaarverslag.engine.layout import Layout
    from jaarverslag.engine.manifest import Manifest

    batch = load_batch(BATCH).select([2019], ["eenheid"], ["ontwikkelagendas"])
    fewer = batch.model_copy(deep=True)
    fewer.parts[0].chapters[0] = fewer.parts[0].chapters[0].model_copy(update={"themes": ["ontwikkelagenda-ggp"]})
    manifest = Manifest(Layout(tmp_path))
    keys = [plan([Job(2019, "eenheid", "ontwikkelagendas")], Settings.of(b, dataset, NOTEBOOKS, BATCH, tmp_path), manifest)[0][0][1]
            for b in (batch, fewer)]
    assert batch.chapters[0].title_in(dataset) == fewer.chapters[0].title_in(dataset)
    assert keys[0] != keys[1]
