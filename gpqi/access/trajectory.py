"""The target trajectory: where a practice should be on each day of a campaign.

Rule (docs/campaigns.md): cumulative uptake is expected to follow the *shape of the season* from
0 on the campaign's start date to the target on its target date (the end date if none is set),
and to stay at the target after that. The shape is the programme's own earlier seasons of the
same indicator: for each complete season in the monthly results, the share of that season's
uptake at its target date reached by each month end, averaged over the seasons. Flu campaigns
are front-loaded (most vaccinations are given in October and November, as the national weekly
uptake curves show), so a straight line would call no practice behind through the peak weeks
and nearly every practice behind in February. Without an earlier season the trajectory is a
straight line, which is stated on the page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow.parquet as pq

from gpqi.engine.dates import years_before
from gpqi.workspace import Workspace

MIN_SEASON_UPTAKE = 0.01  # a season whose uptake at the target date is below this has no shape


@dataclass(frozen=True)
class SeasonShape:
    """Share of the season's uptake (at the target date) reached by each day since the start:
    piecewise linear through `days` -> `share`, 0 at day 0, 1 at the target date."""

    days: tuple[int, ...]
    share: tuple[float, ...]
    seasons: int  # how many earlier seasons it was measured on (0: the straight line)

    def at(self, day: int) -> float:
        return float(np.interp(day, self.days, self.share))


def shape_note(seasons: int) -> str:
    """Where a trajectory's shape comes from, in words, for the campaign page and newsletter."""
    if seasons:
        plural = "s" if seasons != 1 else ""
        return (
            f"it follows the shape of this programme's own {seasons} earlier season{plural} of the same "
            "indicator (the share of each season's uptake reached by each month end, averaged), so it "
            "rises fastest in the weeks the programme has vaccinated most before"
        )
    return (
        "with no earlier season of this indicator in the programme's results to take the season's "
        "shape from, it is a straight line; a season's real uptake is front-loaded, so early weeks "
        "are judged leniently and late ones strictly"
    )


def straight(start: dt.date, reach_by: dt.date) -> SeasonShape:
    return SeasonShape((0, (reach_by - start).days), (0.0, 1.0), 0)


def expected(
    day: dt.date, start: dt.date, reach_by: dt.date, target: float, shape: SeasonShape | None = None
) -> float:
    """The trajectory's value on `day`: 0 up to `start`, `target` from `reach_by` on, and in
    between `target` times the season shape's share on that day (a straight line without one)."""
    if reach_by <= start:
        raise ValueError("reach_by: must be after start")
    if not 0.0 <= target <= 1.0:
        raise ValueError("target: must be between 0 and 1")
    if day <= start:
        return 0.0
    if day >= reach_by:
        return target
    shape = shape or straight(start, reach_by)
    return target * min(1.0, max(0.0, shape.at((day - start).days)))


def season_shape(ws: Workspace, indicator_id: str, start: dt.date, reach_by: dt.date) -> SeasonShape:
    """The shape of earlier seasons in the workspace's monthly results: for each earlier year
    whose season (same start day and month) is complete by its target date, the programme-wide
    cumulative value at each reporting date divided by its value on the last date on or before
    the target date; averaged over seasons. The straight line when there is no earlier season."""
    length = (reach_by - start).days
    if not ws.results_path.exists():
        return straight(start, reach_by)
    frame = pq.read_table(
        ws.results_path,
        columns=["indicator_id", "reporting_date", "org_type", "numerator", "denominator"],
        filters=[
            ("indicator_id", "=", indicator_id),
            ("org_type", "=", "programme"),
            ("reporting_date", "<", start),
        ],
    ).to_pandas()
    if frame.empty:
        return straight(start, reach_by)
    frame = frame.groupby("reporting_date", as_index=False)[["numerator", "denominator"]].sum()
    frame["value"] = frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)
    curves: list[np.ndarray] = []
    grid = np.arange(0, length + 1)
    for years_back in range(1, 11):
        s = years_before(start, years_back)
        end = s + dt.timedelta(days=length)
        season = frame[(frame["reporting_date"] > s) & (frame["reporting_date"] <= end)].dropna()
        if len(season) < 3 or end >= start:
            continue
        days = np.array([(d - s).days for d in season["reporting_date"]])
        final = float(season["value"].iloc[-1])
        if days[-1] < length - 31 or final < MIN_SEASON_UPTAKE:
            continue  # the season's results stop well before its target date
        share = np.clip(season["value"].to_numpy(dtype="float64") / final, 0.0, 1.0)
        share = np.maximum.accumulate(share)  # cumulative uptake never falls back
        curves.append(np.interp(grid, np.r_[0, days, length], np.r_[0.0, share, 1.0]))
    if not curves:
        return straight(start, reach_by)
    mean = np.mean(curves, axis=0)
    knots = np.unique(np.r_[np.arange(0, length, 7), length])
    return SeasonShape(tuple(int(k) for k in knots), tuple(float(mean[k]) for k in knots), len(curves))
