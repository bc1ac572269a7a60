"""Dutch formats as the report prints them."""

import math

import pytest

from jaarverslag import formatting


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: formatting.number(95782), "95.782"),
        (lambda: formatting.number(1234567.891, 2), "1.234.567,89"),
        (lambda: formatting.percent(82.3), "82,3%"),
        (lambda: formatting.percent(-8.4545, signed=True), "-8,5%"),
        (lambda: formatting.percent(4.79, signed=True), "+4,8%"),
        (lambda: formatting.euro(14232000), "€\u00a014.232.000"),
        (lambda: formatting.value(5400, "count", "ruim"), "ruim 5.400"),
        (lambda: formatting.value(33000, "kilogram"), "33.000\u00a0kg"),
        (lambda: formatting.value(9.5, "fte"), "9,5\u00a0fte"),
        (lambda: formatting.value(500, "fte", "circa"), "circa 500\u00a0fte"),
        (lambda: formatting.value(2, "districts"), "2"),
        (lambda: formatting.value(70, "percentage"), "70%"),  # stated whole, shown whole (no false precision)
        (lambda: formatting.value(82.3, "percentage"), "82,3%"),
        (lambda: formatting.change(0.3, "percentage"), "+0,3 procentpunt"),
        (lambda: formatting.change(-8.4545, "count"), "-8,5%"),
        (lambda: formatting.value(math.nan, "count"), "–"),
    ],
)
def test_dutch_formats(call, expected):
    assert call() == expected
