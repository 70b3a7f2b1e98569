"""The shared figures of every view: the engine's results through a user's scope and the gate.

Every function takes an `Access` and returns only what that user may see:
- only practices in `access.shared` (an agreement in force that permits benchmarking);
- counts of practices that are not the user's own through the disclosure gate
  (`gpqi.access.disclosure`) before any number is computed from them for display; totals over
  several practices by the gate's totals rule (own part raw, others' part disclosed);
- labels (name or pseudonym) only per request (`labels`), never in a memo.

Verdicts are computed once, on the raw counts of every shared practice, and are the same for
every viewer: the funnel's comparator, overdispersion and each practice's flags
(`funnel_base`), ranks (`gpqi.access.ranking`), SPC variation and assurance (`spc_of`), and
whether a network earns its incentive (`network_incentives`). Figures for a whole class of
viewers (see `class_key`) are memoised once per results version in the one memo
(`gpqi.access.memo`, through `ResultsStore.memo`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gpqi import stats
from gpqi.access import disclosure as gate
from gpqi.access.focus import Focus
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.ranking import competition_ranks
from gpqi.access.results import ResultsStore
from gpqi.access.scope import Access
from gpqi.engine.dates import first_on_or_after, years_before
from gpqi.stats import SeriesSpc, SpcResult
from gpqi.workspace import Workspace

__all__ = [
    "FUNNEL_METHODS",
    "GOAL_PEERS",
    "GOAL_TARGET",
    "MIN_PEERS",
    "TREND_MONTHS",
    "Cohort",
    "FunnelBase",
    "NetworkSums",
    "PeerSummary",
    "PracticeIndicator",
    "SeriesSpc",
    "SpcResult",
    "class_key",
    "cohort",
    "default_compare",
    "funnel_base",
    "funnel_limits",
    "goal_for",
    "group_series",
    "indicator_frame",
    "labels",
    "list_sizes",
    "network_incentives",
    "network_members",
    "network_sums",
    "network_target_rows",
    "patients_to_reach",
    "peer_deciles",
    "peer_summaries",
    "practice_indicators",
    "programme_variation",
    "sees_all_raw",
    "spc_of",
    "visible_networks",
    "warm",
]

FUNNEL_METHODS = ("spiegelhalter", "wilson")
TREND_MONTHS = 36  # dates in the trend against peer deciles


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _f(value: Any) -> float | None:
    return None if _is_missing(value) else float(value)


def _shared_key(access: Access) -> tuple[int, int]:
    return (len(access.shared), hash(access.shared))


def sees_all_raw(access: Access) -> bool:
    """The central team: every shared practice is their own, so nothing is disclosed."""
    return access.sees_all_raw


def class_key(access: Access) -> tuple:
    """What class-wide figures depend on: which practices are shared and whether the user sees
    them disclosed. Users with the same key see the same programme-wide figures."""
    return (not sees_all_raw(access), *_shared_key(access))


def labels(access: Access, codes: Any) -> list[str]:
    """Each practice's name or pseudonym for this user (per request: never memoised)."""
    return [access.label(c) for c in codes]


def default_compare(dates: list[dt.date], date: dt.date) -> dt.date:
    """The default comparison date: the first date on or after five years before `date` (the
    first date of a shorter series). Calendar arithmetic is `gpqi.engine.dates`'s."""
    return first_on_or_after(dates, years_before(date, 5))


# --- SPC: one rule ---------------------------------------------------------------------------------


def spc_of(
    numerators: Any,
    denominators: Any,
    dates: list[dt.date],
    meta: IndicatorMeta,
    rebase_dates: tuple[dt.date, ...] = (),
) -> SeriesSpc:
    """The SPC of a series (in date order) for an indicator: the one place the chart type
    (`gpqi.stats.series_spc`: p, Laney p' or XmR by its documented rule), the season and the
    rebase dates are applied, so every view shows the same variation and assurance."""
    return stats.series_spc(
        np.asarray(numerators, dtype="float64"),
        np.asarray(denominators, dtype="float64"),
        list(dates),
        improvement=meta.improvement,
        target=meta.target,
        season_start=meta.season_start,
        rebase_dates=rebase_dates,
    )


# --- peers ---------------------------------------------------------------------------------------


MIN_PEERS = 5  # practices with counts large enough to show, below which no peer figures are given


