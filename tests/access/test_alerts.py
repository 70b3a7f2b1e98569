"""Alert selection on worked series (gpqi.access.alerts): twelve practices, thirty months of one
indicator with exact, constant values, then designed changes:

- P01 jumps from the bottom (40%) to near the top (61%) in the last month: its percentile moves
  and its own chart has a point beyond its limits: CUSUM and SPC;
- P04, P05, P07 and P08 fall over the last six months, below P03, whose own value never moves:
  P03's percentile rises, so CUSUM alerts (an improvement) with no special cause on its chart;
- P12, already the highest, jumps again (62% to 95%): a special cause on its chart, but its
  percentile stays 100, so no CUSUM;
- P06 has 20 people in its denominator and doubles its rate: it must not alert (minimum 30), and
  it never counts in anyone's percentile.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gpqi.access import scope
from gpqi.access.alerts import AlertSettings, alerts_for, percentiles
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.results import ResultsStore
from gpqi.access.scope import Governance, PracticeInfo
from gpqi.engine.schema import RESULTS
from gpqi.workspace import init_workspace

BASE = {f"P{i:02d}": 0.40 + 0.02 * (i - 1) for i in range(1, 13)}
FALLERS = ("P04", "P05", "P07", "P08")
MONTHS = 30


def _month_end(k: int) -> dt.date:
    y, m = divmod(k, 12)
    first_next = dt.date(2023 + y + (m + 1) // 12, (m + 1) % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _value(code: str, m: int) -> float:
    v = BASE[code]
    if code in FALLERS and m >= 24:
        v -= 0.03 * (m - 23)
    if m == MONTHS - 1:
        v = {"P01": 0.61, "P12": 0.95, "P06": 1.0}.get(code, v)
    return v


@pytest.fixture(scope="module")
def worked(tmp_path_factory):  # noqa: ANN201
    ws = init_workspace(tmp_path_factory.mktemp("alerts-ws"))
    rows = []
    for m in range(MONTHS):
        for code in BASE:
            den = 20 if code == "P06" else 400
            num = round(_value(code, m) * den)
            rows.append(("x", "v1", _month_end(m), "practice", code, num, den, 0, num / den))
    cols = list(zip(*rows, strict=True))
    table = pa.Table.from_arrays(
        [pa.array(c, type=f.type) for c, f in zip(cols, RESULTS, strict=True)], schema=RESULTS
    )
    ws.results_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, ws.results_path)
    practices = {c: PracticeInfo(c, f"Surgery {c}", f"Practice {c[-2:]}", "N1") for c in BASE}
    gov = Governance(practices, frozenset(BASE), frozenset(), frozenset(BASE))
    meta = IndicatorMeta("x", "Worked indicator", "d", "clinical", "patient", True, None, "", "", "")
    return ws, ResultsStore(ws), gov, {"x": meta}


def test_cusum_special_cause_and_small_denominator(worked):
    ws, store, gov, cat = worked
    access = scope.central(gov)
    improvements, deteriorations = alerts_for(ws, store, access, cat, _month_end(MONTHS - 1), AlertSettings())
    by = {a.practice_code: a for a in improvements + deteriorations}
    assert by["P01"].improvement and by["P01"].cusum and by["P01"].spc == "outside_limits"
    assert by["P03"].improvement and by["P03"].cusum and by["P03"].spc is None
    assert by["P12"].improvement and not by["P12"].cusum and by["P12"].spc == "outside_limits"
    assert "P06" not in by  # 20 in the denominator: never alerts
    assert {"P04", "P05", "P07", "P08"} <= {a.practice_code for a in deteriorations}
    assert all(not a.improvement for a in deteriorations)
    # ranked by the size of the percentile move, largest first
    assert [a.shift for a in improvements] == sorted((a.shift for a in improvements), reverse=True)
    assert improvements[0].practice_code == "P01" and by["P01"].percentile == 90.0
    assert by["P01"].value == pytest.approx(0.61) and by["P01"].previous == pytest.approx(0.40)


def test_small_practice_is_left_out_of_percentiles_and_threshold_is_configurable(worked):
    ws, store, gov, cat = worked
    access = scope.central(gov)
    pct = percentiles(ws, store, access, "x", 30)
    assert pct["P06"].isna().all()
    assert pct.loc[_month_end(0), "P01"] == 0.0 and pct.loc[_month_end(0), "P12"] == 100.0
    # with a minimum of 10 the small practice's doubling does alert
    improvements, _ = alerts_for(
        ws, store, access, cat, _month_end(MONTHS - 1), AlertSettings(min_denominator=10)
    )
    assert "P06" in {a.practice_code for a in improvements}


def test_a_month_before_any_change_has_no_alerts_and_only_own_practices_alert(worked):
    ws, store, gov, cat = worked
    improvements, deteriorations = alerts_for(
        ws, store, scope.central(gov), cat, _month_end(20), AlertSettings()
    )
    assert improvements == [] and deteriorations == []
    clinician = scope.scope_for(gov, scope.CLINICIAN, practice="P03")
    improvements, deteriorations = alerts_for(
        ws, store, clinician, cat, _month_end(MONTHS - 1), AlertSettings()
    )
    assert {a.practice_code for a in improvements + deteriorations} == {"P03"}
