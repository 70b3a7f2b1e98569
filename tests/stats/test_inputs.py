"""The checks every statistic runs on its input (gpqi.stats._inputs): each bad argument is named
with the position of the first bad value, and nothing of the value itself (counts can be small
enough to identify patients)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gpqi.stats._inputs import as_float_array, check_counts


@pytest.mark.parametrize(
    ("numerators", "denominators", "message"),
    [
        ([1, -2], [3, 4], "numerators: negative count at position 1"),
        ([1, 2], [3, -4], "denominators: negative count at position 1"),
        ([np.inf, 2], [3, 4], "numerators: infinite value at position 0"),
        ([1, 2], [3, np.inf], "denominators: infinite value at position 1"),
        ([1, 5, 6], [3, 4, 7], "numerator is greater than denominator at position 1"),
    ],
)
def test_each_bad_count_is_named_with_its_position(numerators, denominators, message):
    with pytest.raises(ValueError) as caught:
        check_counts(np.array(numerators, dtype="float64"), np.array(denominators, dtype="float64"))
    assert str(caught.value) == message


def test_missing_counts_pass_the_checks():
    check_counts(np.array([np.nan, 1.0]), np.array([2.0, np.nan]))


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([1, None, 3], dtype="Int64"),
        pd.Series([1.0, None, 3.0], dtype="Float64"),
        pd.Series([1, None, 3], dtype=object),
        [1, None, 3],
    ],
)
def test_missing_values_become_nan(values):
    out = as_float_array(values, "numerators")
    assert out.dtype == np.float64
    assert out[0] == 1.0 and np.isnan(out[1]) and out[2] == 3.0


def test_what_is_not_a_sequence_of_numbers_is_named():
    with pytest.raises(ValueError, match=r"^numerators: expected numbers$"):
        as_float_array(["a"], "numerators")
    with pytest.raises(
        ValueError, match=r"^denominators: expected a one-dimensional sequence, got 2 dimensions$"
    ):
        as_float_array([[1, 2]], "denominators")