@dataclass(frozen=True)
class PeerSummary:
    median: float | None
    q1: float | None
    q3: float | None
    n: int

    def best_quartile(self, higher_is_better: bool) -> float | None:
        """The value the best quarter of practices reach or beat: the upper quartile where higher
        is better, the lower quartile where lower is better."""
        return self.q3 if higher_is_better else self.q1


def peer_summaries(
    ws: Workspace, store: ResultsStore, access: Access, date: dt.date
) -> dict[str, PeerSummary]:
    """Median and quartiles of practice rates per indicator among shared practices: from the
    disclosed counts (redacted practices left out) for everyone but the central team."""
    disclosed = not sees_all_raw(access)

    def compute() -> dict[str, PeerSummary]:
        frame = store.all_at_date(date)
        frame = frame[frame["org_code"].isin(access.shared) & (frame["denominator"] > 0)]
        num = frame["numerator"].to_numpy(dtype="float64")
        den = frame["denominator"].to_numpy(dtype="float64")
        if disclosed:
            num, den = gate.pairs(gate.Policy.of(ws), num, den)
        frame = frame.assign(shown=gate.rate(num, den))
        out: dict[str, PeerSummary] = {}
        for ind_id, group in frame.groupby("indicator_id"):
            values = group["shown"].to_numpy(dtype="float64")
            values = values[~np.isnan(values)]
            # Redaction hides the practices with the smallest counts, so where most are hidden the
            # rest are no fair picture of peers: no peer figures then (pages show "–").
            if len(values) < max(MIN_PEERS, len(group) / 2):
                continue
            v = stats.variation(values)
            out[str(ind_id)] = PeerSummary(_f(v["median"]), _f(v["q1"]), _f(v["q3"]), int(len(values)))
        return out

    return store.memo(("peers", date, disclosed, _shared_key(access)), compute)


def patients_to_reach(
    numerator: int | None, denominator: int | None, rate: float | None, higher_is_better: bool
) -> int | None:
    """How many more patients (fewer, lower is better) a practice needs for its own raw counts
    to reach `rate` (a target, or a peer figure from `peer_summaries`, e.g. its q3: the peer
    upper quartile); None when either is unknown or the denominator is 0."""
    if rate is None or numerator is None or not denominator or _is_missing(rate):
        return None
    return int(
        stats.opportunity(int(numerator), int(denominator), float(rate), higher_is_better=higher_is_better)
    )


# --- one practice ------------------------------------------------------------------------------


GOAL_TARGET, GOAL_PEERS = "target", "best quarter of practices"


@dataclass
class PracticeIndicator:
    meta: IndicatorMeta
    numerator: int | None
    denominator: int | None
    value: float | None
    peers: PeerSummary | None
    # Opportunity: how many more patients (fewer, where lower is better) would meet the
    # indicator for the practice to reach its goal (`goal_for`); 0 once the goal is reached.
    opportunity: int | None
    variation: str | None  # Making Data Count variation icon key
    assurance: str | None
    spark: list[dict[str, Any]] = field(default_factory=list)
    goal: float | None = None
    goal_kind: str | None = None  # GOAL_TARGET or GOAL_PEERS


def goal_for(meta: IndicatorMeta, peers: PeerSummary | None) -> tuple[float | None, str | None]:
    """What an indicator's opportunity is measured to: its target where one is set, otherwise the
    best quarter of peers (`PeerSummary.best_quartile`, from disclosed figures)."""
    if meta.target is not None:
        return meta.target, GOAL_TARGET
    best = peers.best_quartile(meta.higher_is_better) if peers else None
    return (best, GOAL_PEERS) if best is not None else (None, None)


