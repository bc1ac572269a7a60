"""The data package beside each report (issue 21, item 6): valid by the frictionless library, no id that
points nowhere, a licence, Dutch column titles, and a variant of every table that Dutch Excel opens.

The fast tests export one package straight from data/; the slow ones read every package of the
whole published site (the session fixture `published`).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import BATCH, NOTEBOOKS
from jaarverslag.engine.layout import Layout
from jaarverslag.inputs.params import load_batch
from jaarverslag.publish.data import excel_path, export

BATCH_FILE = load_batch(BATCH)
DUTCH_EXCEL = {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}  # what a Dutch Excel uses to open a CSV


def _validate(descriptor: Path) -> None:
    from frictionless import validate

    report = validate(str(descriptor))
    assert report.valid, (descriptor, report.flatten(["resourceName", "type", "note"])[:5])


def _opens_in_dutch_excel(descriptor: Path) -> None:
    """Every table's Excel variant, read as Dutch Excel reads it, holds the values of the standard CSV, and
    validates against the same schema with ';' and ',' as separator and decimal sign."""
    from frictionless import Resource, validate

    for table in json.loads(descriptor.read_text(encoding="utf-8"))["resources"]:
        csv = descriptor.parent / table["path"]
        excel = excel_path(csv)
        assert excel.read_bytes().startswith(b"\xef\xbb\xbf"), excel  # the BOM: Excel reads UTF-8
        pd.testing.assert_frame_equal(pd.read_csv(excel, **DUTCH_EXCEL), pd.read_csv(csv), obj=str(excel))
        fields = [dict(f, **({"decimalChar": ","} if f["type"] == "number" else {})) for f in table["schema"]["fields"]]
        variant = dict(table, path=excel.name, encoding="utf-8-sig", dialect={"delimiter": ";"},
                       schema={"fields": fields, "primaryKey": table["schema"]["primaryKey"]})
        report = validate(Resource(variant, basepath=str(descriptor.parent)))
        assert report.valid, (excel, report.flatten(["type", "note"])[:5])


@pytest.fixture(scope="module")
def unit(tmp_path_factory, dataset) -> Path:
    """The package of the unit's 2019 report with every chapter, exported straight from data/."""
    return export(dataset, Layout(tmp_path_factory.mktemp("package")), 2019, "eenheid", BATCH_FILE.chapters)


def test_the_package_validates_and_every_id_points_to_a_row_in_it(unit):
    _validate(unit)
    package = json.loads(unit.read_text(encoding="utf-8"))
    names = [r["name"] for r in package["resources"]]
    assert names == ["cijfers", "streefwaarden", "doelen", "districten", "controle", "beweringen",
                     "indicatoren", "themas", "bronnen", "regios"]
    keys = {(r["name"], k["fields"]): k["reference"]["resource"] for r in package["resources"]
            for k in r["schema"].get("foreignKeys", [])}
    assert keys[("cijfers", "indicator")] == "indicatoren" and keys[("cijfers", "source")] == "bronnen"
    assert keys[("indicatoren", "theme")] == "themas" and keys[("beweringen", "goal")] == "doelen"
    assert keys[("districten", "region")] == "regios" and keys[("regios", "parent")] == ""
    sources = pd.read_csv(unit.parent / "bronnen.csv")
    assert set(sources["id"]) == {"jaarverslag-2019", "demo"}  # the districts' figures are demo data, and say so


def test_a_dangling_id_is_found(unit, tmp_path):
    """The foreign keys are checked: a figure of an indicator the package does not list fails validation."""
    from frictionless import validate

    copy = shutil.copytree(unit.parent, tmp_path / "data")
    figures = pd.read_csv(copy / "cijfers.csv")
    figures.loc[0, "indicator"] = "bestaat-niet"
    figures.to_csv(copy / "cijfers.csv", index=False)
    report = validate(str(copy / "datapackage.json"))
    assert not report.valid
    assert report.flatten(["type"]) == [["foreign-key"]] and "bestaat-niet" in str(report.flatten(["note"]))


