"""A campaign's week-by-week progress as one user may see it.

Reads the campaign's results series (`gpqi run --series NAME --dates weekly:...`, practice rows
only, reporting dates between the campaign's start and end) and keeps the practices in shared
views. Verdicts are computed once per series version on the raw counts and are the same for
every viewer (`verdicts`): each practice's trajectory, whether it is behind in each week, how
many practices are behind, and its rank (`gpqi.access.ranking`, among the practices whose latest
counts are not redacted for outsiders, so a hidden practice never occupies a rank). Then, per
user scope (`progress_for`): labels by name or pseudonym, other practices' counts through the
disclosure gate, and the programme's weekly totals by the gate's totals rule (own part raw,
others' part disclosed). Nothing here holds patient-level data: the series holds counts only.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from gpqi.access import disclosure as gate
from gpqi.access.memo import MEMO
from gpqi.access.ranking import competition_ranks
from gpqi.access.scope import Access
from gpqi.access.trajectory import expected, season_shape, shape_note
from gpqi.workspace import Workspace, WorkspaceError

T = TypeVar("T")


@dataclass(frozen=True)
class CampaignSpec:
    """What progress depends on of a campaign (the web app builds it from its model)."""

    pk: int
    name: str
    indicator_id: str
    higher_is_better: bool
    series: str
    start: dt.date
    end: dt.date
    target: float
    reach_by: dt.date
    overrides: tuple[tuple[str, float], ...] = ()  # practice code -> its own target
    version: str = ""  # the campaign's last change (part of every memo key)


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
    weekly: list[float | None] = field(default_factory=list)  # uptake in each of CampaignProgress.weeks
    is_behind: bool = False  # the verdict on the raw counts (the same for every viewer)

    @property
    def gap(self) -> float | None:
        """Uptake minus the trajectory (percentage points as a proportion); None if redacted."""
        return None if self.value is None else self.value - self.expected

    @property
    def behind(self) -> bool:
        return self.is_behind

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
class CampaignProgress:
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
    shape_seasons: int = 0  # earlier seasons the trajectory's shape comes from (0: a straight line)
    behind_count: int = 0  # practices behind at the latest week (verdict on raw counts)

    @property
    def latest(self) -> dt.date | None:
        return self.weeks[-1] if self.weeks else None

    @property
    def trajectory_note(self) -> str:
        """Where the trajectory's shape comes from (`gpqi.access.trajectory.shape_note`)."""
        return shape_note(self.shape_seasons)

    # cached: a CampaignProgress is complete when built, and memoised for reuse

    @cached_property
    def behind(self) -> list[Standing]:
        """The practices behind that the user may see as behind (their values shown)."""
        return [s for s in self.practices if s.behind and s.value is not None]

    @cached_property
    def ranked(self) -> list[Standing]:
        return [s for s in self.practices if s.rank is not None]

    def own(self) -> list[Standing]:
        return self._own

    @cached_property
    def _own(self) -> list[Standing]:
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


@dataclass(frozen=True)
class Verdicts:
    """The campaign's verdicts on raw counts, for every shared practice (rows) and week."""

    codes: list[str]
    weeks: list[dt.date]
    targets: list[float]
    expect: np.ndarray  # practices x weeks: each practice's trajectory
    behind: np.ndarray  # practices x weeks: below its trajectory (practices without a value are not)
    rank: np.ndarray  # at the latest week; NaN: not ranked (no value, or redacted for outsiders)
    programme_expected: list[float]
    shape_seasons: int = 0  # earlier seasons the trajectory's shape comes from (0: a straight line)


def _series_version(ws: Workspace, spec: CampaignSpec) -> tuple:
    try:
        stat = ws.series_results_path(spec.series).stat()
    except (OSError, WorkspaceError):
        return ()
    return (str(ws.root), spec.series, stat.st_mtime_ns, stat.st_size)


def _shared_frame(spec: CampaignSpec, access: Access, ws: Workspace) -> pd.DataFrame:
    frame = read_series(ws, spec.series, spec.indicator_id, spec.start, spec.end)
    frame = frame[frame["org_code"].isin(access.shared)].reset_index(drop=True)
    # practices left out must not come back as empty categories (in the pivot below)
    frame["org_code"] = frame["org_code"].cat.remove_unused_categories()
    if frame.empty:
        raise NoSeries("No practice in this campaign has an agreement in force that you may see.")
    return frame


