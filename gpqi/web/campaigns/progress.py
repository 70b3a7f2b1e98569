"""A campaign's week-by-week progress as one user may see it.

Reads the campaign's results series (`gpqi run --series NAME --dates weekly:...`, practice rows
only, reporting dates between the campaign's start and end), keeps the practices in shared views
(`Access.visible`), labels them by name or pseudonym (`Access.label`) and discloses the counts of
practices that are not the user's own (gpqi.stats.disclose_table, the workspace's thresholds)
before anything is computed from them. The programme total is the sum over the practices shown,
disclosed unless every one of them is the user's own. Nothing here holds patient-level data: the
series holds counts only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd
import pyarrow.parquet as pq

from gpqi.stats import disclose, disclose_table
from gpqi.web.campaigns.trajectory import expected
from gpqi.web.permissions import Access
from gpqi.workspace import Workspace, WorkspaceError


class NoSeries(RuntimeError):
    """The campaign's results series has not been computed yet (or holds no campaign weeks)."""


@dataclass(frozen=True)
class Week:
    date: dt.date
    numerator: float | None  # None when redacted
    denominator: float | None
    value: float | None
    expected: float
    behind: int = 0  # practices below their trajectory that week (among those with a value)


@dataclass
class Standing:
    """One practice at the latest week."""

    code: str
    label: str
    own: bool
    named: bool
    target: float
    numerator: float | None
    denominator: float | None
    value: float | None
    expected: float
    rank: int | None = None
    weekly: list[tuple[dt.date, float | None]] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        """Uptake minus the trajectory (percentage points as a proportion); None if redacted."""
        return None if self.value is None else self.value - self.expected

    @property
    def behind(self) -> bool:
        return self.value is not None and self.value < self.expected - 1e-12

    @property
    def to_trajectory(self) -> int | None:
        """More people vaccinated needed to be back on the trajectory (from the counts shown)."""
        if self.value is None or self.denominator is None:
            return None
        return max(0, math.ceil(self.expected * self.denominator - (self.numerator or 0) - 1e-9))

    @property
    def to_target(self) -> int | None:
        if self.value is None or self.denominator is None:
            return None
        return max(0, math.ceil(self.target * self.denominator - (self.numerator or 0) - 1e-9))


@dataclass
class Progress:
    campaign_id: int
    name: str
    indicator_id: str
    higher_is_better: bool
    target: float
    reach_by: dt.date
    weeks: list[dt.date]
    programme: list[Week]
    practices: list[Standing]  # ranked: best first, redacted last
    programme_disclosed: bool
    central: bool = False  # the central team's view: every practice is "own", none highlighted

    @property
    def latest(self) -> dt.date | None:
        return self.weeks[-1] if self.weeks else None

    @property
    def behind(self) -> list[Standing]:
        return [s for s in self.practices if s.behind]

    @property
    def ranked(self) -> list[Standing]:
        return [s for s in self.practices if s.rank is not None]

    def own(self) -> list[Standing]:
        return [s for s in self.practices if s.own]


