"""Dutch (nl_NL) formatting of report figures, all through babel.

One place decides how a number, percentage, amount or change reads in the report:
95.782; 82,3%; € 14.232.000; 9,5 fte; -8,5%; +0,3 procentpunt.
"""

from __future__ import annotations

import functools
import html
import math

import pyphen
from babel.numbers import format_currency, format_decimal, format_percent

LOCALE = "nl_NL"
MISSING = "–"


def _pattern(decimals: int, signed: bool = False, suffix: str = "") -> str:
    body = "#,##0" + ("." + "0" * decimals if decimals else "") + suffix
    return f"+{body};-{body}" if signed else body


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def number(x: float | None, decimals: int = 0, signed: bool = False) -> str:
    """95782 -> '95.782'."""
    return MISSING if _missing(x) else format_decimal(x, format=_pattern(decimals, signed), locale=LOCALE)


def percent(x: float | None, decimals: int | None = None, signed: bool = False) -> str:
    """A value on the 0-100 scale: 82.3 -> '82,3%', 36 -> '36%'.

    Without decimals, a figure keeps the precision it has (at most one decimal): a
    whole percentage stated as '36%' does not become '36,0%'.
    """
    if _missing(x):
        return MISSING
    if decimals is None:
        decimals = 0 if round(float(x), 1).is_integer() else 1
    return format_percent(x / 100, format=_pattern(decimals, signed, "%"), locale=LOCALE)


NBSP = "\u00a0"  # between an amount and its sign or unit: a line never breaks inside an amount


def euro(x: float | None) -> str:
    """14232000 -> '€ 14.232.000' (whole euros, as the report states amounts; a no-break space after €)."""
    if _missing(x):
        return MISSING
    return format_currency(x, "EUR", format="¤ #,##0", currency_digits=False, locale=LOCALE).replace(" ", NBSP)


def fte(x: float | None) -> str:
    """Staff capacity: 9.5 -> '9,5 fte', 500 -> '500 fte'."""
    if _missing(x):
        return MISSING
    return number(x, 0 if float(x).is_integer() else 1) + NBSP + "fte"


def value(x: float | None, unit: str, qualifier: str | None = None) -> str:
    """A figure in its unit, with its qualifier ('ruim 5.400')."""
    text = {
        "count": number,
        "districts": number,
        "percentage": percent,
        "euro": euro,
        "kilogram": lambda v: MISSING if _missing(v) else number(v) + NBSP + "kg",
        "fte": fte,
    }[unit](x)
    return f"{qualifier} {text}" if qualifier and text != MISSING else text


def change(x: float | None, unit: str) -> str:
    """A realisation or change: relative for counts and amounts, percentage points for percentages."""
    if _missing(x):
        return MISSING
    if unit == "percentage":
        return number(x, 1, signed=True) + " procentpunt"
    return percent(x, 1, signed=True)


def target(kind: object, reference: float | None, unit: str, year: int) -> str:
    """A target as the report states it: '≤ 2018' (not above the previous year), '≥ 82,0%', '≤ 6,7%'."""
    if not isinstance(kind, str):
        return "geen streefwaarde"
    if kind == "not_above_previous_year":
        return f"≤ {year - 1}"
    return ("≥ " if kind == "at_least" else "≤ ") + value(reference, unit)


def initial_capital(text: str) -> str:
    """text starting with a capital, the rest as written: str.capitalize() would print 'OM' as 'om', 'CSV's' as 'Csv's'."""
    return text[:1].upper() + text[1:]


def literal(text: object) -> str:
    """Text from data as it must appear in Markdown or HTML: its <, > and & escaped, so a label or
    a region's name can never become markup (or script) on a published page."""
    return html.escape(str(text), quote=False)


@functools.cache
def hyphenation() -> pyphen.Pyphen:
    """Dutch hyphenation (pyphen's nl_NL dictionary), loaded once: where long words in tables and
    chart labels may break."""
    return pyphen.Pyphen(lang="nl_NL")
