"""Every chart type, with short and extra-long labels: nothing clipped, no tick labels on top of each
other, a plotting area that keeps its width, and the width of the printed page. Shown as SVG whose labels
are text, the same bytes every time; a chart of one category is a sentence instead."""

import hashlib
import html
import re

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from conftest import ROOT
from jaarverslag.analysis.goals import STATUS_LABELS
from jaarverslag.chapters import charts

LONG = "Operationele medewerkers kennen het handelingskader proactief controleren en rolduidelijkheidsprogramma's"
TITLE = "Resultaat ten opzichte van de streefwaarde, Contraterrorisme, extremisme en radicalisering (CTER), Rotterdam-Zuid"


def _norm(label):
    rows = pd.DataFrame({"label": [label, "Kort"], "previous": [41.0, 99.0], "current": [43.0, 100.0], "reference": [80.0, 90.0]})
    return charts.against_norm(rows, {"previous": "2018", "current": "2019"}, TITLE)


def _years(label):
    rows = pd.DataFrame({"label": [label, "Aantal straatroven", "Aantal overvallen"], "previous": [91400.0, 761, 225],
                         "current": [95782.0, 717, 223], "unit": ["count"] * 3})
    return charts.years_side_by_side(rows, 2019, TITLE)


def _status(label):
    goals = pd.DataFrame({"ambitie": [f"A. {label}"] * 3 + ["B. Kort"] * 3,  # every status, so the legend is full
                          "status": ["gerealiseerd", "deels", "niet", "onbekend", "gerealiseerd", "niet-vergelijkbaar"]})
    return charts.status_per_group(goals, "ambitie", STATUS_LABELS, TITLE)


def _shown(axis):
    """The tick labels drawn: visible, with text, at a tick inside the axis' view."""
    low, high = sorted(axis.get_view_interval())
    return [t for t, at in zip(axis.get_ticklabels(), axis.get_ticklocs())
            if t.get_visible() and t.get_text() and low - 1e-9 <= at <= high + 1e-9]


def _overlap(a, b):
    return a.x0 < b.x1 - 1 and b.x0 < a.x1 - 1 and a.y0 < b.y1 - 1 and b.y0 < a.y1 - 1


@pytest.mark.parametrize("label", ["Kort", LONG])
@pytest.mark.parametrize("draw", [_norm, _years, _status])
def test_chart_fits_the_page_and_nothing_collides(draw, label):
    chart = draw(label)
    fig, alt = chart.figure, chart.alt
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    page = fig.bbox
    assert round(fig.get_figwidth(), 2) == round(charts.PAGE_WIDTH, 2)
    ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_ticklabels()}
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in ticks]
    texts += [t for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in _shown(axis)]
    for text in texts:
        box = text.get_window_extent(renderer)
        assert box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1, (
            f"clipped: {text.get_text()!r}")
    boxes = [t.get_window_extent(renderer) for t in texts]
    assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), "texts print on top of each other"
    for ax in fig.axes:
        assert ax.get_window_extent(renderer).width >= 0.2 * page.width / len(fig.axes), "plotting area squeezed"
        for axis in (ax.xaxis, ax.yaxis):
            boxes = [t.get_window_extent(renderer) for t in _shown(axis)]
            assert not any(_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]), "tick labels overlap"
    assert alt and label.split()[0] in alt


def test_four_panels_of_long_titles_get_the_height_they_need():
    """Four indicators with long labels (the long-label report's charts): the figure grows with its panel titles instead
    of collapsing its plots (which printed matplotlib's warning into the report and drew titles over each other)."""
    import warnings

    rows = pd.DataFrame({"label": [f"{name} {LONG}" for name in ("Misdrijven", "Straatroven", "Overvallen", "Inbraken")],
                         "previous": [91400.0, 761, 225, 4400], "current": [95782.0, 717, 223, 4028], "unit": ["count"] * 4})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart = charts.years_side_by_side(rows, 2019, TITLE)
        canvas = FigureCanvasAgg(chart.figure)
        canvas.draw()
    renderer = canvas.get_renderer()
    assert chart.figure.get_figheight() > 3.4
    titles = [chart.figure._suptitle.get_window_extent(renderer)] + [ax.title.get_window_extent(renderer) for ax in chart.figure.axes]
    assert not any(_overlap(a, b) for i, a in enumerate(titles) for b in titles[i + 1:]), "titles print on top of each other"
    for ax in chart.figure.axes:
        assert ax.get_window_extent(renderer).height >= 100, "plotting area squeezed"


