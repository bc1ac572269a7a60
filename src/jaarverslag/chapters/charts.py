"""Charts: one seaborn style for every chapter, figures shown as SVG with alt text.

Figures are drawn on matplotlib Figure objects (not pyplot) so nothing is shown twice,
and are displayed as SVG, so they stay sharp in print and when zoomed on a phone, and their
labels stay text (selectable, found by search in the PDF). Their alt text is both text/plain
(what nbval compares and screen readers of plain outputs get) and image metadata (what the
HTML uses). The SVG is the same bytes on every run and in every kernel (no date, fixed ids),
because nbval and the warm-kernel test compare outputs exactly.
Every figure is as wide as the printed page's text, so it prints at its own size;
long labels and titles are wrapped, and the legend sits below the plot, so neither
squeezes the plotting area. A chart of one category (one bar, one dot) would show nothing
a sentence does not: the chart functions then return a Sentence instead, shown as text.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from urllib.parse import quote

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import HTML, display
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from .. import formatting
from ..inputs.catalog import STATUSES

PALETTE = sns.color_palette("colorblind")
PAGE_WIDTH = 182 / 25.4  # inches: A4 less the print margins (see the report template's @page)
LABEL_WIDTH = 36  # characters per line of a category label
TITLE_WIDTH = 70  # characters per line of a title
CSS_PX = 96  # CSS pixels per inch: the size the report gives a chart's <img>
# DejaVu Sans is what matplotlib measures the labels with (it ships it) and what Debian's fonts-dejavu gives
# Chromium to embed in the PDF; a reader without it gets Bitstream Vera (the same shapes) or a narrower sans-serif.
FONTS = ["DejaVu Sans", "Bitstream Vera Sans"]
_THEME = {"style": "whitegrid", "context": "notebook", "font_scale": 0.95, "rc": {"font.sans-serif": FONTS}}
# Text stays text; ids are hashed with a fixed salt instead of a random one, so the same chart is the same bytes.
SVG_RC = {"svg.fonttype": "none", "svg.hashsalt": "jaarverslag", "svg.id": None, "font.sans-serif": FONTS}
SVG_METADATA = {"Date": None, "Creator": None}  # no render time, no matplotlib version: outputs change only with the chart


def apply_style() -> None:
    """The single visual style of the report (colour-blind safe palette, DejaVu Sans)."""
    sns.set_theme(palette=PALETTE, **_THEME)


@dataclass(frozen=True)
class Chart:
    """A drawn chart, its alt text, and the numbers it draws (one row per mark, in plain numbers)."""

    figure: Figure
    alt: str
    data: pd.DataFrame
    title: str


@dataclass(frozen=True)
class Sentence:
    """What a chart of one category says, in one Dutch sentence (plain text; escaped when shown)."""

    text: str


def svg(figure: Figure) -> str:
    """The figure as SVG: text as text in DejaVu Sans, and the same bytes for the same chart in any kernel."""
    buffer = io.BytesIO()
    with mpl.rc_context(SVG_RC):
        figure.savefig(buffer, format="svg", metadata=SVG_METADATA)
    return buffer.getvalue().decode("utf-8")


def show(chart: Chart | Sentence) -> None:
    """Display a chart as SVG with alt text and size, and under it its numbers: a table and a CSV download.

    The numbers sit in a closed <details> element, so screen-reader and keyboard users can
    open them and print leaves them out. A Sentence is shown as a paragraph where the chart
    would be, without numbers: it states them.
    """
    if isinstance(chart, Sentence):
        display(HTML(f'<p class="chart-sentence">{formatting.literal(chart.text)}</p>'))
        return
    width, height = (round(float(inches) * CSS_PX) for inches in chart.figure.get_size_inches())
    display(
        {"image/svg+xml": svg(chart.figure), "text/plain": chart.alt}, raw=True,
        metadata={"image/svg+xml": {"alt": chart.alt, "width": width, "height": height}},
    )
    display(HTML(data_table(chart)))


def data_table(chart: Chart) -> str:
    """The chart's numbers as an HTML table (Dutch formats) and a CSV link (plain numbers)."""
    shown = chart.data.copy()
    for column in shown.columns:
        if pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = [formatting.number(v, 0 if float(v).is_integer() else 1) for v in shown[column]]
    csv = chart.data.to_csv(index=False, float_format="%.10g")
    name = re.sub(r"[^a-z0-9]+", "-", chart.title.lower()).strip("-")[:80] or "grafiek"
    return (
        f'<details class="chart-data"><summary>Cijfers bij de grafiek ‘{formatting.literal(chart.title)}’</summary>'
        + shown.to_html(index=False, border=0, classes="chart-data-table")
        + f'<p><a download="{name}.csv" href="data:text/csv;charset=utf-8,{quote(csv)}">Download deze cijfers als CSV</a>'
        + "</p></details>"
    )