def practice_indicators(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    practice_code: str,
    catalogue: dict[str, IndicatorMeta],
    rebase: dict[str, list[dt.date]] | None = None,
) -> list[PracticeIndicator]:
    """Every indicator for one of the user's own practices (raw counts: it is theirs); SPC
    limits recalculated at `rebase[indicator_id]` (an improvement programme's dates)."""
    rebase = rebase or {}
    if not access.may_view_practice(practice_code):
        return []
    date = store.latest_date()
    peers = peer_summaries(ws, store, access, date)

    def compute() -> list[PracticeIndicator]:
        series = store.practice_series(practice_code)
        out: list[PracticeIndicator] = []
        for ind_id, group in series.groupby("indicator_id", sort=False):
            meta = catalogue.get(str(ind_id))
            if meta is None:
                continue
            group = group.sort_values("reporting_date")
            last = group.iloc[-1]
            if last["reporting_date"] != date:
                continue
            variation = assurance = None
            counted = group[group["denominator"] > 0]
            if len(counted) >= 2:
                result = spc_of(
                    counted["numerator"],
                    counted["denominator"],
                    counted["reporting_date"].to_list(),
                    meta,
                    tuple(rebase.get(str(ind_id), ())),
                ).result
                variation, assurance = result.variation, result.assurance
            goal, goal_kind = goal_for(meta, peers.get(str(ind_id)))
            opp = patients_to_reach(
                int(last["numerator"]), int(last["denominator"]), goal, meta.higher_is_better
            )
            spark = [
                {"date": d.isoformat(), "value": None if _is_missing(v) else float(v)}
                for d, v in zip(group["reporting_date"].tail(36), group["value"].tail(36), strict=True)
            ]
            out.append(
                PracticeIndicator(
                    meta=meta,
                    numerator=int(last["numerator"]),
                    denominator=int(last["denominator"]),
                    value=_f(last["value"]),
                    peers=peers.get(str(ind_id)),
                    opportunity=opp,
                    variation=variation,
                    assurance=assurance,
                    spark=spark,
                    goal=goal,
                    goal_kind=goal_kind,
                )
            )
        return out

    key = (
        "practice",
        practice_code,
        tuple(sorted(catalogue.items())),
        class_key(access),
        tuple(sorted((k, tuple(v)) for k, v in rebase.items())),
    )
    return store.memo(key, compute)


# --- one indicator at one date across the programme ---------------------------------------------


@dataclass(frozen=True)
class Cohort:
    """Every shared practice with a row for one indicator at one date, sorted by code."""

    codes: np.ndarray  # object: practice codes, sorted
    networks: np.ndarray  # object: each practice's network code
    numerator: np.ndarray  # float64; NaN where disclosure redacted it
    denominator: np.ndarray

    def positions(self, codes: list[str] | set[str] | frozenset[str]) -> np.ndarray:
        """Row numbers of those of `codes` that are in the cohort."""
        if not codes or not len(self.codes):
            return np.array([], dtype="int64")
        wanted = np.asarray(sorted(codes), dtype=object)
        idx = np.searchsorted(self.codes, wanted)
        idx = np.clip(idx, 0, len(self.codes) - 1)
        return idx[self.codes[idx] == wanted]

    def mask(self, codes: list[str] | set[str] | frozenset[str]) -> np.ndarray:
        out = np.zeros(len(self.codes), dtype=bool)
        out[self.positions(codes)] = True
        return out


def cohort(
    ws: Workspace, store: ResultsStore, access: Access, indicator_id: str, date: dt.date, disclosed: bool
) -> Cohort:
    def compute() -> Cohort:
        raw = store.at_date(indicator_id, date)
        raw = raw[raw["org_code"].isin(access.shared)].sort_values("org_code")
        codes = raw["org_code"].to_numpy(dtype=object)
        num = raw["numerator"].to_numpy(dtype="float64")
        den = raw["denominator"].to_numpy(dtype="float64")
        if disclosed:
            num, den = gate.pairs(gate.Policy.of(ws), num, den)
        networks = np.array([access.practices[c].network_code for c in codes], dtype=object)
        return Cohort(codes, networks, num, den)

    return store.memo(("cohort", indicator_id, date, disclosed, _shared_key(access)), compute)


@dataclass(frozen=True)
class FunnelBase:
    """The funnel of every shared practice, on raw counts (the same for every viewer): the
    comparator, the overdispersion and each practice's flags at the 95% and 99.8% limits, in
    the cohort's order (None for practices without a denominator)."""

    target: float
    method: str
    phi: float
    tau2: float
    outlier_95: np.ndarray
    outlier_998: np.ndarray
    rank: np.ndarray  # competition rank on raw values, best first (NaN: no value, or redacted for outsiders)