def _grid(frame: pd.DataFrame, column: str, weeks: list[dt.date]) -> pd.DataFrame:
    return frame.pivot(index="org_code", columns="reporting_date", values=column).reindex(columns=weeks)


def verdicts(spec: CampaignSpec, access: Access, ws: Workspace) -> Verdicts:
    """Behind, trajectory and rank of every shared practice, on raw counts (memoised once per
    series version, campaign version and set of shared practices)."""

    def compute() -> Verdicts:
        frame = _shared_frame(spec, access, ws)
        weeks = sorted(set(frame["reporting_date"]))
        num = _grid(frame, "numerator", weeks)
        den = _grid(frame, "denominator", weeks)
        codes = [str(c) for c in num.index]
        values = gate.rate(num.to_numpy(dtype="float64"), den.to_numpy(dtype="float64"))
        overrides = dict(spec.overrides)
        targets = [overrides.get(code, spec.target) for code in codes]
        shape = season_shape(ws, spec.indicator_id, spec.start, spec.reach_by)
        trajectory = {
            t: [expected(w, spec.start, spec.reach_by, t, shape) for w in weeks]
            for t in set(targets) | {spec.target}
        }
        expect = np.array([trajectory[t] for t in targets], dtype="float64").reshape(len(codes), len(weeks))
        behind = np.nan_to_num(values, nan=np.inf) < expect - 1e-12
        policy = gate.Policy.of(ws)
        last_num, last_den = gate.pairs(policy, num.to_numpy()[:, -1], den.to_numpy()[:, -1])
        disclosable = ~np.isnan(gate.rate(last_num, last_den))
        latest = np.where(disclosable, values[:, -1], np.nan)
        rank = competition_ranks(latest, spec.higher_is_better)
        return Verdicts(codes, weeks, targets, expect, behind, rank, trajectory[spec.target], shape.seasons)

    key = ("campaign-verdicts", spec, _series_version(ws, spec), len(access.shared), hash(access.shared))
    if not key[2]:
        return compute()  # no series yet: compute says why
    return MEMO.get(key, compute)


def compute(spec: CampaignSpec, access: Access, ws: Workspace) -> CampaignProgress:
    """The campaign's progress for a user; NoSeries when there is nothing to show yet.

    Works on whole arrays (practices x weeks): at national scale a campaign has thousands of
    practices and dozens of weeks, and a page must not loop over each cell in pandas."""
    v = verdicts(spec, access, ws)
    frame = _shared_frame(spec, access, ws)
    weeks = v.weeks
    policy = gate.Policy.of(ws)
    num = _grid(frame, "numerator", weeks).to_numpy(dtype="float64")
    den = _grid(frame, "denominator", weeks).to_numpy(dtype="float64")
    mine = np.array([c in access.own for c in v.codes], dtype=bool)
    # Disclose other practices' counts first; everything shown after is built from these.
    shown_num, shown_den = num.copy(), den.copy()
    if (~mine).any():
        shown_num[~mine], shown_den[~mine] = gate.pairs(policy, num[~mine], den[~mine])
    values = gate.rate(shown_num, shown_den)

    def cell(x: float) -> float | None:
        return None if np.isnan(x) else float(x)

    standings = [
        Standing(
            code=code,
            label=access.label(code),
            own=bool(mine[i]),
            named=access.is_named(code),
            target=v.targets[i],
            numerator=cell(shown_num[i, -1]),
            denominator=cell(shown_den[i, -1]),
            value=cell(values[i, -1]),
            expected=float(v.expect[i, -1]),
            rank=None if np.isnan(v.rank[i]) else int(v.rank[i]),
            weekly=[cell(x) for x in values[i]],
            is_behind=bool(v.behind[i, -1]),
        )
        for i, code in enumerate(v.codes)
    ]
    standings.sort(key=lambda s: (s.rank is None, s.rank or 0, s.value is None, s.label))

    # Programme: the gate's totals rule (own part raw, the others' part disclosed).
    has_others = bool((~mine).any())
    own_num, own_den = np.nansum(num[mine], axis=0), np.nansum(den[mine], axis=0)
    all_num, all_den = np.nansum(num, axis=0), np.nansum(den, axis=0)
    t_num = gate.totals(policy, own_num, all_num - own_num, has_others)
    t_den = gate.totals(policy, own_den, all_den - own_den, has_others)
    behind_counts = v.behind.sum(axis=0)
    programme = [
        Week(
            week,
            cell(t_num[j]),
            cell(t_den[j]),
            cell(gate.rate(t_num[j], t_den[j])),
            v.programme_expected[j],
            int(behind_counts[j]),
        )
        for j, week in enumerate(weeks)
    ]
    return CampaignProgress(
        campaign_id=spec.pk,
        name=spec.name,
        indicator_id=spec.indicator_id,
        higher_is_better=spec.higher_is_better,
        target=spec.target,
        reach_by=spec.reach_by,
        weeks=weeks,
        programme=programme,
        practices=standings,
        programme_disclosed=has_others,
        central=access.is_central,
        behind_count=int(behind_counts[-1]),
        shape_seasons=v.shape_seasons,
    )


