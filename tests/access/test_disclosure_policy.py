"""The disclosure gate follows the workspace's own thresholds, not the defaults (mutants that
dropped the policy from `counts` or `Policy.of` survived every other test: docs/testing.md)."""

from __future__ import annotations

import numpy as np

from gpqi.access.disclosure import Policy, counts, list_size, rate, totals
from gpqi.workspace import init_workspace


def test_policy_of_a_workspace_reads_its_gpqi_toml(tmp_path):
    ws = init_workspace(tmp_path)
    text = ws.config_path.read_text()
    text = text.replace("redact_at_or_below = 7", "redact_at_or_below = 10").replace(
        "round_to = 5", "round_to = 3"
    )
    ws.config_path.write_text(text)
    text = text.replace("list_size_round_to = 100", "list_size_round_to = 50")
    ws.config_path.write_text(text)
    policy = Policy.of(init_workspace(tmp_path))
    assert (policy.redact_at_or_below, policy.round_to, policy.list_size_round_to) == (10, 3, 50)
    assert list_size(policy, 1330, own=False) == 1350 and list_size(Policy(), 1330, own=False) == 1300


def test_rate_of_a_practices_own_small_counts():
    """A practice's own counts are shown raw, so a denominator of 1 is a real rate."""
    assert rate([1, 0, 3], [1, 1, 0]).tolist()[:2] == [1.0, 0.0] and np.isnan(rate([3], [0])[0])


def test_counts_and_totals_use_the_given_thresholds():
    policy = Policy(redact_at_or_below=10, round_to=10, list_size_round_to=100)
    shown = counts(policy, [[9, 10, 11], [14, 15, 26]])
    assert shown.shape == (2, 3)
    assert np.isnan(shown[0, :2]).all() and shown[0, 2] == 10  # 9, 10 redacted; 11 shown as 10
    assert shown[1].tolist() == [10.0, 20.0, 30.0]
    # a viewer's own 3 plus others' 9: the others' part is redacted under this policy (not under 7)
    assert np.isnan(totals(policy, [3], [9], [True])[0])
    assert totals(Policy(), [3], [9], [True])[0] == 3 + 10