def funnel_base(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    indicator_id: str,
    date: dt.date,
    method: str,
    higher_is_better: bool,
) -> FunnelBase:
    def compute() -> FunnelBase:
        c = cohort(ws, store, access, indicator_id, date, disclosed=False)
        ok = c.denominator > 0
        n = len(c.codes)
        o95, o998 = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
        # Ranked: practices whose counts every viewer may see (a hidden practice holding a rank
        # would bound its rate between its neighbours'); ranked on their raw values.
        d = cohort(ws, store, access, indicator_id, date, disclosed=True)
        disclosable = ~np.isnan(gate.rate(d.numerator, d.denominator))
        raw_rate = gate.rate(c.numerator, c.denominator)
        ranks = competition_ranks(np.where(disclosable, raw_rate, np.nan), higher_is_better)
        if not ok.any():
            return FunnelBase(float("nan"), method, float("nan"), 0.0, o95, o998, ranks)
        result = stats.funnel(c.numerator[ok], c.denominator[ok], target=None, method=method)
        table = result.table.reset_index(drop=True)
        o95[ok] = table["outlier_95"].to_numpy()
        o998[ok] = table["outlier_998"].to_numpy()
        return FunnelBase(
            float(result.target), method, float(result.phi), float(result.tau2 or 0.0), o95, o998, ranks
        )

    key = ("funnel", indicator_id, date, method, higher_is_better, _shared_key(access))
    return store.memo(key, compute)


def funnel_limits(denominators: Any, fb: FunnelBase) -> pd.DataFrame:
    """The funnel's control limits at each denominator, around the base's comparator."""
    return stats.funnel_limits(np.asarray(denominators, dtype="float64"), fb.target, fb.method, fb.tau2)


def indicator_frame(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    indicator_id: str,
    date: dt.date,
    method: str | None = None,
    overlay_own: bool = True,
    higher_is_better: bool = True,
) -> tuple[pd.DataFrame, FunnelBase | None]:
    """The user's view of one indicator at one date: every shared practice's (disclosed) counts
    with the user's own practices' raw counts laid over them, an `own` flag, each row's Wilson
    interval from the counts shown and, with `method`, each row's funnel flags and rank from
    the raw counts (the same for everyone). No labels (see `labels`). With overlay_own=False,
    the view of the user's class (what class-wide memos may be built from)."""
    raw_view = sees_all_raw(access)
    base = cohort(ws, store, access, indicator_id, date, disclosed=not raw_view)
    num, den = base.numerator.copy(), base.denominator.copy()
    own = np.full(len(base.codes), raw_view, dtype=bool)
    if not raw_view and overlay_own:
        mine = base.positions(access.own & access.shared)
        if len(mine):
            raw = cohort(ws, store, access, indicator_id, date, disclosed=False)
            num[mine], den[mine] = raw.numerator[mine], raw.denominator[mine]
            own[mine] = True
    value = gate.rate(num, den)
    columns: dict[str, Any] = {
        # object dtype: pandas would otherwise copy thousands of codes into Arrow strings
        "org_code": pd.Series(base.codes, dtype=object),
        "network_code": pd.Series(base.networks, dtype=object),
        "numerator": num,
        "denominator": den,
        "value": value,
        "own": own,
        "redacted": np.isnan(num) | np.isnan(den),
    }
    fb = None
    if method is not None:
        fb = funnel_base(ws, store, access, indicator_id, date, method, higher_is_better)
        # object dtype: pandas would infer a string dtype and turn "no flag" (None) into NaN,
        # which is truthy and never equals "high" or "low"
        columns["outlier_95"] = pd.Series(fb.outlier_95, dtype=object)
        columns["outlier_998"] = pd.Series(fb.outlier_998, dtype=object)
        columns["rank"] = fb.rank
        ok = (den > 0) & ~np.isnan(num) & ~np.isnan(den)
        lo, hi = np.full(len(num), np.nan), np.full(len(num), np.nan)
        if ok.any():
            wl, wh = stats.wilson_interval(num[ok], den[ok])
            lo[ok], hi[ok] = np.asarray(wl, dtype="float64"), np.asarray(wh, dtype="float64")
        columns["ci_low"], columns["ci_high"] = lo, hi
    # one construction: adding columns one by one costs more than the figures at 6,500 practices
    return pd.DataFrame(columns), fb


