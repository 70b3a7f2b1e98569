"""Page data: the engine's results filtered by the user's Access, then put through gpqi.stats.

Every function here takes an `Access` and returns only what that user may see:
- only practices in `access.shared` (an agreement in force that permits benchmarking);
- each practice labelled by name or pseudonym (`access.label`);
- the counts of practices that are not the user's own passed through disclosure control
  (`gpqi.stats.disclose` with the workspace's thresholds) *before* any statistic is computed from
  them, so no derived figure (rate, interval, funnel position) can reveal a suppressed count;
- network and programme figures recomputed from the visible practices (the engine's roll-ups
  include practices without an agreement, so they are never shown).
No statistic is computed here: that is gpqi.stats's job. Programme-wide parts (the same for
every user of a class: see `class_key`) are memoised per results version; labels never are.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gpqi import stats
from gpqi.web.catalogue import IndicatorMeta
from gpqi.web.permissions import Access
from gpqi.web.results import ResultsStore
from gpqi.workspace import Workspace


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def disclosed_counts(
    ws: Workspace, numerators: np.ndarray, denominators: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Numerators and denominators after disclosure control, as floats with NaN where redacted.
    A redacted numerator also hides the denominator's rate: see docs/governance.md."""
    cfg = ws.config.disclosure
    num = np.asarray(
        stats.disclose(
            np.asarray(numerators), redact_at_or_below=cfg.redact_at_or_below, round_to=cfg.round_to
        ),
        dtype="float64",
    )
    den = np.asarray(
        stats.disclose(
            np.asarray(denominators), redact_at_or_below=cfg.redact_at_or_below, round_to=cfg.round_to
        ),
        dtype="float64",
    )
    return num, den


# --- peers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerSummary:
    median: float | None
    q1: float | None
    q3: float | None
    n: int


def peer_summaries(store: ResultsStore, access: Access, date: dt.date) -> dict[str, PeerSummary]:
    """Median and quartiles of practice rates per indicator among shared practices."""

    def compute() -> dict[str, PeerSummary]:
        frame = store.all_at_date(date)
        frame = frame[frame["org_code"].isin(access.shared) & (frame["denominator"] > 0)]
        out: dict[str, PeerSummary] = {}
        for ind_id, group in frame.groupby("indicator_id"):
            v = stats.variation(group["value"].to_numpy(dtype="float64"))
            out[str(ind_id)] = PeerSummary(_f(v["median"]), _f(v["q1"]), _f(v["q3"]), int(len(group)))
        return out

    return store.memo(("peers", date, hash(access.shared)), compute)


def _f(value: Any) -> float | None:
    if _is_missing(value):
        return None
    return float(value)


# --- one practice ------------------------------------------------------------------------------


@dataclass
class PracticeIndicator:
    meta: IndicatorMeta
    numerator: int | None
    denominator: int | None
    value: float | None
    peers: PeerSummary | None
    opportunity: int | None
    variation: str | None  # Making Data Count variation icon key
    assurance: str | None
    spark: list[dict[str, Any]] = field(default_factory=list)


def practice_indicators(
    store: ResultsStore, access: Access, practice_code: str, catalogue: dict[str, IndicatorMeta]
) -> list[PracticeIndicator]:
    """Every indicator for one of the user's own practices (raw counts: it is theirs)."""
    if not access.may_view_practice(practice_code):
        return []
    date = store.latest_date()
    peers = peer_summaries(store, access, date)

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
            values = group["value"].to_numpy(dtype="float64")
            variation = assurance = None
            finite = values[~np.isnan(values)]
            if len(finite) >= 2:
                result = stats.spc(finite, improvement=meta.improvement, target=meta.target)
                variation, assurance = result.variation, result.assurance
            opp = None
            if meta.target is not None and int(last["denominator"]) > 0:
                # patients to reach the target: how many more (or, lower is better, fewer)
                opp = int(
                    stats.opportunity(
                        int(last["numerator"]),
                        int(last["denominator"]),
                        meta.target,
                        higher_is_better=meta.higher_is_better,
                    )
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
                )
            )
        return out

    return store.memo(("practice", practice_code, tuple(sorted(catalogue.items()))), compute)


