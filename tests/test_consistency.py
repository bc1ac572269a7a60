"""The published reports do not contradict themselves (issue 19, item 7).

The rules are in consistency.py. One test per rule reads every report of the whole
published site (the session fixture `published`); the others show on hand-made reports
that each rule does find what it looks for, and stays quiet on a consistent report.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from consistency import RULES, check, contradictions, read

# --- the published site ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(published):
    return read(published)


def test_the_site_has_every_report(site, dataset):
    from conftest import BATCH
    from jaarverslag.inputs.params import load_batch

    batch = load_batch(BATCH)
    assert {(report.year, report.region) for report in site} == {(y, r) for y in batch.years for r in batch.regions}
    assert all(report.chapters and "colofon" in report.parts for report in site)


@pytest.mark.parametrize("letter", sorted(RULES), ids=lambda letter: f"{letter}-{RULES[letter].__name__}")
def test_published_reports_do_not_contradict_themselves(site, dataset, letter):
    result = check(site, dataset, rules=[letter])  # the fixture's site was made in one run
    if letter in result.skipped:
        pytest.skip(f"rule {letter} cannot run yet: {result.skipped[letter]}")
    if result.findings:
        pytest.fail(f"rule {letter}: {len(result.findings)} contradiction(s):\n" + "\n".join(result.findings[:40]), pytrace=False)


# --- hand-made reports -------------------------------------------------------------------------


def table(caption: str, columns: list[str], rows: dict[str, list[str]]) -> str:
    """A table as pandas' Styler writes it: column headings, a row heading per row, data cells."""
    head = "".join(f'<th class="col_heading level0">{c}</th>' for c in columns)
    body = "".join(f'<tr><th class="row_heading level0">{label}</th>' + "".join(f'<td class="data">{v}</td>' for v in values) + "</tr>"
                   for label, values in rows.items())
    return (f'<style>#T td {{ color: red }}</style><table id="T"><caption>{caption}</caption>'
            f'<thead><tr><th class="blank"> </th>{head}</tr></thead><tbody>{body}</tbody></table>')


def write_report(site: Path, year: int, region: str, cover: str, chapters: dict[str, str], colophon: str) -> None:
    """One report laid out as publish lays out its one-page edition: cover, a section per chapter, colophon."""
    html = [f'<div class="title-page"><h1>Jaarverslag {year}</h1><p class="edition">{cover}</p></div>']
    for notebook, content in chapters.items():
        html.append(f'<section class="chapter" id="hoofdstuk-{notebook}"><div class="cell">{content}</div></section>')
    html.append(f'<section class="colophon" id="colofon"><h1>Colofon</h1>{colophon}</section>')
    path = site / str(year) / region / f"jaarverslag-{year}-{region}.html"
    path.parent.mkdir(parents=True)
    path.write_text("<html><body><main>" + "\n".join(html) + "</main></body></html>", encoding="utf-8")


def goals_table(label: str, rows: dict[str, list[str]]) -> str:
    return table(f"Doelen en resultaten {label}", ["Onderwerp", "Streef\xadwaarde", "Re\xadsul\xadtaat", "Status"], rows)


def hand_made_data(directory: Path, *, links: bool = True) -> SimpleNamespace:
    """A small Dataset: the unit and two districts, three indicators, four goals, one claim."""
    frame = pd.DataFrame
    observations = frame([
        ("aandeel-internetaangiften", "eenheid", 2019, "39"),   # a whole percentage
        ("trainingen", "eenheid", 2019, "12"),
    ], columns=["indicator", "region", "year", "value"])
    directory.mkdir(parents=True, exist_ok=True)
    observations.to_csv(directory / "observations.csv", index=False)
    goals = frame([
        # year, region, label, target_value, status, source, status_basis, place, indicators
        (2019, "eenheid", "Exitinterviews houden", 20.0, "niet", "jaarverslag-2019", "stated", "", ""),
        (2019, "eenheid", "Trainingen geven", 10.0, "gerealiseerd", "jaarverslag-2019", "derived", "", "trainingen"),
        (2019, "eenheid", "Cameratoezicht uitbreiden", None, "gerealiseerd", "jaarverslag-2019", "stated", "rotterdam-stad", ""),
        (2018, "rotterdam-zuid", "Exitinterviews houden", 20.0, "niet", "demo", "", "", ""),
    ], columns=["year", "region", "label", "target_value", "status", "source", "status_basis", "place", "indicators"])
    if not links:
        goals = goals.drop(columns=["place", "indicators"])
    return SimpleNamespace(
        data_dir=directory,
        unit="eenheid",
        regions=frame([("eenheid", ""), ("rotterdam-stad", "eenheid"), ("rotterdam-zuid", "eenheid")], columns=["id", "parent"]),
        indicators=frame([
            ("aandeel-internetaangiften", "Aandeel aangiften via internet", "percentage"),
            ("trainingen", "Aantal trainingen", "count"),
        ], columns=["id", "label", "unit"]),
        observations=observations.astype({"year": int}),
        goals=goals,
        claims=frame([(2019, "eenheid", "Alle kwantitatieve doelstellingen gerealiseerd", "all_targets_met")],
                     columns=["year", "region", "claim", "rule"]),
    )


