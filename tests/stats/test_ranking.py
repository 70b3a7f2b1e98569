"""Percentile ranks and deciles, against SciPy."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import mstats, rankdata

from gpqi.stats import deciles, percent_rank


def test_lowest_first_ties_to_the_lowest_rank():
    assert percent_rank([30, 10, 20, 20, 40]).tolist() == [75.0, 0.0, 25.0, 25.0, 100.0]


@given(st.lists(st.integers(0, 20), min_size=2, max_size=50))
def test_matches_scipy_min_rank(values):
    ranks = rankdata(values, method="min")
    expected = (ranks - 1) / (len(values) - 1) * 100
    np.testing.assert_allclose(percent_rank(values), expected)


def test_missing_values_and_series():
    ranks = percent_rank(pd.Series([5.0, np.nan, 1.0], index=["a", "b", "c"]))
    assert list(ranks.index) == ["a", "b", "c"]
    assert ranks["a"] == 100 and np.isnan(ranks["b"]) and ranks["c"] == 0
    assert percent_rank([7]).tolist() == [0.0]


@given(st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_deciles_match_scipy_type_7_quantiles(values):
    expected = mstats.mquantiles(values, prob=[i / 10 for i in range(1, 10)], alphap=1, betap=1)
    np.testing.assert_allclose(deciles(values).to_numpy(), expected, atol=1e-12)


def test_deciles_index_and_empty():
    d = deciles(range(0, 101))
    assert list(d.index) == [10, 20, 30, 40, 50, 60, 70, 80, 90]
    assert d[50] == pytest.approx(50)
    assert deciles([np.nan]).isna().all()