def _dutch_axis(axis: Axis) -> None:
    axis.set_major_formatter(FuncFormatter(lambda x, _: formatting.number(x)))


def _wrap(text: str, width: int) -> str:
    """text in lines of at most width characters; a longer word is hyphenated by Dutch rules."""
    words = []
    for word in text.split():
        while len(word) > width and (parts := formatting.hyphenation().wrap(word, width)):
            words.append(parts[0])
            word = parts[1]
        words.append(word)
    return textwrap.fill(" ".join(words), width, break_long_words=False, break_on_hyphens=False)


def years_side_by_side(rows: pd.DataFrame, year: int, title: str) -> Chart:
    """Previous and current year per indicator, one small panel each (scales differ).

    Always a chart: even one indicator has two bars, and comparing them is what the chart is for.
    """
    apply_style()
    titles = [_wrap(formatting.initial_capital(label.removeprefix("Aantal ")), 60 // len(rows)) for label in rows["label"]]
    lines = max(t.count("\n") + 1 for t in titles)  # a panel title of many lines gets room, not a collapsed plot
    fig = Figure(figsize=(PAGE_WIDTH, 3.4 + 0.2 * max(0, lines - 2)), layout="constrained")
    axes = fig.subplots(1, len(rows), squeeze=False)[0]
    for ax, row, panel in zip(axes, rows.itertuples(), titles):
        long = pd.DataFrame({"jaar": [str(year - 1), str(year)], "waarde": [row.previous, row.current]})
        sns.barplot(long, x="jaar", y="waarde", hue="jaar", palette=PALETTE[:2], legend=False, ax=ax)
        ax.set(xlabel="", ylabel="")
        ax.set_title(panel, fontsize="medium")
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))  # the axis shows whole numbers
        _dutch_axis(ax.yaxis)
    fig.suptitle(_wrap(title, TITLE_WIDTH))
    parts = [
        f"{row.label}: {formatting.value(row.previous, row.unit)} in {year - 1} en {formatting.value(row.current, row.unit)} in {year}"
        for row in rows.itertuples()
    ]
    data = pd.DataFrame(
        [(row.label, str(y), v) for row in rows.itertuples() for y, v in ((year - 1, row.previous), (year, row.current))],
        columns=["indicator", "jaar", "waarde"],
    )
    return Chart(fig, f"Staafdiagram '{title}'. " + "; ".join(parts) + ".", data, title)


def against_norm(rows: pd.DataFrame, points: dict[str, str], title: str) -> Chart | Sentence:
    """Percentages as dots (one series per column in points), the norm as a vertical mark.

    rows needs `label`, `reference` (the norm) and the columns named in points, whose
    values are the legend labels (e.g. {"previous": "2018", "current": "2019"}). A single
    dot is one figure and its norm: a Sentence says it.
    """
    drawn = [(row, column) for row in rows.itertuples() for column in points if not pd.isna(getattr(row, column))]
    if len(drawn) == 1:
        row, column = drawn[0]
        return Sentence(f"{row.label}: {formatting.percent(getattr(row, column))} ({points[column]}), "
                        f"tegen een norm van {formatting.percent(row.reference)}.")
    apply_style()
    labels = [_wrap(label, LABEL_WIDTH) for label in rows["label"]]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = Figure(figsize=(PAGE_WIDTH, 1.6 + 0.22 * lines + 0.25 * len(rows)), layout="constrained")
    ax = fig.subplots()
    plotted = rows.assign(label=labels)
    long = plotted.melt(id_vars="label", value_vars=list(points), var_name="reeks", value_name="waarde").dropna()
    long["reeks"] = long["reeks"].map(points)
    markers = ["o", "D", "s"][: len(points)]
    sns.scatterplot(
        long, x="waarde", y="label", hue="reeks", style="reeks", hue_order=list(points.values()),
        style_order=list(points.values()), markers=markers, palette=PALETTE[: len(points)], s=120, ax=ax,
    )
    ax.scatter(plotted["reference"], plotted["label"], marker="|", s=500, linewidths=2.5, color="#222222", label="norm",
               zorder=3)
    ax.set(xlabel="", ylabel="")
    fig.suptitle(_wrap(title, TITLE_WIDTH))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    # a percentage axis ends at 100%, whatever room the margins leave for the markers
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: formatting.percent(x, 0) if 0 <= x <= 100 else ""))
    ax.margins(x=0.1, y=0.2)
    handles, names = ax.get_legend_handles_labels()
    ax.get_legend().remove()
    fig.legend(handles, names, loc="outside lower center", ncol=len(names), frameon=False)
    parts = [
        row.label + ": " + ", ".join(
            f"{formatting.percent(getattr(row, column))} ({legend})" for column, legend in points.items()
            if not pd.isna(getattr(row, column))
        ) + f", norm {formatting.percent(row.reference)}"
        for row in rows.itertuples()
    ]
    data = pd.DataFrame(
        [(row.label, legend, getattr(row, column), row.reference) for row in rows.itertuples()
         for column, legend in points.items() if not pd.isna(getattr(row, column))],
        columns=["onderwerp", "reeks", "waarde (%)", "norm (%)"],
    )
    return Chart(fig, f"Puntdiagram '{title}'. " + "; ".join(parts) + ".", data, title)