def list_sizes(
    ws: Workspace, store: ResultsStore, access: Access | None, date: dt.date, codes: Any
) -> list[int]:
    """Each practice's list size as the user may see it: exact for their own practices, else
    rounded by the gate (0 where unknown). With access None, as anyone outside every practice
    sees them (for class-wide figures)."""
    sizes = store.list_sizes(date)
    policy = gate.Policy.of(ws)
    own = access.own if access is not None else frozenset()
    return [gate.list_size(policy, sizes.get(code), code in own) or 0 for code in codes]


def programme_variation(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    indicator_id: str,
    date: dt.date,
    weighted: bool,
    networks: frozenset[str] | None = None,
) -> dict[str, float | None]:
    """Spread of practices' values (gpqi.stats.variation) over the cohort the user's class sees
    (disclosed counts, redacted practices left out; raw for the central team); weighted by list
    size when asked; only the practices of `networks` when given (an improvement programme)."""
    disclosed = not sees_all_raw(access)

    def compute() -> dict[str, float | None]:
        c = cohort(ws, store, access, indicator_id, date, disclosed)
        ok = ~np.isnan(c.numerator) & ~np.isnan(c.denominator) & (c.denominator > 0)
        if networks is not None:
            ok &= np.isin(c.networks.astype(str), list(networks))
        if not ok.any():
            return {}
        rates = c.numerator[ok] / c.denominator[ok]
        weights = None
        if weighted:
            sizes = store.list_sizes(date)
            weights = np.array([sizes.get(code, 0) for code in c.codes[ok]], dtype="float64")
        v = stats.variation(rates, weights=weights)
        keys = ("median", "q1", "q3", "iqr", "min", "max", "sd", "cv", "n")
        return {k: _f(v.get(k)) for k in keys}

    key = ("variation", indicator_id, date, weighted, disclosed, networks, _shared_key(access))
    return store.memo(key, compute)


def group_series(
    ws: Workspace, store: ResultsStore, access: Access, indicator_id: str, focus: Focus
) -> tuple[pd.DataFrame, bool]:
    """The summed series of a network's or the programme's shared practices as this user may see
    it (the gate's totals rule: their own members' part raw, the others' disclosed), and whether
    any part was disclosed. Columns reporting_date, numerator, denominator, value."""
    members = focus.members(access)
    own = [m for m in members if m in access.own]
    others = [m for m in members if m not in access.own]

    def summed(codes: list[str], tag: str) -> pd.DataFrame:
        return store.memo(
            ("group-sum", indicator_id, str(focus), tag, tuple(codes)),
            lambda: store.series_for(indicator_id, codes).set_index("reporting_date"),
        )

    raw_total = summed(members, "all")
    own_part = summed(own, "own").reindex(raw_total.index).fillna(0.0) if own else None
    s = raw_total.copy()
    if others:
        o_num = own_part["numerator"].to_numpy(dtype="float64") if own_part is not None else 0.0
        o_den = own_part["denominator"].to_numpy(dtype="float64") if own_part is not None else 0.0
        t_num = raw_total["numerator"].to_numpy(dtype="float64")
        t_den = raw_total["denominator"].to_numpy(dtype="float64")
        policy = gate.Policy.of(ws)
        s["numerator"] = gate.totals(policy, o_num, t_num - o_num, True)
        s["denominator"] = gate.totals(policy, o_den, t_den - o_den, True)
    s = s.reset_index()
    s = s[(s["denominator"] > 0) & s["numerator"].notna() & s["denominator"].notna()].copy()
    s["value"] = s["numerator"] / s["denominator"]
    return s.reset_index(drop=True), bool(others)


def group_verdict(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    meta: IndicatorMeta,
    focus: Focus,
    rebase_dates: tuple[dt.date, ...] = (),
) -> SpcResult | None:
    """SPC of a group's raw summed series: the verdict (variation, assurance) every viewer is
    told, whatever part of the counts they see disclosed."""
    members = focus.members(access)

    def compute() -> SpcResult | None:
        s = store.series_for(meta.id, members)
        s = s[s["denominator"] > 0]
        if len(s) < 2:
            return None
        return spc_of(
            s["numerator"], s["denominator"], s["reporting_date"].to_list(), meta, rebase_dates
        ).result

    key = (
        "group-verdict",
        meta.id,
        str(focus),
        meta.improvement,
        meta.target,
        meta.season_start,
        tuple(rebase_dates),
        _shared_key(access),
    )
    return store.memo(key, compute)