# --- one indicator at one date across the programme ---------------------------------------------
#
# At national scale (thousands of practices) the programme-wide part of a page is the same for
# every user who sees the same set of practices with the same disclosure, so it is computed once
# per results version and memoised: a `Cohort` (counts), its funnel and its variation. These
# memos hold no labels and no per-user state. There are two variants: "disclosed" (every
# practice's counts through disclosure control: what anyone who is not central sees of peers) and
# "raw" (the central team, whose own practices are all of them). A request then only overlays the
# user's own practices' raw counts (a handful of rows) on the disclosed variant and labels the
# rows it shows.


def _shared_key(access: Access) -> tuple[int, int]:
    return (len(access.shared), hash(access.shared))


def class_key(access: Access) -> tuple:
    """What the programme-wide memos depend on: which practices are shared and whether the user
    sees them disclosed. Users with the same key see the same programme-wide figures."""
    return (not sees_all_raw(access), *_shared_key(access))


def sees_all_raw(access: Access) -> bool:
    """The central team: every shared practice is their own, so nothing is disclosed."""
    return access.shared <= access.own


@dataclass(frozen=True)
class Cohort:
    """Every shared practice with a row for one indicator at one date, sorted by code."""

    codes: np.ndarray  # object: practice codes, sorted
    networks: np.ndarray  # object: each practice's network code
    numerator: np.ndarray  # float64; NaN where disclosure redacted it
    denominator: np.ndarray

    def positions(self, codes: list[str]) -> np.ndarray:
        """Row numbers of those of `codes` that are in the cohort."""
        if not codes or not len(self.codes):
            return np.array([], dtype="int64")
        wanted = np.asarray(sorted(codes), dtype=object)
        idx = np.searchsorted(self.codes, wanted)
        idx = np.clip(idx, 0, len(self.codes) - 1)
        return idx[self.codes[idx] == wanted]


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
            num, den = disclosed_counts(ws, num, den)
        networks = np.array([access.practices[c].network_code for c in codes], dtype=object)
        return Cohort(codes, networks, num, den)

    return store.memo_large(("cohort", indicator_id, date, disclosed, _shared_key(access)), compute)


@dataclass(frozen=True)
class FunnelBase:
    """The funnel of a cohort (programme-wide): comparator, overdispersion and each row's limits,
    outlier flags and Wilson interval (NaN/None for rows not shown)."""

    target: float
    method: str
    phi: float
    tau2: float
    columns: dict[str, np.ndarray]


FUNNEL_COLUMNS = ("lower_95", "upper_95", "lower_998", "upper_998", "outlier_95", "outlier_998")


