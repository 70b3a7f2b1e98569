"""Opportunity to reach a target, and the network incentive."""

import numpy as np
import pytest

from gpqi.stats import network_incentive, opportunity


def test_opportunity_by_hand():
    assert opportunity(70, 100, 0.77) == 7  # 77 needed
    assert opportunity(77, 100, 0.77) == 0  # 0.77 x 100 is 77.00000000000001 in floating point
    assert opportunity(90, 100, 0.77) == 0  # never negative
    assert opportunity(10, 13, 0.9) == 2  # 11.7 -> 12 patients
    assert opportunity(0, 0, 0.5) == 0
    assert opportunity([70, 50], [100, 60], 0.77).tolist() == [7, 0]
    # lower is better (e.g. did-not-attend): how many fewer
    assert opportunity(30, 100, 0.2, higher_is_better=False) == 10


def test_network_incentive_pools_counts_not_rates():
    # network A: one big practice at 70% and one small at 100%; the average of rates (85%) would
    # beat an 80% target, the pooled proportion (74/104 = 71%) does not
    result = network_incentive([70, 4, 45, 40], [100, 4, 50, 50], ["A", "A", "B", "B"], target=0.8)
    a, b = result.set_index("network").loc["A"], result.set_index("network").loc["B"]
    assert a["proportion"] == pytest.approx(74 / 104) and not a["achieved"] and a["opportunity"] == 10
    assert b["proportion"] == pytest.approx(0.85) and b["achieved"] and b["opportunity"] == 0
    assert a["practices"] == 2


def test_network_incentive_edge_cases():
    result = network_incentive([0, 2, 3], [0, 2, 10], ["A", None, "B"], target=0.2)
    assert result["network"].tolist() == ["A", "B"]  # no network: left out
    assert np.isnan(result["proportion"].iloc[0]) and not result["achieved"].iloc[0]
    with pytest.raises(ValueError, match="differ in length"):
        network_incentive([1], [2], ["A", "B"], 0.5)
    with pytest.raises(ValueError, match="target"):
        network_incentive([1], [2], ["A"], 2)
