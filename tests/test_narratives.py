"""The narratives' numbers and direction words, checked against the data by `jaarverslag validate`."""

import mistune
import pytest

from conftest import DATA, cli, edit_csv
from jaarverslag.analysis import narratives
from jaarverslag.chapters.chapter import safe_html
from jaarverslag.inputs import load

THEME = "cybercrime"


def write(data_dir, text, theme=THEME):
    path = data_dir / "narratives" / "2019" / "eenheid" / f"{theme}.md"
    path.write_text(text, encoding="utf-8")
    return path


def findings(data_dir, text, theme=THEME):
    write(data_dir, text, theme)
    return [str(f) for f in narratives.check(load(data_dir))]


def test_the_shipped_narratives_follow_from_the_data(capsys):
    assert narratives.check(load(DATA)) == []
    assert cli("validate") == 0
    assert "11 narratives)" in capsys.readouterr().out


def test_a_contradicted_figure_fails_validate_with_file_line_sentence_and_figure(data_dir, capsys):
    path = write(data_dir, "De eenheid telde dit jaar\nflink minder inbraken. Er waren 5.000 woninginbraken, en 717 straatroven.\n")
    assert cli("validate", data=data_dir) == 2
    err = capsys.readouterr().err
    assert (f'{path}, line 2: "Er waren 5.000 woninginbraken, en 717 straatroven.": 5.000 — the data has 4.028 '
            "(observation woninginbraken, 2019, eenheid); 5.000 allows 4.999,5 to 5.000,5.") in err
    assert "717" not in err.split("straatroven.\":")[1]  # 717 straatroven agrees: only the wrong figure is reported


def test_every_finding_is_reported_not_only_the_first(data_dir, capsys):
    write(data_dir, "Er waren 5.000 woninginbraken.\n\nHet aantal overvallen steeg.\n")
    write(data_dir, "Er waren 40 overvallen.\n", theme="veiligheidsbeeld")
    assert cli("validate", data=data_dir) == 2
    err = capsys.readouterr().err
    assert "3 statements in the narratives do not follow from the data" in err
    assert "cybercrime.md, line 1" in err and "cybercrime.md, line 3" in err and "veiligheidsbeeld.md, line 1" in err


@pytest.mark.parametrize("value, qualifier, shown", [("1200", "meer dan", "meer dan 1.200"), ("1236", "", "1.236")])
def test_ruim_allows_at_most_five_percent_above(data_dir, value, qualifier, shown):
    def change(frame):
        row = frame["indicator"] == "gewaarschuwde-bedrijven-ransomware"
        frame.loc[row, ["value", "qualifier"]] = [value, qualifier]
        return frame

    edit_csv(data_dir / "observations.csv", change)
    sentence = "Een groot onderzoek naar ransomware leidde tot waarschuwingen aan ruim duizend bedrijven."
    [finding] = findings(data_dir, sentence + "\n")
    assert finding.endswith(f'line 1: "{sentence}": ruim duizend — the data has {shown} (observation '
                            "gewaarschuwde-bedrijven-ransomware, 2019, eenheid); ruim duizend allows 1.000 to 1.050.")
    assert findings(data_dir, sentence.replace("ruim duizend", "ruim 1.200")) == []


def test_a_direction_word_needs_the_previous_years_figure(data_dir):
    [finding] = findings(data_dir, "Het aantal overtredingen van de arbeidstijdenwet nam toe.")
    assert finding.endswith('"nam toe" — no figure for 2018 to compare with (goal inz-c-1, eenheid: 29.751 in 2019).')


def test_a_direction_word_must_agree_with_the_change(data_dir):
    [finding] = findings(data_dir, "Het aantal woninginbraken steeg.")
    assert finding.endswith('"steeg" — the data has 4.400 in 2018 and 4.028 in 2019 (indicator woninginbraken, eenheid): a fall.')
    ok = ("De high impact crimes namen in 2019 opnieuw af: er waren minder woninginbraken, straatroven en overvallen "
          "dan een jaar eerder. Het totaal aantal misdrijven liep op, met 4,8% tot 95.782.")
    assert findings(data_dir, ok) == []


def test_a_direction_word_without_a_figure_is_reported(data_dir):
    [finding] = findings(data_dir, "Het aantal demonstraties groeide.")
    assert '"groeide" — no indicator or goal of the data is named here' in finding


def test_the_marker_exempts_a_number_or_direction_word_and_is_not_shown(data_dir):
    text = "Op 12 plekken in de stad werd een groeiend aantal demonstraties gehouden."
    assert len(findings(data_dir, text)) == 2
    marked = text.replace("12", "12<!-- vrij: telling van de bron -->").replace("groeiend", f"groeiend{narratives.MARKER}")
    assert findings(data_dir, marked) == []
    shown = safe_html(mistune.html(marked))
    assert "vrij" not in shown and "<!--" not in shown and "12 plekken" in shown


@pytest.mark.parametrize("text", [
    "In 2019 waren er 95.782 misdrijven en ruim 4.000 woninginbraken.",  # a year; a thousands separator
    "De spoedmeldingen: 82,3% binnen 15 minuten, prio 2-meldingen 79,6%.",  # decimals; a norm in the label; a name
    "Beslag op € 14.232.000, ruim € 14 miljoen, en circa 500 fte minder sinds 2016.",  # euro, millions, fte
    "Het vastgesteld op 6 april 2020: honderden wapens, tientallen vuurwapens, duizenden evenementen.",  # a date; magnitudes
    "De instroom met een migratieachtergrond was twaalf procent, bijna 38 aspiranten, tegen een ambitie van 20%.",
    "Het aandeel aangiften via internet steeg met 3 procentpunt naar 39%.",  # a change in points
    "1. Zie [het rapport](https://example.org/2019/123.html) over C2000 en 24/7 bereikbaarheid.",  # list number, link, names
])
def test_numbers_are_read_as_dutch_writes_them(data_dir, text):
    assert findings(data_dir, text) == []


@pytest.mark.parametrize("text, number", [
    ("Er waren 95.783 misdrijven.", "95.783"),  # exact: rounds at the written decimals
    ("De reactietijd spoed was 82,5%.", "82,5%"),
    ("Het beslag was € 15 miljoen.", "€ 15 miljoen"),
    ("Er werden twee keer zoveel fenomeenonderzoeken gedaan als afgesproken.", "twee"),
    ("Er waren meer dan 800 gewonde medewerkers.", "meer dan 800"),
    ("Er waren bijna 4.300 woninginbraken.", "bijna 4.300"),
])
def test_numbers_the_data_contradicts(data_dir, text, number):
    [finding] = findings(data_dir, text)
    assert f'"{text}": {number} — ' in finding


def test_a_line_over_10000_characters_is_a_data_error(data_dir, capsys):
    path = write(data_dir, "Een korte regel.\n" + "a" * 10_001 + "\n")
    assert cli("validate", data=data_dir) == 2
    assert f"{path}, line 2: 10.001 characters; a narrative line may have at most 10.000" in capsys.readouterr().err
    write(data_dir, "a" * 10_000 + "\n")
    assert cli("validate", data=data_dir) == 0