STATUS_COLOURS = dict(zip(STATUSES, (PALETTE[2], PALETTE[1], PALETTE[3], PALETTE[7], PALETTE[4]), strict=True))


def status_per_group(goals: pd.DataFrame, by: str, labels: dict[str, str], title: str) -> Chart | Sentence:
    """Number of goals per status for each ambition (or theme), as grouped bars.

    The chart is about the statuses: when every goal has the same one, bars of one colour tell
    nothing a Sentence does not (with the number per group when there are several groups).
    """
    groups = list(dict.fromkeys(goals[by]))
    present = [s for s in STATUS_COLOURS if (goals["status"] == s).any()]
    if len(present) == 1:
        return _one_status(goals, by, groups, labels[present[0]].lower())
    apply_style()
    fig = Figure(figsize=(PAGE_WIDTH, 1.8 + 0.28 * len(groups) * len(present)), layout="constrained")
    ax = fig.subplots()
    sns.countplot(
        goals, y=by, hue="status", order=groups, hue_order=present,
        palette=[STATUS_COLOURS[s] for s in present], ax=ax,
    )
    ax.set(xlabel="aantal doelen", ylabel="")
    fig.suptitle(_wrap(title, TITLE_WIDTH))
    ax.set_yticks(range(len(groups)), [_wrap(g, LABEL_WIDTH) for g in groups])
    ax.xaxis.get_major_locator().set_params(integer=True)
    handles, _ = ax.get_legend_handles_labels()
    ax.get_legend().remove()
    fig.legend(handles, [labels[s] for s in present], loc="outside lower center", ncol=min(len(present), 3), frameon=False)
    counts = goals.groupby(by, sort=False)["status"].value_counts()
    parts = [
        f"{group}: " + ", ".join(f"{counts[group][s]} {labels[s].lower()}" for s in present if s in counts[group])
        for group in groups
    ]
    data = pd.DataFrame([(group, labels[s], int(counts[group].get(s, 0))) for group in groups for s in present],
                        columns=["groep", "status", "aantal doelen"])
    return Chart(fig, f"Staafdiagram '{title}'. " + "; ".join(parts) + ".", data, title)


def _one_status(goals: pd.DataFrame, by: str, groups: list[str], status: str) -> Sentence:
    if len(goals) == 1:
        return Sentence(f"Van het enige doel is de status {status}.")
    text = f"Van alle {formatting.number(len(goals))} doelen is de status {status}"
    if len(groups) > 1:
        counts = goals[by].value_counts()
        text += f"; per {by}: " + ", ".join(f"{group} {formatting.number(counts[group])}" for group in groups)
    return Sentence(text + ".")


def met_per_region(counts: pd.DataFrame, title: str) -> Chart | Sentence:
    """Per region the number of streefwaarden met and missed, as stacked horizontal bars.

    counts has a `district` column and the counts in `gehaald` and `niet gehaald`. One
    region is one bar: a Sentence says it.
    """
    if len(counts) == 1:
        district, met, missed = counts.iloc[0][["district", "gehaald", "niet gehaald"]]
        if met + missed == 1:
            return Sentence(f"{district} haalde de enige streefwaarde{'' if met else ' niet'}.")
        return Sentence(f"{district} haalde {formatting.number(met)} van de {formatting.number(met + missed)} streefwaarden.")
    apply_style()
    fig = Figure(figsize=(PAGE_WIDTH, 1.6 + 0.35 * len(counts)), layout="constrained")
    ax = fig.subplots()
    left = np.zeros(len(counts))
    for column, status in (("gehaald", "gerealiseerd"), ("niet gehaald", "niet")):
        ax.barh(counts["district"], counts[column], left=left, color=STATUS_COLOURS[status], label=column)
        left += counts[column].to_numpy()
    ax.invert_yaxis()
    ax.set(xlabel="aantal streefwaarden", ylabel="")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(_wrap(title, TITLE_WIDTH))
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=2, frameon=False)
    parts = [f"{d}: {m} gehaald, {n} niet gehaald" for d, m, n in zip(counts["district"], counts["gehaald"], counts["niet gehaald"])]
    data = counts.melt(id_vars="district", var_name="uitkomst", value_name="aantal streefwaarden")
    return Chart(fig, f"Gestapeld staafdiagram '{title}'. " + "; ".join(parts) + ".", data, title)
