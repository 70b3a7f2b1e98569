"""The disclosure gate (gpqi.access.disclosure), without Django: a practice's counts, totals over
several practices differenced by a viewer who knows their own part, list sizes."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gpqi.access import disclosure as gate

POLICY = gate.Policy()  # redact at or below 7, round to 5, list sizes to 100


def _safe(x: float) -> bool:
    return np.isnan(x) or (x % POLICY.round_to == 0 and x > POLICY.redact_at_or_below)


def test_pairs_redact_and_round():
    num, den = gate.pairs(POLICY, [0, 7, 8, 12, 13], [3, 8, 20, 100, 102])
    assert np.isnan(num[:2]).all() and num[2:].tolist() == [10, 10, 15]
    assert np.isnan(den[0]) and den[1:].tolist() == [10, 20, 100, 100]
    grid = gate.counts(POLICY, np.array([[3, 12], [8, 0]]))
    assert grid.shape == (2, 2) and grid[0, 1] == 10 and np.isnan(grid[1, 1])
    assert np.isnan(gate.rate(num, den)[:2]).all() and gate.rate([5], [0])[0] != gate.rate([5], [0])[0]


@given(
    own=st.lists(st.integers(0, 500), min_size=0, max_size=4),
    others=st.lists(st.integers(0, 40), min_size=1, max_size=5),
)
def test_total_minus_what_the_viewer_knows_is_disclosed(own, others):
    """Whatever the viewer's own practices hold, subtracting it from a shown total leaves a
    redacted figure or a rounded count above the threshold: never a small count."""
    shown = gate.totals(POLICY, [sum(own)], [sum(others)], [True])[0]
    if np.isnan(shown):
        assert np.isnan(gate.counts(POLICY, [sum(others)])[0])  # only when the others' part is redacted
        return
    assert _safe(shown - sum(own))


def test_totals_of_own_practices_only_are_raw_and_small_others_redact():
    assert gate.totals(POLICY, [123], [0], [False])[0] == 123
    assert np.isnan(gate.totals(POLICY, [123], [6], [True])[0])  # 6 others: would be 129 - 123
    assert gate.totals(POLICY, [123], [46], [True])[0] == 123 + 45


def test_list_sizes_exact_for_own_rounded_for_others():
    assert gate.list_size(POLICY, 1379, own=True) == 1379
    assert gate.list_size(POLICY, 1379, own=False) == 1400
    assert gate.list_size(POLICY, 1349, own=False) == 1300
    assert gate.list_size(POLICY, 30, own=False) is None
    assert gate.list_size(POLICY, None, own=False) is None