@pytest.mark.parametrize("draw", [_norm, _years, _status])
def test_the_numbers_behind_a_chart_are_a_table_and_a_csv_of_exactly_what_it_draws(draw):
    import io
    from urllib.parse import unquote

    from bs4 import BeautifulSoup

    chart = draw("Kort")
    soup = BeautifulSoup(charts.data_table(chart), "html.parser")
    assert soup.details.summary.get_text().startswith("Cijfers bij de grafiek")
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in soup.find("tbody").find_all("tr")]
    assert len(rows) == len(chart.data) and rows[0][0] == str(chart.data.iloc[0, 0])
    link = soup.find("a", download=True)
    text = {c: str for c in chart.data.columns if not pd.api.types.is_numeric_dtype(chart.data[c])}
    csv = pd.read_csv(io.StringIO(unquote(link["href"].split(",", 1)[1])), dtype=text)
    pd.testing.assert_frame_equal(csv, chart.data, check_dtype=False)


@pytest.mark.parametrize("draw", [_norm, _years, _status])
def test_a_chart_is_the_same_svg_every_time_and_its_labels_are_text(draw):
    import matplotlib as mpl

    first = charts.svg(draw(LONG).figure)
    with mpl.rc_context({"svg.hashsalt": None}):  # the default: ids from a random salt, unless show() fixes it
        assert charts.svg(draw(LONG).figure) == first
    assert "<dc:date>" not in first and "Matplotlib" not in first
    texts = re.findall(r"<text [^>]*>([^<]*)</text>", first)
    assert TITLE.split(",")[0] in " ".join(texts)  # the title's first line, as text, not glyph outlines
    assert "font-family: 'DejaVu Sans'" in first and "<path id=\"DejaVuSans" not in first


def test_the_svg_is_the_same_in_another_python():
    """What the warm-kernel test and nbval rely on: nothing of the process (salt, dict order, time) reaches the SVG."""
    import subprocess
    import sys

    script = ("import sys, hashlib; sys.path.insert(0, 'tests'); from test_charts import _years; "
              "from jaarverslag.chapters import charts; "
              "print(hashlib.sha256(charts.svg(_years('Kort').figure).encode()).hexdigest())")
    other = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()
    assert other == hashlib.sha256(charts.svg(_years("Kort").figure).encode()).hexdigest()


def _shown_outputs(chart, monkeypatch):
    shown = []
    monkeypatch.setattr(charts, "display", lambda obj, **kwargs: shown.append((obj, kwargs)))
    charts.show(chart)
    return shown


def test_show_gives_the_svg_its_alt_text_and_its_size(monkeypatch):
    chart = _years("Kort")
    (image, options), (table, _) = _shown_outputs(chart, monkeypatch)
    assert set(image) == {"image/svg+xml", "text/plain"} and options["raw"]
    assert image["image/svg+xml"].startswith("<?xml") and image["text/plain"] == chart.alt
    assert options["metadata"]["image/svg+xml"] == {"alt": chart.alt, "width": 688, "height": 326}
    assert "Cijfers bij de grafiek" in table.data


ONE_STATUS = pd.DataFrame({"ambitie": ["A. Ontwikkelagenda <GGP>"] * 9, "status": ["onbekend"] * 9})