@dataclass(frozen=True)
class NetworkSums:
    """Each network's shared practices summed for one indicator at one date, as one user may
    see them: `numerator`/`denominator` by the gate's totals rule (raw where every member is the
    user's own), `raw_*` for verdicts only (never shown)."""

    networks: list[str]
    practices: np.ndarray
    numerator: np.ndarray
    denominator: np.ndarray
    raw_numerator: np.ndarray
    raw_denominator: np.ndarray
    key: tuple = ()  # the memo key of the raw sums: what a verdict on them depends on


def network_sums(
    ws: Workspace, store: ResultsStore, access: Access, indicator_id: str, date: dt.date
) -> NetworkSums:
    c = cohort(ws, store, access, indicator_id, date, disclosed=False)

    def raw_sums() -> pd.DataFrame:
        frame = pd.DataFrame({"network": c.networks, "numerator": c.numerator, "denominator": c.denominator})
        return frame.groupby("network", sort=True).agg(
            practices=("numerator", "size"),
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
        )

    key = ("networks", indicator_id, date, _shared_key(access))
    g = store.memo(key, raw_sums)
    # each practice's row in `g` (-1: no network), so a user's own sums are one bincount
    at, names = store.memo(
        (*key, "rows"), lambda: (pd.Index(g.index).get_indexer(c.networks), [str(n) for n in g.index])
    )
    # the central team owns every practice: no need to look each one up
    pos = np.arange(len(c.codes)) if sees_all_raw(access) else c.positions(access.own)
    pos = pos[at[pos] >= 0]
    n = len(g)
    own_n = np.bincount(at[pos], minlength=n)
    has_others = own_n < g["practices"].to_numpy()
    policy = gate.Policy.of(ws)
    raw_num = g["numerator"].to_numpy(dtype="float64")
    raw_den = g["denominator"].to_numpy(dtype="float64")
    o_num = np.bincount(at[pos], weights=np.nan_to_num(c.numerator[pos]), minlength=n).astype("float64")
    o_den = np.bincount(at[pos], weights=np.nan_to_num(c.denominator[pos]), minlength=n).astype("float64")
    return NetworkSums(
        list(names),
        g["practices"].to_numpy(),
        gate.totals(policy, o_num, raw_num - o_num, has_others),
        gate.totals(policy, o_den, raw_den - o_den, has_others),
        raw_num,
        raw_den,
        key,
    )


def network_incentives(
    store: ResultsStore, sums: NetworkSums, meta: IndicatorMeta, overrides: dict[str, float]
) -> tuple[list[float | None], list[bool | None]]:
    """Each network's target (its override, else the indicator's) and whether its combined raw
    value earns the incentive (a verdict: the same for everyone), in the order of `sums.networks`."""
    key = ("incentives", *sums.key, meta.target, meta.higher_is_better, tuple(sorted(overrides.items())))
    return store.memo(key, lambda: _network_incentives(sums, meta, overrides))


def _network_incentives(
    sums: NetworkSums, meta: IndicatorMeta, overrides: dict[str, float]
) -> tuple[list[float | None], list[bool | None]]:
    targets = [overrides.get(n, meta.target) for n in sums.networks]
    earned: list[bool | None] = [None] * len(targets)
    for target in {t for t in targets if t is not None}:
        idx = [i for i, t in enumerate(targets) if t == target]
        result = stats.network_incentive(
            sums.raw_numerator[idx],
            sums.raw_denominator[idx],
            [sums.networks[i] for i in idx],
            target,
            higher_is_better=meta.higher_is_better,
        )
        achieved = dict(zip(result["network"], result["achieved"], strict=True))
        for i in idx:
            if sums.raw_denominator[i] > 0:
                earned[i] = bool(achieved[sums.networks[i]])
    return targets, earned


