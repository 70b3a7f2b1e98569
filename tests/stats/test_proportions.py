"""Wilson score interval: published values, an independent implementation, edge cases."""

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from gpqi.stats import wilson_interval


def test_reproduces_newcombe_1998_table_of_worked_examples():
    # Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
    # methods. Stat Med 1998;17:857-72, Table II, method 3 (score interval without continuity
    # correction), printed to 4 decimal places.
    published = {
        (81, 263): (0.2553, 0.3662),
        (15, 148): (0.0624, 0.1605),
        (0, 20): (0.0000, 0.1611),
        (1, 29): (0.0061, 0.1718),
    }
    for (x, n), (lo, hi) in published.items():
        lower, upper = wilson_interval(x, n)
        assert round(lower, 4) == lo and round(upper, 4) == hi, (x, n)


@pytest.mark.parametrize("x,n", [(0, 1), (1, 1), (3, 7), (50, 100), (999, 1000), (12345, 67890)])
def test_matches_scipy_wilson_interval(x, n):
    ci = binomtest(x, n).proportion_ci(confidence_level=0.95, method="wilson")
    lower, upper = wilson_interval(x, n)
    # scipy uses the exact normal quantile; our z is 1.959964 (DESIGN.md), so agree to 1e-6
    assert lower == pytest.approx(ci.low, abs=1e-6)
    assert upper == pytest.approx(ci.high, abs=1e-6)


def test_hand_formula_at_998():
    x, n, z = 7, 40, 3.090232
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lower, upper = wilson_interval(x, n, z=z)
    assert lower == pytest.approx(centre - half, rel=1e-12)
    assert upper == pytest.approx(centre + half, rel=1e-12)


def test_arrays_zero_denominators_and_extremes():
    lower, upper = wilson_interval([0, 5, 5, 0, np.nan], [10, 5, 10, 0, 10])
    assert lower[0] == 0.0 and upper[1] == 1.0
    assert 0 < lower[2] < 0.5 < upper[2] < 1
    assert np.isnan(lower[3]) and np.isnan(upper[3])  # n = 0: no interval
    assert np.isnan(lower[4]) and np.isnan(upper[4])  # missing numerator


def test_interval_narrows_as_the_denominator_grows():
    n = np.array([10, 100, 1000, 10000])
    lower, upper = wilson_interval(n * 0.3, n)
    assert np.all(np.diff(upper - lower) < 0)


@pytest.mark.parametrize(
    "num,den,message",
    [
        ([5, 11], [10, 10], "numerator is greater than denominator at position 1"),
        ([-1], [10], "numerators: negative count at position 0"),
    ],
)
def test_bad_counts_are_named_by_position_not_value(num, den, message):
    with pytest.raises(ValueError, match=message) as info:
        wilson_interval(num, den)
    assert "11" not in str(info.value)
