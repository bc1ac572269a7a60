"""Quarto books: configuration checked against Quarto's documented book structure.

Quarto's CLI cannot be installed on our machines, so the render test is skipped
unless `quarto` is on PATH; everything else is checked without it.
"""

import os
import shutil

import pytest
import yaml

from conftest import BATCH, ROOT, chapters, cli
from jaarverslag.inputs.params import load_batch


def _chapter_files(chapters):
    for entry in chapters:
        if isinstance(entry, dict):
            assert set(entry) == {"part", "chapters"} and entry["part"], entry
            yield from entry["chapters"]
        else:
            yield entry


def _check_book(config, project):
    """The structure Quarto documents for a book project."""
    assert config["project"]["type"] == "book"
    assert config["lang"] == "nl" and config["book"]["search"] is True  # the reader features Quarto has
    assert config["execute"] == {"enabled": False, "echo": False}
    assert set(config["format"]) == {"html", "typst"}
    chapters = config["book"]["chapters"]
    assert chapters[0] == "index.qmd", "a Quarto book starts with index.qmd"
    files = list(_chapter_files(chapters))
    for file in files:
        assert (project / file).is_file(), f"chapter {file} does not exist"
    return files


def test_top_level_quarto_yml_is_the_book_of_the_committed_notebooks():
    config = yaml.safe_load((ROOT / "_quarto.yml").read_text())
    files = _check_book(config, ROOT)
    parts = [(e["part"], [f.removeprefix("notebooks/").removesuffix(".ipynb") for f in e["chapters"]])
             for e in config["book"]["chapters"][1:]]
    batch = load_batch(BATCH)
    assert parts == [(p.title, [c.notebook for c in p.chapters]) for p in batch.parts], "_quarto.yml and params/batch.yaml disagree"
    assert len(files) == 1 + len(chapters())  # index.qmd and every chapter


@pytest.fixture(scope="module")
def build(rendered, tmp_path_factory):
    """A copy of the session's rendered build: the books are written into it, while other tests (on another
    pytest-xdist worker too) read or copy the original."""
    copy = tmp_path_factory.mktemp("book") / "build"
    shutil.copytree(rendered, copy)
    return copy


@pytest.fixture(scope="module")
def books(build):
    assert cli("book", "--config", ROOT / "_quarto.yml", build=build) == 0
    return sorted((build / "quarto").glob("*/*/_quarto.yml"))


def test_a_book_per_rendered_year_and_region(books, build):
    assert [str(p.parent.relative_to(build / "quarto")) for p in books] == [
        "2018/eenheid", "2019/eenheid", "2019/rotterdam-zuid"]


def test_generated_books_follow_quartos_structure(books):
    outputs = set()
    for path in books:
        config = yaml.safe_load(path.read_text())
        files = _check_book(config, path.parent)
        outputs.add((path.parent / config["project"]["output-dir"]).resolve())
        year, region = path.parent.parent.name, path.parent.name
        assert config["book"]["title"].startswith(f"Jaarverslag {year} – ")
        if (year, region) == ("2019", "eenheid"):
            assert len(files) == 1 + len(chapters())  # index.qmd and every chapter
            assert [e["part"] for e in config["book"]["chapters"][1:]] == [
                "Veiligheid in cijfers", "Strategische thema's", "Organisatie in ontwikkeling"]
    assert len(outputs) == len(books), "books must not share an output directory"


def test_generated_index_carries_provenance_and_demo_notice(books):
    for path in books:
        index = (path.parent / "index.qmd").read_text()
        assert "Herkomst: gegevensversie" in index
        assert ("Demodata — geen echte cijfers." in index) == (path.parent.name != "eenheid")


def test_without_quarto_the_command_says_so_and_succeeds(build, capsys, monkeypatch):
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                                               if not (shutil.which("quarto", path=p))))
    assert cli("book", "--config", ROOT / "_quarto.yml", build=build) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("quarto is not installed (see https://quarto.org/docs/get-started/)")


@pytest.mark.skipif(shutil.which("quarto") is None, reason="quarto CLI is not installed (cannot be installed on these machines)")
def test_quarto_renders_a_generated_book(books):
    from jaarverslag.engine.layout import BookProject
    from jaarverslag.publish import book

    project = books[1].parent
    assert book.render([book.Book(2019, "eenheid", BookProject(project))])
    html = (project / "_book" / "index.html").read_text()
    assert "Jaarverslag 2019" in html and 'lang="nl"' in html


def test_with_quarto_on_path_every_book_is_rendered(build, tmp_path, capsys, monkeypatch):
    """A stand-in `quarto` records its calls: one `quarto render <project>` per book."""
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nmkdir -p "$2/_book" && echo ok > "$2/_book/index.html"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert cli("book", "--config", ROOT / "_quarto.yml", "--year", "2019", build=build) == 0
    assert calls.read_text().split("\n")[:-1] == [
        f"render {build / 'quarto' / '2019' / region}" for region in ("eenheid", "rotterdam-zuid")]
    out = capsys.readouterr().out
    assert f"2019 eenheid: {build / 'quarto' / '2019' / 'eenheid' / '_book'}" in out