def test_licence_and_dutch_titles_beside_the_english_names(unit):
    package = json.loads(unit.read_text(encoding="utf-8"))
    assert package["licenses"] == [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                                    "title": "Creative Commons Naamsvermelding 4.0 Internationaal"}]
    for table in package["resources"]:
        header = pd.read_csv(unit.parent / table["path"], nrows=0).columns.tolist()
        fields = table["schema"]["fields"]
        assert [f["name"] for f in fields] == header  # the name is the column's English name
        assert all(f["title"] and f["description"] and f["title"] != f["name"] for f in fields), table["name"]
    figures = next(r for r in package["resources"] if r["name"] == "cijfers")["schema"]["fields"]
    assert {f["name"]: f["title"] for f in figures}["value"] == "Waarde"


def test_every_table_opens_in_dutch_excel_with_the_values_of_the_standard_csv(unit):
    _opens_in_dutch_excel(unit)
    audit = pd.read_csv(excel_path(unit.parent / "controle.csv"), **DUTCH_EXCEL).set_index("indicator")
    assert audit.at["woninginbraken", "published_realisation"] == 8
    raw = excel_path(unit.parent / "streefwaarden.csv").read_text(encoding="utf-8-sig")
    assert ";0,3;" in raw and "0.3" not in raw  # a published realisation kept as text gets its decimal comma too


def test_district_comparison_and_audits_only_where_the_report_shows_them(dataset, tmp_path):
    layout = Layout(tmp_path)
    without = [c for c in BATCH_FILE.chapters if not (c.compares_districts or c.audits)]
    folder = export(dataset, layout, 2019, "eenheid", BATCH_FILE.chapters).parent
    assert {"districten.csv", "controle.csv", "beweringen-excel.csv", "regios.csv"} <= {p.name for p in folder.iterdir()}
    export(dataset, layout, 2019, "eenheid", without)  # the same report published again without those chapters
    names = {p.name for p in folder.iterdir()}
    assert not names & {"districten.csv", "districten-excel.csv", "controle.csv", "beweringen.csv", "regios.csv"}
    assert {"cijfers.csv", "streefwaarden.csv", "doelen.csv", "bronnen.csv"} <= names
    district = export(dataset, layout, 2019, "rotterdam-zuid", BATCH_FILE.chapters).parent
    assert not (district / "beweringen.csv").exists()  # no claims are recorded about a district: nothing shown


@pytest.mark.parametrize("chapter", BATCH_FILE.chapters, ids=lambda c: c.notebook)
def test_the_batch_marks_the_chapters_that_show_districts_and_audits(chapter):
    """The data package follows these marks, so they must say what the notebooks show."""
    source = (NOTEBOOKS / f"{chapter.notebook}.ipynb").read_text(encoding="utf-8")
    assert chapter.compares_districts == ("Districten.build" in source)
    assert chapter.audits == (".claims()" in source and ".audit()" in source)


# --- every package of the published site -------------------------------------------------------------


@pytest.fixture(scope="module")
def packages(published) -> list[Path]:
    found = sorted(published.glob("*/*/data/datapackage.json"))
    assert len(found) == len(BATCH_FILE.reports())
    return found


def test_every_published_data_package_validates(packages):
    for descriptor in packages:
        _validate(descriptor)


def test_every_published_data_package_opens_cleanly_in_a_dutch_spreadsheet(packages):
    for descriptor in packages:
        _opens_in_dutch_excel(descriptor)


def test_published_packages_hold_what_their_reports_show(published, dataset):
    from jaarverslag.analysis.claims import check
    from jaarverslag.analysis.districts import compare

    for year, region in BATCH_FILE.reports():
        folder = published / str(year) / region / "data"
        districts = pd.read_csv(folder / "districten.csv")  # every report of the batch has the chapter
        assert len(districts) == len(compare(dataset, year, region))
        claims = check(dataset, year, region)
        assert (folder / "beweringen.csv").exists() == (not claims.empty)
    claims = pd.read_csv(published / "2019" / "eenheid" / "data" / "beweringen.csv")
    assert list(claims["verdict"]) == list(check(dataset, 2019, "eenheid")["verdict"])
