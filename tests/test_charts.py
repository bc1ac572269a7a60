"""Every chart type, with short and extra-long labels: nothing clipped, no tick labels on top of each
other, a plotting area that keeps its width, and the width of the printed page."""

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

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
