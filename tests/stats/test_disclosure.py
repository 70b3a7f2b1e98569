"""Disclosure control: the rule, the table helper, and the property that nothing at or below the
threshold is ever shown."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gpqi.stats import disclose, disclose_table


def test_redact_seven_or_fewer_round_the_rest_to_five():
    counts = [0, 1, 7, 8, 12, 13, 17, 18, 102, 1000]
    expected = [np.nan, np.nan, np.nan, 10, 10, 15, 15, 20, 100, 1000]
    np.testing.assert_array_equal(disclose(counts), expected)
    assert np.isnan(disclose(np.nan)) and disclose(13) == 15


def test_halves_round_up_and_zero_rounding_is_redacted():
    assert disclose([15, 25, 35], redact_at_or_below=7, round_to=10).tolist() == [20, 30, 40]
    # with a low threshold, a 2 would round to 0: a published 0 must not stand for a real count
    assert np.isnan(disclose(2, redact_at_or_below=1, round_to=5))
    assert disclose(3, redact_at_or_below=1, round_to=5) == 5


def test_thresholds_come_from_configuration():
    assert disclose(9) == 10 and np.isnan(disclose(9, redact_at_or_below=10))
    assert disclose(11, redact_at_or_below=10, round_to=1) == 11
    with pytest.raises(ValueError, match="round_to"):
        disclose([1], round_to=0)
    with pytest.raises(ValueError, match="counts: negative count at position 1"):
        disclose([4, -4])


@given(
    counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=50),
    threshold=st.integers(0, 20),
    round_to=st.integers(1, 10),
)
def test_never_reveals_a_count_at_or_below_the_threshold(counts, threshold, round_to):
    shown = disclose(counts, redact_at_or_below=threshold, round_to=round_to)
    for count, value in zip(counts, shown, strict=True):
        if count <= threshold:
            assert np.isnan(value)
        if not np.isnan(value):
            assert value > 0 and value % round_to == 0 and abs(value - count) <= round_to / 2


@given(
    rows=st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500)), min_size=1, max_size=30),
)
def test_table_redacts_the_rate_with_the_numerator(rows):
    table = pd.DataFrame([(min(a, b), max(a, b)) for a, b in rows], columns=["numerator", "denominator"])
    out = disclose_table(table)
    for raw, safe in zip(table.itertuples(), out.itertuples(), strict=True):
        if raw.numerator <= 7:
            assert np.isnan(safe.numerator) and np.isnan(safe.value) and safe.redacted
        if raw.denominator > 7:
            assert not np.isnan(safe.denominator)  # the denominator alone reveals no numerator
        if not np.isnan(safe.value):
            assert safe.value == safe.numerator / safe.denominator  # recomputed from rounded counts
            assert safe.value <= 1


def test_table_example_and_errors():
    table = pd.DataFrame({"numerator": [3, 77, 8], "denominator": [40, 100, 9], "value": [0.075, 0.77, 0.89]})
    out = disclose_table(table)
    assert out["numerator"].tolist()[1:] == [75, 10] and np.isnan(out["numerator"].iloc[0])
    assert out["denominator"].tolist() == [40, 100, 10]
    assert np.isnan(out["value"].iloc[0]) and out["value"].iloc[1] == 0.75 and out["value"].iloc[2] == 1.0
    assert table["numerator"].tolist() == [3, 77, 8]  # the input is untouched
    with pytest.raises(ValueError, match="numerator is greater than denominator at row 0"):
        disclose_table(pd.DataFrame({"numerator": [9], "denominator": [8]}))
    with pytest.raises(ValueError, match="no column 'numerator'"):
        disclose_table(pd.DataFrame({"n": [9]}))


def test_table_with_missing_counts_and_its_own_thresholds():
    """Killed mutants (docs/testing.md): the thresholds are passed through, nullable integer
    columns with missing values read as missing, and a missing denominator withholds the rate
    even when the numerator is shown."""
    table = pd.DataFrame(
        {
            "numerator": pd.array([12, 50, pd.NA, 16], dtype="Int64"),
            "denominator": pd.array([30, pd.NA, 40, 44], dtype="Int64"),
        }
    )
    out = disclose_table(table, redact_at_or_below=12, round_to=10)
    assert np.isnan(out["numerator"].iloc[0]) and out["denominator"].iloc[0] == 30  # 12 <= 12: redacted
    assert out["numerator"].iloc[1] == 50 and np.isnan(out["denominator"].iloc[1])
    assert np.isnan(out["value"].iloc[1])  # no denominator shown: no rate
    assert np.isnan(out["numerator"].iloc[2]) and out["denominator"].iloc[2] == 40
    assert (out["numerator"].iloc[3], out["denominator"].iloc[3]) == (20, 40)  # rounded to tens
    assert out["value"].iloc[3] == 0.5 and out["redacted"].tolist() == [True, False, True, False]


def test_a_policy_that_rounds_to_one_and_redacts_only_zero():
    """Killed mutants (docs/testing.md): with `round_to = 1` and `redact_at_or_below = 0` every
    non-zero count is shown as it is (a count of 1 rounds to 1, not to "a published 0"), a rate
    of 1/1 is shown, and both ends of the policy are allowed."""
    shown = disclose([0, 1, 2, 3], redact_at_or_below=0, round_to=1)
    assert np.isnan(shown[0]) and shown[1:].tolist() == [1, 2, 3]
    out = disclose_table(
        pd.DataFrame({"numerator": [1, 0], "denominator": [1, 1]}), redact_at_or_below=0, round_to=1
    )
    assert out["numerator"].tolist()[0] == 1 and out["denominator"].tolist() == [1, 1]
    assert out["value"].iloc[0] == 1.0 and np.isnan(out["value"].iloc[1])
    assert out["redacted"].tolist() == [False, True]
    # a scalar in, a float out (not an array of one)
    assert isinstance(disclose(13), float) and isinstance(disclose(np.nan), float)
    assert isinstance(disclose([13]), np.ndarray)


def error(call) -> str:
    with pytest.raises(ValueError) as caught:
        call()
    return str(caught.value)


def test_error_messages_in_full():
    """The messages name the argument and the position, never a value (asserted exactly: mutation
    testing found them only matched in part)."""
    policy = "redact_at_or_below: must be a non-negative number"
    assert error(lambda: disclose([1], redact_at_or_below=-1)) == policy
    assert error(lambda: disclose([1], redact_at_or_below=np.nan)) == policy
    assert error(lambda: disclose([1], redact_at_or_below=np.inf)) == policy
    assert error(lambda: disclose([1], round_to=0.5)) == "round_to: must be at least 1"
    assert error(lambda: disclose([1], round_to=np.inf)) == "round_to: must be at least 1"
    assert error(lambda: disclose([1], round_to=np.nan)) == "round_to: must be at least 1"
    assert error(lambda: disclose(["a"])) == "counts: expected numbers"
    assert (
        error(lambda: disclose([[1, 2]])) == "counts: expected a one-dimensional sequence, got 2 dimensions"
    )
    assert error(lambda: disclose([4, 5, -1])) == "counts: negative count at position 2"
    table = pd.DataFrame({"numerator": [1, 9], "denominator": [2, 8]})
    assert error(lambda: disclose_table(table)) == "table: numerator is greater than denominator at row 1"
    assert error(lambda: disclose_table(table, denominator="d")) == "table: no column 'd'"
    assert error(lambda: disclose_table(table, numerator="n")) == "table: no column 'n'"