def contradicting_site(site: Path) -> None:
    """Every contradiction of the rules once, in the wording of today's reports."""
    write_report(site, 2019, "eenheid", cover="Uitgave van 1 december 2026 · gegevensversie a44001219831, c8f0a86e4052", chapters={
        "veiligheidsbeeld": (
            "<p>De tabel zet de cijfers van 2019 naast die van 2018 en meet ze aan de streefwaarden uit het jaarplan.</p>"
            "<p><strong>10 van 11 streefwaarden gehaald</strong> in 2019.</p>"
            + table("Veiligheidsbeeld Eenheid Rotterdam, 2018 en 2019", ["2018", "2019", "Streef\xadwaar\xadde 2019"],
                    {"Aandeel aan\xadgif\xadten via internet": ["–", "39,0%", "≥ 30,0%"]})
            + "<p>Voor 2018 zijn voor Eenheid Rotterdam geen cijfers vastgelegd: de kolom 2018 en de verandering blijven leeg.</p>"
            "<p>Voor 2019 zijn voor Eenheid Rotterdam geen streefwaarden vastgesteld.</p>"
            + table("Beweringen in de tekst van het jaarverslag 2019, Eenheid Rotterdam", ["Wat de data zegt", "Oordeel"],
                    {"Alle kwan\xadti\xadta\xadtie\xadve doelstellingen gerealiseerd": ["10 van 11 streefwaarden gehaald", "✔ klopt"]})),
        "cter": (
            "<p>Geen kerncijfers: voor CTER zijn voor Eenheid Rotterdam in 2019 geen cijfers vastgelegd.</p>"
            "<p>Geen grafiek: voor CTER heeft Eenheid Rotterdam geen cijfers over zowel 2018 als 2019; "
            "de kerncijfers staan in de tabel.</p>"
            + table("Kerncijfers CTER, Eenheid Rotterdam, 2019", ["2018", "2019", "Streef\xadwaar\xadde 2019"],
                    {"Aantal trainingen": ["–", "12", "geen streef\xadwaar\xadde"]})
            + goals_table("CTER, Eenheid Rotterdam, 2019", {
                "Exitinterviews houden": ["Werkklimaat", "≥ 20", "10", "✘ Niet gerealiseerd"],
                "Trainingen geven": ["Opleiding", "≥ 10", "–", "✔ Gerealiseerd"],
                "Cameratoezicht uitbreiden": ["Toezicht", "–", "–", "✔ Gerealiseerd"]})),
    }, colophon=(
        "<p><strong>Werkwijze.</strong> De status van een doel uit de bijlage is die uit de bron; waar streefwaarde en "
        "resultaat getallen zijn, staat ernaast de status die uit die getallen volgt.</p>"
        "<footer><p>Herkomst: gegevensversie <code>a44001219831</code>. Let op: de hoofdstukken van dit verslag zijn niet "
        "allemaal met dezelfde gegevens- en codeversie gemaakt; render het verslag opnieuw voor één versie.</p></footer>"))
    write_report(site, 2019, "rotterdam-zuid", cover="Uitgave van 1 december 2026", chapters={
        "cter": goals_table("CTER, Rotterdam-Zuid, 2019", {"Cameratoezicht uitbreiden": ["Toezicht", "–", "–", "✔ Gerealiseerd"]}),
    }, colophon="<p>Colofon.</p>")
    write_report(site, 2018, "eenheid", cover="Uitgave van 1 december 2026", chapters={
        "cter": "<p>Geen doelen: voor CTER zijn voor Eenheid Rotterdam in 2018 geen doelen uit het jaarplan vastgelegd.</p>",
    }, colophon="<p>Colofon.</p>")
    write_report(site, 2018, "rotterdam-zuid", cover="Uitgave van 1 december 2026", chapters={
        "cter": goals_table("CTER, Rotterdam-Zuid, 2018", {"Exitinterviews houden": ["Werkklimaat", "≥ 20", "8", "✘ Niet gerealiseerd"]}),
    }, colophon="<p>Colofon.</p>")


