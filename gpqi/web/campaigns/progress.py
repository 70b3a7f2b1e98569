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
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
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
    weekly: list[float | None] = field(default_factory=list)  # uptake in each of Progress.weeks

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

    # cached: a Progress is complete when built (ranks are set before), and memoised for reuse
    @cached_property
    def behind(self) -> list[Standing]:
        return [s for s in self.practices if s.behind]

    @cached_property
    def ranked(self) -> list[Standing]:
        return [s for s in self.practices if s.rank is not None]

    def own(self) -> list[Standing]:
        return [s for s in self.practices if s.own]

    @cached_property
    def spread(self) -> list[dict[str, Any]]:
        """Each week's 10th, 50th and 90th percentile of the practices' uptake as shown to the
        user (disclosed; suppressed practices left out): the chart's band at national scale."""
        values = np.array(
            [[np.nan if v is None else v for v in s.weekly] for s in self.practices], dtype="float64"
        ).reshape(len(self.practices), len(self.weeks))
        out = []
        for j, week in enumerate(self.weeks):
            column = values[:, j][~np.isnan(values[:, j])]
            if len(column):
                low, median, high = np.percentile(column, [10, 50, 90])
                out.append({"date": week, "low": float(low), "median": float(median), "high": float(high)})
        return out


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
        read_dictionary=["org_code"],  # categorical: thousands of practices repeat every week
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
    """The campaign's progress for a user; NoSeries when there is nothing to show yet.

    Works on whole arrays (practices x weeks): at national scale a campaign has thousands of
    practices and dozens of weeks, and a page must not loop over each cell in pandas."""
    from gpqi.indicators import get

    indicator = get(campaign.indicator_id)
    policy = ws.config.disclosure
    frame = read_series(ws, campaign.series, campaign.indicator_id, campaign.start, campaign.end)
    frame = frame[frame["org_code"].isin(access.shared)].reset_index(drop=True)
    # practices left out must not come back as empty categories (in the pivot below)
    frame["org_code"] = frame["org_code"].cat.remove_unused_categories()
    weeks = sorted(set(frame["reporting_date"]))
    if not weeks:
        raise NoSeries("No practice in this campaign has an agreement in force that you may see.")
    overrides = campaign.overrides()
    reach_by = campaign.reach_by
    latest = weeks[-1]

    # Disclose other practices' counts first; everything after works on what may be shown.
    others = ~frame["org_code"].isin(access.own).to_numpy()
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

    # practices x weeks: values; the latest week's counts; each practice's trajectory
    grid = shown.pivot(index="org_code", columns="reporting_date", values="value").reindex(columns=weeks)
    codes = [str(c) for c in grid.index]
    values = grid.to_numpy(dtype="float64")
    last = shown[shown["reporting_date"] == latest].set_index("org_code").reindex(grid.index)
    targets = [overrides.get(code, campaign.target) for code in codes]
    trajectory = {
        t: [expected(w, campaign.start, reach_by, t) for w in weeks] for t in set(targets) | {campaign.target}
    }
    expect = np.array([trajectory[t] for t in targets], dtype="float64").reshape(len(codes), len(weeks))
    behind_by_week = np.nan_to_num(values, nan=np.inf) < expect - 1e-12
    cells = np.where(np.isnan(values), None, values.astype(object)).tolist()

    def column(name: str) -> list[float | None]:
        raw = last[name].to_numpy(dtype="float64")
        return np.where(np.isnan(raw), None, raw.astype(object)).tolist()

    standings = [
        Standing(
            code=code,
            label=access.label(code),
            own=code in access.own,
            named=access.is_named(code),
            target=targets[i],
            numerator=num,
            denominator=den,
            value=val,
            expected=float(expect[i, -1]),
            weekly=cells[i],
        )
        for i, (code, num, den, val) in enumerate(
            zip(codes, column("numerator"), column("denominator"), column("value"), strict=True)
        )
    ]
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
    behind_counts = behind_by_week.sum(axis=0)
    programme: list[Week] = []
    for j, week in enumerate(weeks):
        num, den = float(totals.loc[week, "numerator"]), float(totals.loc[week, "denominator"])
        if programme_disclosed:
            num = disclose(num, policy.redact_at_or_below, policy.round_to)
            den = disclose(den, policy.redact_at_or_below, policy.round_to)
        num_o = None if num is None or math.isnan(num) else float(num)
        den_o = None if den is None or math.isnan(den) else float(den)
        value = num_o / den_o if num_o is not None and den_o else None
        programme.append(
            Week(week, num_o, den_o, value, trajectory[campaign.target][j], int(behind_counts[j]))
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


MEMO_ENTRIES = 16  # Progress objects kept per process (one per campaign and user scope)
_memo: OrderedDict[tuple, tuple[dict, Progress]] = OrderedDict()
_memo_lock = threading.Lock()
_pending: dict[tuple, threading.Lock] = {}


def progress_for(campaign, access: Access, ws: Workspace) -> Progress:  # noqa: ANN001 - a Campaign
    """`compute`, memoised per process on everything the result depends on: the campaign (and
    its practice targets), the series file, and the user's scope (own, shared and identifiable
    practices, and the practice register their labels come from). Users with the same scope
    (a practice's staff, a network's lead, the central team) share one entry; no entry is ever
    given to a user whose scope differs."""
    try:
        stat = ws.series_results_path(campaign.series).stat()
    except (OSError, WorkspaceError):
        return compute(campaign, access, ws)  # compute says why there is nothing to show
    key = (
        campaign.pk,
        campaign.updated_at,
        tuple(sorted(campaign.overrides().items())),
        str(ws.root),
        ws.config.disclosure.redact_at_or_below,
        ws.config.disclosure.round_to,
        stat.st_mtime_ns,
        stat.st_size,
        access.is_central,
        access.own,
        access.shared,
        access.identifiable,
        id(access.practices),  # the register is rebuilt (a new dict) when practices change;
        # each entry keeps its register alive (below), so this id cannot be reused meanwhile
    )
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key][1]
        # one computation per key: users of one scope arriving together wait for it rather than
        # each working it out (they would share the process's one core under the GIL)
        pending = _pending.setdefault(key, threading.Lock())
    with pending:
        with _memo_lock:
            if key in _memo:
                return _memo[key][1]
        try:
            progress = compute(campaign, access, ws)
            with _memo_lock:
                _memo[key] = (access.practices, progress)
                while len(_memo) > MEMO_ENTRIES:
                    _memo.popitem(last=False)
        finally:
            with _memo_lock:
                _pending.pop(key, None)
    return progress


def central_access() -> Access:
    """The central team's view (every practice named, exact counts), for the CLI; agreements
    still apply: practices without one in force are left out."""
    from types import SimpleNamespace

    from gpqi.web.permissions import build_access

    return build_access(SimpleNamespace(is_authenticated=True, is_superuser=True, profile=None))
