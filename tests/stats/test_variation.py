"""Variation between practices, against independent calculations."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpqi.stats import compare_variation, variation


def test_unweighted_matches_pandas():
    rates = pd.Series([0.62, 0.71, 0.55, 0.80, 0.67, np.nan, 0.74])
    v = variation(rates)
    present = rates.dropna()
    assert v["n"] == 6 and v["weighted"] is False
    assert v["median"] == pytest.approx(present.median())
    assert v["q1"] == pytest.approx(present.quantile(0.25))  # pandas default: linear, R type 7
    assert v["iqr"] == pytest.approx(present.quantile(0.75) - present.quantile(0.25))
    assert v["sd"] == pytest.approx(present.std())  # sample SD, n - 1
    assert v["cv"] == pytest.approx(present.std() / present.mean())
    assert (v["min"], v["max"]) == (0.55, 0.80)


@given(
    data=st.lists(st.tuples(st.integers(0, 100), st.integers(1, 30)), min_size=1, max_size=25),
)
def test_weighted_equals_the_patient_level_distribution(data):
    rates = np.array([r / 100 for r, _ in data])
    sizes = np.array([w for _, w in data])
    patients = np.repeat(rates, sizes)  # one entry per registered patient
    v = variation(rates, weights=sizes)
    assert v["median"] == pytest.approx(np.quantile(patients, 0.5, method="inverted_cdf"))
    assert v["q3"] == pytest.approx(np.quantile(patients, 0.75, method="inverted_cdf"))
    assert v["mean"] == pytest.approx(patients.mean())
    assert v["sd"] == pytest.approx(patients.std(), abs=1e-12)


def test_zero_weights_and_missing_rates_are_left_out():
    v = variation([0.1, 0.9, np.nan, 0.5], weights=[1, 0, 5, 1])
    assert v["n"] == 2 and v["max"] == 0.5
    with pytest.raises(ValueError, match="weights: .* position 1"):
        variation([0.1, 0.2], weights=[1, -1])


def test_no_rates():
    v = variation([np.nan])
    assert v["n"] == 0 and np.isnan(v["median"]) and np.isnan(v["sd"])
    assert variation([0.5])["sd"] == 0.0


def test_compare_variation_before_and_after():
    # the CEG pulse-check story: practices drew together as they improved
    before = [0.20, 0.36, 0.45, 0.30, 0.52]
    after = [0.85, 0.90, 0.93, 0.88, 0.91]
    diff = compare_variation(variation(before), after)
    assert diff["median"]["before"] == pytest.approx(0.36) and diff["median"]["after"] == pytest.approx(0.90)
    assert diff["median"]["change"] == pytest.approx(0.54)
    assert diff["sd"]["change"] < 0 and diff["cv"]["change"] < 0 and diff["iqr"]["change"] < 0
