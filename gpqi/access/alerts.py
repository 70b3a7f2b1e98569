"""Change alerts for a user's own practices at one month: which indicators changed, for the
monthly alerts digest (docs/alerts.md). An indicator alerts for a practice at a month when

- **CUSUM** (`gpqi.stats.cusum_alerts`, OpenPrescribing's rule: window 12, threshold 5 SDs of
  the window, slack half an SD, all from `[alerts]` in gpqi.toml) on the practice's percentile
  among its peers flags that month; the percentile (`gpqi.stats.percent_rank`, 0 lowest to 100
  highest) is taken each month among the shared practices (agreement in force) whose
  denominator reaches the minimum and whose counts every viewer may see (as ranks are:
  `figures.funnel_base`), so a small practice never moves anyone's percentile; or
- **SPC**: the practice's own chart (`figures.spc_of`, the pages' rule) shows special cause at
  that month's point that it did not show at the month before (a new special cause);

and, either way, only when the practice's denominator that month is at least `min_denominator`
(default 30): small numbers do not alert. Direction is applied after: a rise is an improvement
where higher is better. Alerts are ranked by the size of the percentile move (the month's
percentile against the CUSUM window's reference mean), largest first.

Only the user's own practices (raw counts: they are theirs) are alerted on; peers' figures enter
only as percentiles, never as counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gpqi import stats
from gpqi.access import disclosure as gate
from gpqi.access import figures
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.results import ResultsStore
from gpqi.access.scope import Access
from gpqi.workspace import Workspace

__all__ = ["Alert", "AlertSettings", "alerts_for", "practice_alerts", "percentiles"]


@dataclass(frozen=True)
class AlertSettings:
    min_denominator: int = 30
    window: int = 12
    sensitivity: float = 5.0

    @classmethod
    def of(cls, ws: Workspace) -> AlertSettings:
        cfg = ws.config.alerts
        return cls(cfg.min_denominator, cfg.window, cfg.sensitivity)


@dataclass(frozen=True)
class Alert:
    practice_code: str
    practice_label: str
    meta: IndicatorMeta
    date: dt.date
    improvement: bool  # else a deterioration
    cusum: bool  # CUSUM on the percentile flagged it
    spc: str | None  # the new special cause's rule (outside_limits, shift, trend, two_of_three)
    value: float  # the practice's own value that month (its own: exact)
    previous: float | None  # its value the month before
    numerator: int
    denominator: int
    percentile: float | None  # among peers that month (0 lowest, 100 highest)
    reference: float | None  # the CUSUM window's mean percentile
    shift: float  # |percentile - reference|: the ranking key

    @property
    def kind(self) -> str:
        if self.cusum and self.spc:
            return "CUSUM on percentile and SPC special cause"
        return "CUSUM on percentile" if self.cusum else "SPC special cause"


def percentiles(
    ws: Workspace, store: ResultsStore, access: Access, indicator_id: str, min_denominator: int
) -> pd.DataFrame:
    """Each shared practice's percentile among its peers at every date (rows: dates; columns:
    practice codes; NaN where the practice is left out: denominator below the minimum, or counts
    redacted for outsiders). Memoised per results version and set of shared practices."""

    def compute() -> pd.DataFrame:
        f = store.indicator_since(indicator_id, dt.date.min)
        f = f[f["org_code"].isin(access.shared)]
        num = f["numerator"].to_numpy(dtype="float64")
        den = f["denominator"].to_numpy(dtype="float64")
        dn, dd = gate.pairs(gate.Policy.of(ws), num, den)
        ok = (den >= min_denominator) & ~np.isnan(gate.rate(dn, dd))
        value = np.where(ok, num / np.where(den > 0, den, 1), np.nan)
        wide = (
            pd.DataFrame(
                {"date": f["reporting_date"].to_numpy(), "org": f["org_code"].to_numpy(), "v": value}
            )
            .pivot_table(index="date", columns="org", values="v", aggfunc="first", dropna=False)
            .sort_index()
        )
        ranked = np.vstack([stats.percent_rank(row) for row in wide.to_numpy()]) if len(wide) else wide
        return pd.DataFrame(ranked, index=[pd.Timestamp(d).date() for d in wide.index], columns=wide.columns)

    key = ("alert-percentiles", indicator_id, min_denominator, len(access.shared), hash(access.shared))
    return store.memo(key, compute)


def practice_alerts(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    practice_code: str,
    catalogue: dict[str, IndicatorMeta],
    date: dt.date,
    settings: AlertSettings,
) -> list[Alert]:
    """The alerts of one of the user's own shared practices at `date` (none for anyone else's)."""
    if practice_code not in access.own or practice_code not in access.shared:
        return []
    out = []
    for meta in catalogue.values():
        if meta.kind == "campaign":
            continue
        raw = store.practice_series(practice_code, meta.id)
        raw = raw[(raw["reporting_date"] <= date) & (raw["denominator"] > 0)].reset_index(drop=True)
        if not len(raw) or raw["reporting_date"].iloc[-1] != date:
            continue
        last = raw.iloc[-1]
        if int(last["denominator"]) < settings.min_denominator:
            continue  # small numbers never alert
        pct = percentiles(ws, store, access, meta.id, settings.min_denominator)
        cusum_dir = None
        percentile = reference = None
        if practice_code in pct.columns and date in pct.index:
            series = pct.loc[:date, practice_code]
            percentile = None if np.isnan(series.iloc[-1]) else float(series.iloc[-1])
            if series.notna().sum() > settings.window:
                result = stats.cusum_alerts(series.to_numpy(), settings.window, settings.sensitivity)
                cusum_dir = result["alert"].iloc[-1]
                ref = result["target_mean"].iloc[-1]
                reference = None if np.isnan(ref) else float(ref)
        spc_rule = _new_special_cause(raw, meta)
        if cusum_dir is None and spc_rule is None:
            continue
        rising = (
            cusum_dir == "up" if cusum_dir is not None else spc_rule[1] == "high"  # type: ignore[index]
        )
        value = float(last["numerator"]) / float(last["denominator"])
        previous = (
            float(raw["numerator"].iloc[-2]) / float(raw["denominator"].iloc[-2]) if len(raw) > 1 else None
        )
        shift = abs(percentile - reference) if percentile is not None and reference is not None else 0.0
        out.append(
            Alert(
                practice_code=practice_code,
                practice_label=access.label(practice_code),
                meta=meta,
                date=date,
                improvement=rising == meta.higher_is_better,
                cusum=cusum_dir is not None,
                spc=spc_rule[0] if spc_rule else None,
                value=value,
                previous=previous,
                numerator=int(last["numerator"]),
                denominator=int(last["denominator"]),
                percentile=percentile,
                reference=reference,
                shift=float(shift),
            )
        )
    return out


def _new_special_cause(raw: pd.DataFrame, meta: IndicatorMeta) -> tuple[str, str] | None:
    """(rule, "high"/"low") when the latest point is special cause and was not so the month
    before (the chart up to the previous month gave its last point no special cause in the
    same direction); None otherwise."""
    if len(raw) < 3:
        return None
    dates = list(raw["reporting_date"])
    now = figures.spc_of(raw["numerator"], raw["denominator"], dates, meta).result.table
    if now["rule"].iloc[-1] is None or now["direction"].iloc[-1] is None:
        return None
    before = figures.spc_of(raw["numerator"][:-1], raw["denominator"][:-1], dates[:-1], meta).result.table
    if before["rule"].iloc[-1] is not None and before["direction"].iloc[-1] == now["direction"].iloc[-1]:
        return None  # the same special cause carried on: not a change this month
    return str(now["rule"].iloc[-1]), str(now["direction"].iloc[-1])


def alerts_for(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    catalogue: dict[str, IndicatorMeta],
    date: dt.date,
    settings: AlertSettings,
) -> tuple[list[Alert], list[Alert]]:
    """(improvements, deteriorations) over all the user's own shared practices, each ranked by
    the size of the percentile move, largest first (ties by indicator title and practice)."""
    found = [
        a
        for code in access.own_shared()
        for a in practice_alerts(ws, store, access, code, catalogue, date, settings)
    ]
    key = lambda a: (-a.shift, a.meta.title, a.practice_label)  # noqa: E731
    return (
        sorted((a for a in found if a.improvement), key=key),
        sorted((a for a in found if not a.improvement), key=key),
    )