def read_series(ws: Workspace, series: str, indicator_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Practice rows of one indicator in a series between two dates (inclusive)."""
    try:
        path = ws.series_results_path(series)
    except WorkspaceError as exc:
        raise NoSeries(str(exc)) from None
    if not path.exists():
        raise NoSeries(
            f"The results series {series!r} has not been computed yet: run "
            f"`gpqi run --indicators {indicator_id} --series {series} --dates weekly:{start}..{end}`."
        )
    table = pq.read_table(
        path,
        columns=["indicator_id", "reporting_date", "org_type", "org_code", "numerator", "denominator"],
        filters=[
            ("indicator_id", "=", indicator_id),
            ("org_type", "=", "practice"),
            ("reporting_date", ">=", start),
            ("reporting_date", "<=", end),
        ],
    )
    frame = table.to_pandas()
    if frame.empty:
        raise NoSeries(
            f"The results series {series!r} has no results for {indicator_id} between {start} and {end}."
        )
    return frame


def compute(campaign, access: Access, ws: Workspace) -> Progress:  # noqa: ANN001 - a Campaign
    """The campaign's progress for a user; NoSeries when there is nothing to show yet."""
    from gpqi.indicators import get

    indicator = get(campaign.indicator_id)
    policy = ws.config.disclosure
    frame = read_series(ws, campaign.series, campaign.indicator_id, campaign.start, campaign.end)
    visible = set(access.visible())
    frame = frame[frame["org_code"].isin(visible)].copy()
    weeks = sorted(set(frame["reporting_date"]))
    if not weeks:
        raise NoSeries("No practice in this campaign has an agreement in force that you may see.")
    overrides = campaign.overrides()
    reach_by = campaign.reach_by

    # Disclose other practices' counts first; everything after works on what may be shown.
    others = frame["org_code"].map(access.needs_disclosure).astype(bool)
    shown = frame.copy()
    shown["value"] = shown["numerator"] / shown["denominator"].where(shown["denominator"] > 0)
    if others.any():
        disclosed = disclose_table(
            frame[others], redact_at_or_below=policy.redact_at_or_below, round_to=policy.round_to
        )
        shown.loc[others, ["numerator", "denominator", "value"]] = disclosed[
            ["numerator", "denominator", "value"]
        ].to_numpy()
    shown = shown.astype({"numerator": "float64", "denominator": "float64", "value": "float64"})

    def opt(x: float) -> float | None:
        return None if x is None or pd.isna(x) else float(x)

    standings: list[Standing] = []
    latest = weeks[-1]
    for code, rows in shown.groupby("org_code"):
        code = str(code)
        rows = rows.set_index("reporting_date")
        target = overrides.get(code, campaign.target)
        last = rows.loc[latest] if latest in rows.index else None
        standings.append(
            Standing(
                code=code,
                label=access.label(code),
                own=code in access.own,
                named=access.is_named(code),
                target=target,
                numerator=opt(last["numerator"]) if last is not None else None,
                denominator=opt(last["denominator"]) if last is not None else None,
                value=opt(last["value"]) if last is not None else None,
                expected=expected(latest, campaign.start, reach_by, target),
                weekly=[(w, opt(rows.loc[w, "value"]) if w in rows.index else None) for w in weeks],
            )
        )
    sign = -1 if indicator.higher_is_better else 1
    standings.sort(key=lambda s: (s.value is None, sign * (s.value or 0.0), s.label))
    rank = 0
    previous: float | None = None
    for position, s in enumerate(standings, start=1):
        if s.value is None:
            continue
        if s.value != previous:
            rank, previous = position, s.value
        s.rank = rank

    # Programme: raw sums over the practices shown, then disclosed unless all are the user's own.
    programme_disclosed = bool(others.any())
    totals = frame.groupby("reporting_date")[["numerator", "denominator"]].sum()
    programme: list[Week] = []
    for week in weeks:
        num, den = float(totals.loc[week, "numerator"]), float(totals.loc[week, "denominator"])
        if programme_disclosed:
            num = disclose(num, policy.redact_at_or_below, policy.round_to)
            den = disclose(den, policy.redact_at_or_below, policy.round_to)
        num_o, den_o = opt(num), opt(den)
        value = num_o / den_o if num_o is not None and den_o else None
        behind = 0
        for s in standings:
            v = dict(s.weekly).get(week)
            if v is not None and v < expected(week, campaign.start, reach_by, s.target) - 1e-12:
                behind += 1
        programme.append(
            Week(week, num_o, den_o, value, expected(week, campaign.start, reach_by, campaign.target), behind)
        )
    return Progress(
        campaign_id=campaign.pk,
        name=campaign.name,
        indicator_id=campaign.indicator_id,
        higher_is_better=indicator.higher_is_better,
        target=campaign.target,
        reach_by=reach_by,
        weeks=weeks,
        programme=programme,
        practices=standings,
        programme_disclosed=programme_disclosed,
        central=access.is_central,
    )


def central_access() -> Access:
    """The central team's view (every practice named, exact counts), for the CLI; agreements
    still apply: practices without one in force are left out."""
    from types import SimpleNamespace

    from gpqi.web.permissions import build_access

    return build_access(SimpleNamespace(is_authenticated=True, is_superuser=True, profile=None))