def network_target_rows(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    network_code: str,
    date: dt.date,
    catalogue: dict[str, IndicatorMeta],
    overrides: dict[str, float],
) -> list[dict[str, Any]]:
    """A network's combined value for every indicator against its target, for a user whose own
    practices are all of that network's shared practices (its lead, the central team); the
    verdict is on the raw sums. Rows: indicator_id, numerator, denominator, value, target, earned."""
    members = network_members(store, access, network_code)
    if not all(m in access.own for m in members):
        return []

    def compute() -> list[dict[str, Any]]:
        sums = store.sums_at_date(date, members)
        rows = []
        for ind_id, num, den in sums[["indicator_id", "numerator", "denominator"]].itertuples(index=False):
            meta = catalogue.get(str(ind_id))
            if meta is None:
                continue
            target = overrides.get(meta.id, meta.target)
            num, den = int(num), int(den)
            earned = None
            if target is not None and den:
                inc = stats.network_incentive(
                    [num], [den], [network_code], target, higher_is_better=meta.higher_is_better
                )
                earned = bool(inc["achieved"].iloc[0])
            rows.append(
                {
                    "indicator_id": meta.id,
                    "numerator": num,
                    "denominator": den,
                    "value": num / den if den else None,
                    "target": target,
                    "earned": earned,
                }
            )
        return rows

    key = (
        "network-targets",
        date,
        network_code,
        tuple(members),
        tuple(sorted(overrides.items())),
        tuple(sorted((m.id, m.target, m.higher_is_better) for m in catalogue.values())),
    )
    return store.memo(key, compute)


def visible_networks(store: ResultsStore, access: Access) -> frozenset[str]:
    """Networks with at least one shared practice (memoised per set of shared practices)."""
    return store.memo(
        ("visible-networks", _shared_key(access)),
        lambda: frozenset(access.practices[p].network_code for p in access.shared),
    )


def network_members(store: ResultsStore, access: Access, network_code: str) -> list[str]:
    """A network's shared practices, sorted (memoised per set of shared practices)."""

    def compute() -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for code in sorted(access.shared):
            out.setdefault(access.practices[code].network_code, []).append(code)
        return out

    return store.memo(("network-members", _shared_key(access)), compute).get(network_code, [])


def peer_deciles(store: ResultsStore, ws: Workspace, access: Access, indicator_id: str) -> pd.DataFrame:
    """The 10th to 90th percentiles (gpqi.stats.deciles) of shared practices' values at each of
    the last TREND_MONTHS dates, from the class view's counts (disclosed, redacted practices
    left out, unless central). Columns date, percentile, value. Memoised per class view."""
    disclosed = not sees_all_raw(access)

    def compute() -> pd.DataFrame:
        dates = store.dates()[-TREND_MONTHS:]
        if not dates:
            return pd.DataFrame(columns=["date", "percentile", "value"])
        f = store.indicator_since(indicator_id, dates[0])
        f = f[f["org_code"].isin(access.shared)]
        num = f["numerator"].to_numpy(dtype="float64")
        den = f["denominator"].to_numpy(dtype="float64")
        if disclosed:
            num, den = gate.pairs(gate.Policy.of(ws), num, den)
        value = gate.rate(num, den)
        frame = pd.DataFrame({"date": pd.to_datetime(f["reporting_date"]).to_numpy(), "value": value})
        rows = []
        for d, group in frame.groupby("date", sort=True):
            dec = stats.deciles(group["value"].to_numpy())
            rows += [
                {"date": d.date().isoformat(), "percentile": int(p), "value": float(v)}
                for p, v in dec.items()
            ]
        return pd.DataFrame(rows, columns=["date", "percentile", "value"])

    return store.memo(("deciles", indicator_id, disclosed, _shared_key(access)), compute)


def warm(
    ws: Workspace,
    store: ResultsStore,
    outsider: Access,
    central: Access,
    catalogue: dict[str, IndicatorMeta],
    method: str = "spiegelhalter",
) -> int:
    """Build the class-wide figures of every indicator at the latest date and the default
    comparison date, for both class views (disclosed and the central team's raw), so no user
    waits for them. Returns how many indicators it warmed."""
    date = store.latest_date()
    compare = default_compare(store.dates(), date)
    ids = [i for i in store.indicator_ids() if i in catalogue]
    for indicator_id in ids:
        hib = catalogue[indicator_id].higher_is_better
        for access in (outsider, central):
            indicator_frame(ws, store, access, indicator_id, date, method, higher_is_better=hib)
            indicator_frame(ws, store, access, indicator_id, compare)
            for weighted in (False, True):
                for d in (date, compare):
                    programme_variation(ws, store, access, indicator_id, d, weighted)
            peer_deciles(store, ws, access, indicator_id)
        network_sums(ws, store, outsider, indicator_id, date)
    return len(ids)
