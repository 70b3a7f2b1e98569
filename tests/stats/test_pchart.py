"""p-charts and Laney p' charts, worked by hand."""

import math

import numpy as np
import pytest

from gpqi.stats import p_chart


def test_p_chart_by_hand():
    x, n = [12, 15, 8, 30], [100, 120, 80, 150]
    centre = 65 / 450
    result = p_chart(x, n)
    assert result.centre == pytest.approx(centre) and result.sigma_z == 1
    for i, ni in enumerate(n):
        sigma = math.sqrt(centre * (1 - centre) / ni)
        row = result.table.iloc[i]
        assert row["upper_3s"] == pytest.approx(centre + 3 * sigma)
        assert row["lower_2s"] == pytest.approx(centre - 2 * sigma)
    # 30/150 = 0.2 is inside 3 sigma (upper 0.231) and inside 2 sigma (0.202)
    assert result.table["beyond_3s"].tolist() == [None] * 4


def test_laney_sigma_z_by_hand():
    x, n = [500, 540, 470, 610, 520], [1000, 1000, 1000, 1000, 1000]
    centre = 2640 / 5000
    sigma = math.sqrt(centre * (1 - centre) / 1000)
    z = [(xi / 1000 - centre) / sigma for xi in x]
    sigma_z = sum(abs(z[i] - z[i - 1]) for i in range(1, 5)) / 4 / 1.128
    result = p_chart(x, n, laney=True)
    assert result.sigma_z == pytest.approx(sigma_z)
    assert result.table["upper_3s"].iloc[0] == pytest.approx(centre + 3 * sigma * sigma_z)
    # the plain p-chart calls the 610 a special cause; Laney's wider limits (sigma_z > 1) do not
    assert sigma_z > 1
    assert p_chart(x, n).table["beyond_3s"].iloc[3] == "high"
    assert result.table["beyond_3s"].iloc[3] is None


def test_empty_denominators_are_skipped_and_break_moving_ranges():
    x, n = [5, 0, 7, 9, 6], [50, 0, 70, 60, 50]
    centre = 27 / 230
    z = {i: (x[i] / n[i] - centre) / math.sqrt(centre * (1 - centre) / n[i]) for i in (0, 2, 3, 4)}
    sigma_z = (abs(z[3] - z[2]) + abs(z[4] - z[3])) / 2 / 1.128  # 0-2 straddles the gap: not a moving range
    result = p_chart(x, n, laney=True)
    t = result.table
    assert result.centre == pytest.approx(centre)
    assert result.sigma_z == pytest.approx(sigma_z)
    assert np.isnan(t["proportion"].iloc[1]) and np.isnan(t["upper_3s"].iloc[1])
    assert t["beyond_3s"].iloc[1] is None
    # two points either side of a gap give no moving range at all: no Laney limits
    assert np.isnan(p_chart([5, 0, 7], [50, 0, 70], laney=True).sigma_z)