def consistent_site(site: Path) -> None:
    """The same reports, told consistently."""
    write_report(site, 2019, "eenheid", cover="Uitgave van 1 december 2026", chapters={
        "veiligheidsbeeld": (
            "<p>De tabel zet de cijfers van 2019 naast die van 2018 en meet ze aan de streefwaarden uit het jaarplan.</p>"
            "<p><strong>1 van 1 streefwaarden gehaald</strong> in 2019.</p>"
            + table("Veiligheidsbeeld Eenheid Rotterdam, 2018 en 2019", ["2018", "2019", "Streef\xadwaar\xadde 2019"],
                    {"Aandeel aangiften via internet": ["36%", "39%", "≥ 30,0%"]})
            + table("Beweringen in de tekst van het jaarverslag 2019, Eenheid Rotterdam", ["Wat de data zegt", "Oordeel"],
                    {"Alle kwantitatieve doelstellingen gerealiseerd": ["1 van 1 gehaald; een doel niet", "✘ in strijd met de data"]})),
        "cter": (
            table("Kerncijfers CTER, Eenheid Rotterdam, 2019", ["2018", "2019", "Streefwaarde 2019"],
                  {"Aantal trainingen": ["–", "12", "≥ 10"]})
            + "<p>Geen grafiek: voor CTER heeft Eenheid Rotterdam geen cijfers over zowel 2018 als 2019; "
              "de kerncijfers staan in de tabel.</p>"
            + goals_table("CTER, Eenheid Rotterdam, 2019", {
                "Exitinterviews houden": ["Werkklimaat", "≥ 20", "10", "✘ Niet gerealiseerd"],
                "Trainingen geven": ["Opleiding", "≥ 10", "12", "✔ Gerealiseerd"],
                "Cameratoezicht uitbreiden": ["Toezicht", "–", "–", "✔ Gerealiseerd"]})),
    }, colophon=(
        "<p><strong>Werkwijze.</strong> De status van een doel staat in de bijlage of volgt uit de getallen.</p>"
        "<footer><p>Herkomst: gegevensversie <code>a44001219831</code>, gemaakt op 1 december 2026.</p></footer>"))
    write_report(site, 2019, "rotterdam-zuid", cover="Uitgave van 1 december 2026", chapters={
        "cter": goals_table("CTER, Rotterdam-Zuid, 2019", {"Exitinterviews houden": ["Werkklimaat", "≥ 20", "8", "✘ Niet gerealiseerd"]}),
    }, colophon="<p>Colofon.</p>")
    write_report(site, 2018, "eenheid", cover="Uitgave van 1 december 2026", chapters={
        "cter": "<p>Geen doelen: voor CTER zijn voor Eenheid Rotterdam in 2018 geen doelen uit het jaarplan vastgelegd.</p>",
    }, colophon="<p>Colofon.</p>")
    write_report(site, 2018, "rotterdam-zuid", cover="Uitgave van 1 december 2026", chapters={
        "cter": "<p>Geen doelen: voor CTER zijn voor Rotterdam-Zuid in 2018 geen doelen uit het jaarplan vastgelegd.</p>",
    }, colophon="<p>Colofon.</p>")


def rules_of(findings: list[str]) -> set[str]:
    return {finding.split("[", 1)[1][0] for finding in findings}


def test_every_rule_finds_its_contradiction(tmp_path):
    contradicting_site(tmp_path / "site")
    result = check(read(tmp_path / "site"), hand_made_data(tmp_path / "data"))
    assert result.skipped == {}
    assert rules_of(result.findings) == set(RULES), "\n".join(result.findings)
    findings = "\n".join(result.findings)
    # readable: where, which rule, and the words quoted as the reader sees them (no soft hyphens)
    assert "2019/eenheid, hoofdstuk cter [b]: 'Geen kerncijfers: voor CTER" in findings
    assert "2019/eenheid, titelpagina [k]: 'Uitgave van 1 december 2026 · gegevensversie a44001219831" in findings
    assert "2019/rotterdam-zuid, hoofdstuk cter [i]: the goal 'Cameratoezicht uitbreiden'" in findings
    assert "2018/rotterdam-zuid, hoofdstuk cter [h]" in findings
    assert "Aandeel aangiften via internet, 2019: '39,0%' but observations.csv records a whole number" in findings
    assert "\xad" not in findings
    assert contradictions(tmp_path / "site", hand_made_data(tmp_path / "data")) == result.findings


def test_a_consistent_site_has_no_findings(tmp_path):
    consistent_site(tmp_path / "site")
    result = check(read(tmp_path / "site"), hand_made_data(tmp_path / "data"))
    assert result.skipped == {}
    assert result.findings == []


def test_the_version_warning_is_only_wrong_for_a_build_made_in_one_run(tmp_path):
    contradicting_site(tmp_path / "site")
    data = hand_made_data(tmp_path / "data")
    assert rules_of(check(read(tmp_path / "site"), data, rules=["e"]).findings) == {"e"}
    assert check(read(tmp_path / "site"), data, rules=["e"], one_run=False).findings == []


def test_rules_on_columns_goals_csv_lacks_are_skipped_with_the_reason(tmp_path):
    contradicting_site(tmp_path / "site")
    result = check(read(tmp_path / "site"), hand_made_data(tmp_path / "data", links=False))
    assert set(result.skipped) == {"i", "j"}
    assert "place" in result.skipped["i"] and "indicators" in result.skipped["j"]
    assert rules_of(result.findings) == set(RULES) - {"i", "j"}