def progress_key(spec: CampaignSpec, access: Access, ws: Workspace) -> tuple | None:
    """Everything a user's progress depends on: the campaign (and its practice targets), the
    series file, the disclosure policy and the user's scope (own, shared and identifiable
    practices, and the practice register their labels come from). None while there is no
    series."""
    version = _series_version(ws, spec)
    if not version:
        return None
    return (
        "campaign-progress",
        spec,
        version,
        gate.Policy.of(ws),
        access.is_central,
        access.own,
        access.shared,
        access.identifiable,
        _register_labels(access),
    )


_labels_lock = threading.Lock()
_labels: dict[tuple[int, int], tuple[Any, ...]] = {}


def _register_labels(access: Access) -> tuple[tuple[str, str, str], ...]:
    """Code, name and pseudonym of every shared practice, sorted: part of the progress key (a
    renamed practice is a new entry). Built once per practice register and shared set (a request
    gets the process's cached register, `gpqi.web.permissions.governance`) rather than sorting
    thousands of practices on every request; the entry holds both, so their ids are not reused
    while it is kept."""
    ident = (id(access.practices), id(access.shared))
    with _labels_lock:
        hit = _labels.get(ident)
    if hit is not None and hit[0] is access.practices and hit[1] is access.shared:
        return hit[2]
    value = tuple(sorted((c, p.name, p.pseudonym) for c, p in access.practices.items() if c in access.shared))
    with _labels_lock:
        if len(_labels) >= 8:  # registers replaced by a change of agreements: keep a few
            _labels.clear()
        _labels[ident] = (access.practices, access.shared, value)
    return value


def progress_for(spec: CampaignSpec, access: Access, ws: Workspace) -> CampaignProgress:
    """`compute`, memoised in the one memo on everything the result depends on
    (`progress_key`). Users with the same scope share one entry; no entry is ever given to a
    user whose scope differs."""
    key = progress_key(spec, access, ws)
    if key is None:
        return compute(spec, access, ws)  # compute says why there is nothing to show
    return MEMO.get(key, lambda: compute(spec, access, ws))


def built_from_progress(
    spec: CampaignSpec, access: Access, ws: Workspace, name: str, build: Callable[[CampaignProgress], T]
) -> tuple[CampaignProgress, T]:
    """The user's progress and a value built from it alone (a page's tables and chart), the
    value memoised on the progress's key and `name`: at national scale building thousands of
    rows again on every request would cost more than the figures themselves."""
    key = progress_key(spec, access, ws)
    progress = progress_for(spec, access, ws)
    if key is None:
        return progress, build(progress)
    return progress, MEMO.get((name, *key), lambda: build(progress))


def position_line(s: Standing, p: CampaignProgress) -> str:
    """One sentence on a practice's position, for the home page's panel and the newsletter."""
    if s.value is None:
        return f"{s.label}: uptake not shown (small numbers)."
    where = (
        f"behind the trajectory ({s.expected:.1%}) by {-s.gap * 100:.1f} points; "
        f"{s.to_trajectory:,} more vaccinations would catch up"
        if s.behind
        else f"on track (trajectory {s.expected:.1%})"
    )
    ranked = f"ranked {s.rank} of {len(p.ranked)}" if s.rank is not None else "not ranked (small numbers)"
    return (
        f"{s.label}: {s.value:.1%} ({s.numerator:,.0f} of {s.denominator:,.0f}), "
        f"{ranked}, {where}; target {s.target:.0%}."
    )