@pytest.mark.parametrize("draw, sentence", [
    (lambda: charts.status_per_group(ONE_STATUS, "ambitie", STATUS_LABELS, TITLE), "Van alle 9 doelen is de status onbekend."),
    (lambda: charts.status_per_group(ONE_STATUS.assign(ambitie=["A. Een"] * 4 + ["B. Twee"] * 5), "ambitie", STATUS_LABELS,
                                     TITLE),
     "Van alle 9 doelen is de status onbekend; per ambitie: A. Een 4, B. Twee 5."),
    (lambda: charts.status_per_group(ONE_STATUS.head(1), "ambitie", STATUS_LABELS, TITLE), "Van het enige doel is de status onbekend."),
    (lambda: charts.against_norm(pd.DataFrame({"label": ["IBT <getraind>"], "result_value": [100.0], "reference": [90.0]}),
                                 {"result_value": "resultaat"}, TITLE),
     "IBT <getraind>: 100% (resultaat), tegen een norm van 90%."),
    (lambda: charts.against_norm(pd.DataFrame({"label": ["Spoed"], "previous": [float("nan")], "current": [82.3],
                                               "reference": [82.0]}), {"previous": "2018", "current": "2019"}, TITLE),
     "Spoed: 82,3% (2019), tegen een norm van 82%."),
    (lambda: charts.met_per_region(pd.DataFrame({"district": ["Rotterdam-Zuid"], "gehaald": [8], "niet gehaald": [2]}), TITLE),
     "Rotterdam-Zuid haalde 8 van de 10 streefwaarden."),
])
def test_a_chart_of_one_category_is_a_sentence_in_its_place(draw, sentence, monkeypatch):
    drawn = draw()
    assert drawn == charts.Sentence(sentence)
    [(shown, options)] = _shown_outputs(drawn, monkeypatch)  # no chart, and no table of its numbers
    assert shown.data == f'<p class="chart-sentence">{html.escape(sentence, quote=False)}</p>' and not options


def test_two_marks_are_still_a_chart():
    two_years = pd.DataFrame({"label": ["Spoed"], "previous": [82.3], "current": [82.3], "reference": [82.0]})
    assert isinstance(charts.against_norm(two_years, {"previous": "2018", "current": "2019"}, TITLE), charts.Chart)
    one_indicator = pd.DataFrame({"label": ["Gewonde medewerkers"], "previous": [679.0], "current": [787.0], "unit": ["count"]})
    assert isinstance(charts.years_side_by_side(one_indicator, 2019, TITLE), charts.Chart)
    two_statuses = ONE_STATUS.assign(status=["onbekend"] * 8 + ["gerealiseerd"])
    assert isinstance(charts.status_per_group(two_statuses, "ambitie", STATUS_LABELS, TITLE), charts.Chart)


def test_small_counts_have_whole_ticks_each_once():
    """An axis up to 2 with ticks at 0,5 steps read '0, 0, 1, 2, 2' in Dutch whole numbers."""
    rows = pd.DataFrame({"label": ["Districten met beslag"], "previous": [2.0], "current": [2.0], "unit": ["count"]})
    chart = charts.years_side_by_side(rows, 2020, TITLE)
    FigureCanvasAgg(chart.figure).draw()
    labels = [t.get_text() for t in _shown(chart.figure.axes[0].yaxis)]
    assert labels == ["0", "1", "2"]


def test_panel_titles_keep_the_capitals_of_their_labels():
    """'Aantal verdachten OM cybercrime' is the panel 'Verdachten OM cybercrime', not 'Verdachten om cybercrime' ('om':
    about), and CSV's stay CSV's."""
    rows = pd.DataFrame({"label": ["Aantal verdachten OM cybercrime", "CSV's (aantal projectmatige onderzoeken)"],
                         "previous": [3.0, 14.0], "current": [10.0, 12.0], "unit": ["count"] * 2})
    titles = [ax.get_title().replace("\n", " ") for ax in charts.years_side_by_side(rows, 2019, TITLE).figure.axes]
    assert titles == ["Verdachten OM cybercrime", "CSV's (aantal projectmatige onderzoeken)"]