def _funnel_rows(num: np.ndarray, den: np.ndarray, target: float, method: str, tau2: float) -> dict:
    """Limits, outlier flags and Wilson intervals for rows against a fixed comparator (a unit on
    a limit is inside it, as in gpqi.stats.funnel)."""
    lim = stats.funnel_limits(den, target, method, tau2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = num / den
    out: dict[str, np.ndarray] = {}
    for level in ("95", "998"):
        lo = lim[f"lower_{level}"].to_numpy(dtype="float64")
        hi = lim[f"upper_{level}"].to_numpy(dtype="float64")
        out[f"lower_{level}"], out[f"upper_{level}"] = lo, hi
        out[f"outlier_{level}"] = np.where(p > hi, "high", np.where(p < lo, "low", None)).astype(object)
    lo, hi = stats.wilson_interval(num, den)
    out["ci_low"], out["ci_high"] = np.asarray(lo, dtype="float64"), np.asarray(hi, dtype="float64")
    return out


def funnel_base(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    indicator_id: str,
    date: dt.date,
    method: str,
    disclosed: bool,
) -> FunnelBase:
    def compute() -> FunnelBase:
        c = cohort(ws, store, access, indicator_id, date, disclosed)
        shown = ~np.isnan(c.numerator) & ~np.isnan(c.denominator) & (c.denominator > 0)
        n = len(c.codes)
        cols: dict[str, np.ndarray] = {
            k: np.full(n, None, dtype=object) if k.startswith("outlier") else np.full(n, np.nan)
            for k in (*FUNNEL_COLUMNS, "ci_low", "ci_high")
        }
        if not shown.any():
            return FunnelBase(float("nan"), method, float("nan"), 0.0, cols)
        result = stats.funnel(c.numerator[shown], c.denominator[shown], target=None, method=method)
        table = result.table.reset_index(drop=True)
        for k in FUNNEL_COLUMNS:
            cols[k][shown] = table[k].to_numpy()
        lo, hi = stats.wilson_interval(c.numerator[shown], c.denominator[shown])
        cols["ci_low"][shown], cols["ci_high"][shown] = np.asarray(lo), np.asarray(hi)
        return FunnelBase(float(result.target), method, float(result.phi), float(result.tau2 or 0.0), cols)

    return store.memo_large(("funnel", indicator_id, date, method, disclosed, _shared_key(access)), compute)


def indicator_frame(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    indicator_id: str,
    date: dt.date,
    method: str | None = None,
    overlay_own: bool = True,
) -> tuple[pd.DataFrame, FunnelBase | None]:
    """The user's view of one indicator at one date: every shared practice's (disclosed) counts
    with the user's own practices' raw counts laid over them, an `own` flag and, with `method`,
    each row's funnel limits, outlier flags and Wilson interval. No labels (see `labels`).
    With overlay_own=False, the view of the user's class (what programme-wide memos may be
    built from: nothing in it depends on who the user is)."""
    raw_view = sees_all_raw(access)
    base = cohort(ws, store, access, indicator_id, date, disclosed=not raw_view)
    num, den = base.numerator.copy(), base.denominator.copy()
    own = np.full(len(base.codes), raw_view, dtype=bool)
    mine = np.array([], dtype="int64")
    if not raw_view and overlay_own:
        mine = base.positions(list(access.own & access.shared))
        if len(mine):
            raw = cohort(ws, store, access, indicator_id, date, disclosed=False)
            num[mine], den[mine] = raw.numerator[mine], raw.denominator[mine]
            own[mine] = True
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where((den > 0) & ~np.isnan(num), num / den, np.nan)
    frame = pd.DataFrame(
        {
            # object dtype: pandas would otherwise copy thousands of codes into Arrow strings
            "org_code": pd.Series(base.codes, dtype=object),
            "network_code": pd.Series(base.networks, dtype=object),
            "numerator": num,
            "denominator": den,
            "value": value,
            "own": own,
            "redacted": np.isnan(num) | np.isnan(den),
        }
    )
    fb = None
    if method is not None:
        fb = funnel_base(ws, store, access, indicator_id, date, method, disclosed=not raw_view)
        for k, col in fb.columns.items():
            frame[k] = col.copy() if len(mine) else col
        if len(mine) and np.isfinite(fb.target):
            ok = mine[(den[mine] > 0) & ~np.isnan(num[mine])]
            if len(ok):
                for k, col in _funnel_rows(num[ok], den[ok], fb.target, method, fb.tau2).items():
                    frame.loc[ok, k] = col
    return frame, fb


def labels(access: Access, codes: Any) -> list[str]:
    """Each practice's name or pseudonym for this user (per request: never memoised)."""
    return [access.label(c) for c in codes]


def programme_variation(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    indicator_id: str,
    date: dt.date,
    weighted: bool,
) -> dict[str, float | None]:
    """Spread of practices' values (gpqi.stats.variation) over the cohort the user's class sees
    (disclosed counts, or raw for the central team); weighted by list size when asked."""
    disclosed = not sees_all_raw(access)

    def compute() -> dict[str, float | None]:
        c = cohort(ws, store, access, indicator_id, date, disclosed)
        ok = ~np.isnan(c.numerator) & ~np.isnan(c.denominator) & (c.denominator > 0)
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

    return store.memo(("variation", indicator_id, date, weighted, disclosed, _shared_key(access)), compute)


def group_series(
    ws: Workspace, store: ResultsStore, access: Access, indicator_id: str, members: list[str], key: str
) -> pd.DataFrame:
    """The summed series of a group of shared practices (a network, or the programme), disclosed
    unless every member is the user's own. Memoised per group and disclosure: the figures are
    the same for every user of that class. Columns reporting_date, numerator, denominator, value."""
    mine = all(m in access.own for m in members)

    def compute() -> pd.DataFrame:
        s = store.series_for(indicator_id, members)
        s = s[s["denominator"] > 0].copy()
        if not mine:
            num, den = disclosed_counts(ws, s["numerator"].to_numpy(), s["denominator"].to_numpy())
            s["numerator"], s["denominator"] = num, den
            s = s[~np.isnan(num) & ~np.isnan(den)]
        s["value"] = s["numerator"] / s["denominator"]
        return s.reset_index(drop=True)

    return store.memo(("group-series", indicator_id, key, mine, _shared_key(access)), compute)


@dataclass(frozen=True)
class NetworkSums:
    """Each network's visible practices summed for one indicator at one date (programme-wide)."""

    networks: list[str]
    practices: np.ndarray
    numerator: np.ndarray  # raw sums
    denominator: np.ndarray
    disclosed_numerator: np.ndarray  # the sums through disclosure control
    disclosed_denominator: np.ndarray


def network_sums(
    ws: Workspace, store: ResultsStore, access: Access, indicator_id: str, date: dt.date
) -> NetworkSums:
    def compute() -> NetworkSums:
        c = cohort(ws, store, access, indicator_id, date, disclosed=False)
        frame = pd.DataFrame({"network": c.networks, "numerator": c.numerator, "denominator": c.denominator})
        g = frame.groupby("network", sort=True).agg(
            practices=("numerator", "size"),
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
        )
        nums = g["numerator"].to_numpy(dtype="float64")
        dens = g["denominator"].to_numpy(dtype="float64")
        dnums, ddens = disclosed_counts(ws, nums, dens)
        return NetworkSums([str(n) for n in g.index], g["practices"].to_numpy(), nums, dens, dnums, ddens)

    return store.memo_large(("networks", indicator_id, date, _shared_key(access)), compute)


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


TREND_MONTHS = 36  # dates in the trend against peer deciles


def peer_deciles(store: ResultsStore, ws: Workspace, access: Access, indicator_id: str) -> pd.DataFrame:
    """The 10th to 90th percentiles (gpqi.stats.deciles) of shared practices' values at each of
    the last TREND_MONTHS dates, from the class view's counts (disclosed unless central).
    Columns date, percentile, value. Memoised per class view."""
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
            num, den = disclosed_counts(ws, num, den)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where((den > 0) & ~np.isnan(num), num / den, np.nan)
        frame = pd.DataFrame({"date": pd.to_datetime(f["reporting_date"]).to_numpy(), "value": value})
        rows = []
        for d, group in frame.groupby("date", sort=True):
            dec = stats.deciles(group["value"].to_numpy())
            rows += [
                {"date": d.date().isoformat(), "percentile": int(p), "value": float(v)}
                for p, v in dec.items()
            ]
        return pd.DataFrame(rows, columns=["date", "percentile", "value"])

    return store.memo_large(("deciles", indicator_id, disclosed, _shared_key(access)), compute)


def warm(ws: Workspace, store: ResultsStore, method: str = "spiegelhalter") -> int:
    """Build the programme-wide memos of every indicator at the latest date, for both class
    views (disclosed and the central team's raw), so no user waits for them. Run by each server
    process in the background when it starts; returns how many indicators it warmed."""
    import dataclasses

    from django.contrib.auth.models import AnonymousUser
    from django.db import connections

    from gpqi.web.permissions import build_access

    try:
        outsider = build_access(AnonymousUser())  # nothing of its own: the disclosed view
        central = dataclasses.replace(outsider, own=frozenset(outsider.practices))
        date = store.latest_date()
        dates = store.dates()
        # the indicator page's default comparison: five years before (see dashboard.views.indicators.indicator)
        compare = next((d for d in dates if d >= date.replace(year=date.year - 5)), dates[0])
        ids = store.indicator_ids()
        for indicator_id in ids:
            for access in (outsider, central):
                indicator_frame(ws, store, access, indicator_id, date, method)
                indicator_frame(ws, store, access, indicator_id, compare)
                for weighted in (False, True):
                    for d in (date, compare):
                        programme_variation(ws, store, access, indicator_id, d, weighted)
                peer_deciles(store, ws, access, indicator_id)
            network_sums(ws, store, outsider, indicator_id, date)
        return len(ids)
    finally:
        connections.close_all()  # this thread's own database connection
