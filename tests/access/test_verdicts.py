"""Verdicts are computed once on raw counts and are the same for every viewer (gpqi.access,
without Django): funnel flags, ranks, a group's SPC verdict, a campaign's behind and rank; peer
statistics come from disclosed figures for everyone but the central team."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow.parquet as pq
import pytest

from gpqi import stats
from gpqi.access import figures, scope
from gpqi.access.campaigns import CampaignSpec, progress_for
from gpqi.access.focus import Focus
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.results import ResultsStore
from gpqi.access.scope import Governance, PracticeInfo
from gpqi.engine.dates import parse_dates
from gpqi.programmes.results_only import (
    IndicatorSpec,
    ResultsOnlyConfig,
    write_results_only,
    write_weekly_series,
)

META = IndicatorMeta("flu-65", "Flu 65+", "immunisation", "clinical", "patient", True, 0.75, "", "", "")


@pytest.fixture(scope="module")
def world(tmp_path_factory):  # noqa: ANN201
    root = tmp_path_factory.mktemp("access")
    ws = write_results_only(
        root,
        ResultsOnlyConfig(
            practices=16,
            seed=4,
            network_size=(4, 4),
            networks_per_sub_icb=2,
            start=dt.date(2023, 1, 31),
            end=dt.date(2026, 3, 31),
            indicators=(IndicatorSpec("flu-65", "v1", True, "patient", "immunisation"),),
        ),
    )
    write_weekly_series(
        ws, "flu", "flu-65", parse_dates("weekly:2025-09-07..2026-03-29"), dt.date(2025, 9, 1)
    )
    practices = pq.read_table(ws.current_snapshot() / "practices" / "practices.parquet").to_pylist()
    info = {
        p["practice_code"]: PracticeInfo(p["practice_code"], p["name"], f"Practice {i}", p["network_code"])
        for i, p in enumerate(practices)
    }
    codes = sorted(info)
    gov = Governance(info, frozenset(codes[1:]), frozenset(codes[2:4]), frozenset(codes))
    home, net = codes[4], info[codes[4]].network_code
    viewers = {
        "outsider": scope.outsider(gov),
        "clinician": scope.scope_for(gov, scope.CLINICIAN, practice=home),
        "facilitator": scope.scope_for(gov, scope.FACILITATOR, practices=frozenset(codes[5:9])),
        "network lead": scope.scope_for(gov, scope.NETWORK_LEAD, network=net),
        "central": scope.central(gov),
    }
    return ws, ResultsStore(ws), viewers, net


def test_funnel_flags_and_ranks_are_the_same_for_every_viewer(world):
    ws, store, viewers, _ = world
    date = store.latest_date()
    seen: dict[str, set] = {}
    for access in viewers.values():
        frame, fb = figures.indicator_frame(
            ws, store, access, "flu-65", date, "spiegelhalter", higher_is_better=True
        )
        for row in frame.itertuples():
            seen.setdefault(row.org_code, set()).add((row.outlier_998, row.outlier_95, row.rank))
    assert seen and all(len(v) == 1 for v in seen.values()), seen
    # and they are the raw counts' own: an independent funnel over every shared practice
    central = viewers["central"]
    raw, _ = figures.indicator_frame(ws, store, central, "flu-65", date, "spiegelhalter")
    ok = raw["denominator"] > 0
    independent = stats.funnel(raw.loc[ok, "numerator"], raw.loc[ok, "denominator"], method="spiegelhalter")
    assert list(independent.table["outlier_998"]) == list(raw.loc[ok, "outlier_998"])


def test_no_flag_is_none_not_nan(world):
    """A practice inside the limits has no flag (None): a NaN would be truthy, so the API said
    "nan" instead of "within" and the meeting pack put a practice outside only the 95% limits
    inside them."""
    ws, store, viewers, _ = world
    frame, _ = figures.indicator_frame(
        ws, store, viewers["clinician"], "flu-65", store.latest_date(), "spiegelhalter"
    )
    for column in ("outlier_95", "outlier_998"):
        flags = frame[column].tolist()
        assert set(flags) <= {"high", "low", None}, (column, flags)
    assert None in frame["outlier_998"].tolist()


def test_group_spc_verdict_and_campaign_status_same_for_every_viewer(world):
    ws, store, viewers, net = world
    verdicts = {
        name: figures.group_verdict(ws, store, a, META, Focus.network(net)).variation
        for name, a in viewers.items()
    }
    assert len(set(verdicts.values())) == 1, verdicts
    spec = CampaignSpec(
        1, "Flu", "flu-65", True, "flu", dt.date(2025, 9, 1), dt.date(2026, 3, 31), 0.75, dt.date(2026, 2, 28)
    )
    status: dict[str, set] = {}
    behind_counts = set()
    for access in viewers.values():
        progress = progress_for(spec, access, ws)
        behind_counts.add(progress.behind_count)
        for s in progress.practices:
            status.setdefault(s.code, set()).add((s.behind, s.rank))
    assert len(behind_counts) == 1
    assert all(len(v) == 1 for v in status.values()), status


def test_peer_summaries_from_disclosed_figures_for_all_but_central(world):
    ws, store, viewers, _ = world
    date = store.latest_date()
    shared = viewers["outsider"].shared
    rows = store.at_date("flu-65", date)
    rows = rows[rows["org_code"].isin(shared) & (rows["denominator"] > 0)]
    num, den = stats.disclose(rows["numerator"].to_numpy()), stats.disclose(rows["denominator"].to_numpy())
    ok = ~np.isnan(num) & ~np.isnan(den)
    q1, median, q3 = np.percentile(num[ok] / den[ok], [25, 50, 75])
    for name in ("outsider", "clinician", "facilitator", "network lead"):
        peers = figures.peer_summaries(ws, store, viewers[name], date)["flu-65"]
        assert (peers.q1, peers.median, peers.q3) == pytest.approx((q1, median, q3)), name
    raw = figures.peer_summaries(ws, store, viewers["central"], date)["flu-65"]
    rq1, rmed, rq3 = np.percentile(rows["numerator"] / rows["denominator"], [25, 50, 75])
    assert (raw.q1, raw.median, raw.q3) == pytest.approx((rq1, rmed, rq3))
    assert (
        figures.patients_to_reach(10, 100, 0.2, True) == 10
        and figures.patients_to_reach(10, 0, 0.2, True) is None
    )
