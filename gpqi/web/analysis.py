"""Page data: the engine's results filtered by the user's Access, then put through gpqi.stats.

Every function here takes an `Access` and returns only what that user may see:
- only practices in `access.shared` (an agreement in force that permits benchmarking);
- each practice labelled by name or pseudonym (`access.label`);
- the counts of practices that are not the user's own passed through disclosure control
  (`gpqi.stats.disclose` with the workspace's thresholds) *before* any statistic is computed from
  them, so no derived figure (rate, interval, funnel position) can reveal a suppressed count;
- network and programme figures recomputed from the visible practices (the engine's roll-ups
  include practices without an agreement, so they are never shown).
No statistic is computed here: that is gpqi.stats's job.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from gpqi.web import statsapi as stats
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


def visible_frame(ws: Workspace, access: Access, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of practices the user may see, with label, own flag and disclosed counts/values.
    `frame` has org_code, numerator, denominator (and optionally value)."""
    frame = frame[frame["org_code"].isin(access.shared)].copy()
    if frame.empty:
        return frame.assign(label=[], own=[], named=[], redacted=[])
    codes = frame["org_code"].tolist()
    own = np.fromiter((c in access.own for c in codes), dtype=bool, count=len(codes))
    num = frame["numerator"].to_numpy(dtype="float64")
    den = frame["denominator"].to_numpy(dtype="float64")
    if (~own).any():
        dnum, dden = disclosed_counts(ws, num[~own], den[~own])
        num[~own] = dnum
        den[~own] = dden
    frame["numerator"] = num
    frame["denominator"] = den
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["value"] = np.where((den > 0) & ~np.isnan(num), num / den, np.nan)
    frame["own"] = own
    frame["redacted"] = np.isnan(num) | np.isnan(den)
    frame["label"] = [access.label(c) for c in codes]
    frame["named"] = [access.is_named(c) for c in codes]
    frame["network_code"] = [access.practices[c].network_code for c in codes]
    return frame


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
            out[str(ind_id)] = PeerSummary(
                _f(_get(v, "median")), _f(_get(v, "q1", "p25")), _f(_get(v, "q3", "p75")), int(len(group))
            )
        return out

    return store.memo(("peers", date, hash(access.shared)), compute)


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return None


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
                opp = int(
                    np.asarray(
                        stats.opportunity(int(last["numerator"]), int(last["denominator"]), meta.target)
                    ).item()
                )
                if not meta.higher_is_better:
                    opp = None  # "patients to reach target" is defined for higher-is-better measures
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
