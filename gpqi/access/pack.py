"""The monthly meeting pack's figures: a practice, a network or the programme at one month, as one
user (or the audience the command names) may see them. Everything a pack shows comes from here;
`gpqi.reports.pack` only lays it out.

- **Headline**: every indicator's value at the month with its counts as the viewer may see them
  (a practice of their own raw; a group by the gate's totals rule, `figures.group_series`), its
  target, and the Making Data Count variation and assurance of the scope's series up to that
  month, computed on raw counts (a verdict: the same for every viewer).
- **Most to gain**: the indicators where the scope is furthest from its target in patients
  (`figures.patients_to_reach` on the counts shown), each with its SPC series (the counts shown),
  a one-sentence reading of the chart, and its funnel position (a practice's flag and rank among
  the shared practices; a group's members above and below the 99.8% limits, verdicts on raw
  counts) and the network incentive status (earned or not, a verdict on the raw sums).
No patient-level data is read: only the engine's results (counts per practice and date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gpqi.access import figures
from gpqi.access.errors import NotVisible
from gpqi.access.figures import SeriesSpc
from gpqi.access.focus import Focus
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.results import ResultsStore
from gpqi.access.scope import Access
from gpqi.workspace import Workspace

__all__ = ["GAIN_COUNT", "Gain", "Headline", "PackFigures", "month_date", "pack_figures", "reading"]

GAIN_COUNT = 4  # indicators shown with a chart (the pack's "most to gain")

VARIATION_WORDS = {
    "special_cause_improvement": "special-cause improvement",
    "special_cause_concern": "special-cause concern",
    "special_cause_neutral_high": "special-cause variation (higher)",
    "special_cause_neutral_low": "special-cause variation (lower)",
    "common_cause": "common-cause variation only",
}
ASSURANCE_WORDS = {
    "consistent_pass": "the target is consistently met",
    "consistent_fail": "the target is consistently missed: the process must change to meet it",
    "inconsistent": "the target is not yet consistently met",
}


@dataclass
class Headline:
    meta: IndicatorMeta
    numerator: float | None  # as shown to the viewer (NaN-free: None where redacted)
    denominator: float | None
    value: float | None
    target: float | None
    variation: str | None  # verdicts on raw counts
    assurance: str | None
    opportunity: int | None  # patients to reach the target, from the counts shown
    disclosed: bool  # part of these counts passed the disclosure gate


@dataclass
class Gain:
    headline: Headline
    series: SeriesSpc  # of the counts shown, up to the month
    reading: str
    funnel: str  # one sentence on the funnel position
    incentive: str | None  # one sentence on the network incentive, if the indicator has a target


@dataclass
class PackFigures:
    focus: Focus
    scope_label: str
    month: dt.date  # the reporting date in the month asked for
    data_as_of: str  # the results' run date (and snapshot)
    headline: list[Headline] = field(default_factory=list)
    gains: list[Gain] = field(default_factory=list)
    members: list[str] = field(default_factory=list)  # practice codes the scope covers
    disclosed: bool = False


def month_date(store: ResultsStore, month: str) -> dt.date:
    """The reporting date in `month` (YYYY-MM): its last; a clear error for a month without one."""
    try:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ValueError(f"--month {month!r}: expected YYYY-MM, e.g. 2026-03") from None
    dates = [d for d in store.dates() if (d.year, d.month) == (first.year, first.month)]
    if not dates:
        known = store.dates()
        span = f"{known[0]:%Y-%m} to {known[-1]:%Y-%m}" if known else "none"
        raise ValueError(f"--month {month}: no results for that month (results cover {span})")
    return dates[-1]


def reading(series: SeriesSpc, meta: IndicatorMeta) -> str:
    """One sentence on an SPC chart: the latest point's variation (since when, for special
    cause) and the assurance against the target."""
    result = series.result
    point = result.variation or "common_cause"
    words = VARIATION_WORDS.get(point, point.replace("_", " "))
    if point != "common_cause":
        types = list(result.table["point_type"])
        i = len(types) - 1
        while i > 0 and types[i - 1] == point:
            i -= 1
        since = series.dates[i] if i < len(series.dates) else None
        if since is not None:
            words += f" since {series.labels[i] if series.seasonal else since.strftime('%B %Y')}"
    sentence = words[0].upper() + words[1:]
    if meta.target is None:
        return sentence + "; the indicator has no target."
    return f"{sentence}; {ASSURANCE_WORDS.get(result.assurance or '', 'no assurance can be given yet')}."


def _f(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


def _scope_series(
    ws: Workspace, store: ResultsStore, access: Access, meta: IndicatorMeta, focus: Focus, date: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    """(shown, raw) series of the scope up to `date`, and whether the shown one is disclosed."""
    if focus.is_practice:
        raw = store.practice_series(focus.code, meta.id)
        raw = raw[(raw["denominator"] > 0) & (raw["reporting_date"] <= date)].reset_index(drop=True)
        return raw, raw, False
    shown, disclosed = figures.group_series(ws, store, access, meta.id, focus)
    raw = store.series_for(meta.id, focus.members(access))
    raw = raw[(raw["denominator"] > 0) & (raw["reporting_date"] <= date)].reset_index(drop=True)
    return shown[shown["reporting_date"] <= date].reset_index(drop=True), raw, disclosed


def _funnel_line(
    ws: Workspace, store: ResultsStore, access: Access, meta: IndicatorMeta, focus: Focus, date: dt.date
) -> str:
    frame, fb = figures.indicator_frame(
        ws, store, access, meta.id, date, "spiegelhalter", higher_is_better=meta.higher_is_better
    )
    if fb is None or not len(frame):
        return "No funnel plot at this month."
    n = int((frame["denominator"] > 0).sum())
    if focus.is_practice:
        row = frame[frame["org_code"] == focus.code]
        if not len(row):
            return "The practice has no result at this month."
        r = row.iloc[0]
        flag = r["outlier_998"] or r["outlier_95"]
        where = {
            "high": "above the upper 99.8% limit"
            if r["outlier_998"] == "high"
            else "above the upper 95% limit",
            "low": "below the lower 99.8% limit"
            if r["outlier_998"] == "low"
            else "below the lower 95% limit",
        }.get(str(flag), "inside the funnel's 95% limits")
        rank = "" if np.isnan(r["rank"]) else f"; ranked {int(r['rank'])} of {n} practices"
        return f"On the funnel plot of {n} practices, {access.label(focus.code)} is {where}{rank}."
    mine = frame[frame["org_code"].isin(focus.members(access))]
    high = int((mine["outlier_998"] == "high").sum())
    low = int((mine["outlier_998"] == "low").sum())
    return (
        f"Of the scope's {len(mine)} practices on the funnel plot of {n}: {high} above and {low} below the "
        "99.8% limits."
    )


def _incentive_line(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    meta: IndicatorMeta,
    focus: Focus,
    date: dt.date,
    overrides: dict[str, float],
) -> str | None:
    if meta.target is None and not overrides:
        return None
    sums = figures.network_sums(ws, store, access, meta.id, date)
    targets, earned = figures.network_incentives(store, sums, meta, overrides)
    if focus.is_programme:
        done = sum(1 for e in earned if e)
        known = sum(1 for e in earned if e is not None)
        return f"{done} of {known} networks earn the incentive (combined value at or beyond the target)."
    network = focus.code if focus.is_network else access.practices[focus.code].network_code
    if network not in sums.networks:
        return None
    i = sums.networks.index(network)
    if earned[i] is None or targets[i] is None:
        return None
    verb = "earns" if earned[i] else "does not yet earn"
    return (
        f"Network {network} {verb} the incentive (target {targets[i]:.0%} on its practices' combined value)."
    )


def pack_figures(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    focus: Focus,
    month: str,
    catalogue: dict[str, IndicatorMeta],
    network_overrides: dict[str, dict[str, float]] | None = None,
    scope_label: str | None = None,
) -> PackFigures:
    """The pack of `focus` at `month` as `access` may see it (NotVisible if they may not ask for
    it; ValueError for a month without results)."""
    focus.check(access)
    members = focus.members(access)
    if not members:
        raise NotVisible("No practices with an agreement in force in this scope")
    date = month_date(store, month)
    info = store.run_info() or {}
    as_of = str(info.get("finished_at") or info.get("run_at") or info.get("started_at") or "unknown")[:10]
    if focus.is_practice:
        label = scope_label or access.label(focus.code)
    elif focus.is_network:
        label = scope_label or f"Network {focus.code}"
    else:
        label = scope_label or "The whole programme"
    pack = PackFigures(focus, label, date, as_of, members=members)
    for meta in catalogue.values():
        if meta.kind == "campaign":
            continue
        shown, raw, disclosed = _scope_series(ws, store, access, meta, focus, date)
        if not len(shown) or shown["reporting_date"].iloc[-1] != date:
            continue
        last = shown.iloc[-1]
        verdict = None
        if len(raw) >= 2:
            verdict = figures.spc_of(
                raw["numerator"], raw["denominator"], list(raw["reporting_date"]), meta
            ).result
        num, den = _f(float(last["numerator"])), _f(float(last["denominator"]))
        h = Headline(
            meta=meta,
            numerator=num,
            denominator=den,
            value=_f(float(last["value"])),
            target=meta.target,
            variation=verdict.variation if verdict else None,
            assurance=verdict.assurance if verdict else None,
            opportunity=figures.patients_to_reach(
                int(num) if num is not None else None,
                int(den) if den is not None else None,
                meta.target,
                meta.higher_is_better,
            ),
            disclosed=disclosed,
        )
        pack.disclosed = pack.disclosed or disclosed
        pack.headline.append(h)
    ranked = sorted((h for h in pack.headline if h.opportunity), key=lambda h: (-h.opportunity, h.meta.title))
    for h in ranked[:GAIN_COUNT]:
        shown, raw, _ = _scope_series(ws, store, access, h.meta, focus, date)
        if len(shown) < 2 or len(raw) < 2:
            continue
        series = figures.spc_of(
            shown["numerator"], shown["denominator"], list(shown["reporting_date"]), h.meta
        )
        # the sentence reads the verdict on raw counts (the same for everyone), the chart the counts shown
        raw_series = figures.spc_of(raw["numerator"], raw["denominator"], list(raw["reporting_date"]), h.meta)
        overrides = (network_overrides or {}).get(h.meta.id, {})
        pack.gains.append(
            Gain(
                headline=h,
                series=series,
                reading=reading(raw_series, h.meta),
                funnel=_funnel_line(ws, store, access, h.meta, focus, date),
                incentive=_incentive_line(ws, store, access, h.meta, focus, date, overrides),
            )
        )
    return pack
