"""Improvement programmes as pages use them: which programmes a network (or practice) is in, for
an indicator, and the dates at which SPC limits are recalculated (each programme's start and its
recorded changes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gpqi.web.governance.models import ImprovementProgramme


@dataclass(frozen=True)
class Programme:
    name: str
    description: str
    start_date: dt.date
    networks: tuple[str, ...]
    indicators: frozenset[str]  # empty: every indicator
    changes: tuple[tuple[dt.date, str], ...]

    def covers(self, indicator_id: str | None) -> bool:
        return indicator_id is None or not self.indicators or indicator_id in self.indicators

    @property
    def rebase_dates(self) -> list[dt.date]:
        return [self.start_date, *(d for d, _ in self.changes)]


def all_programmes() -> list[Programme]:
    return [
        Programme(
            p.name,
            p.description,
            p.start_date,
            tuple(sorted(n.code for n in p.networks.all())),
            frozenset(p.indicator_ids()),
            tuple((c.date, c.description) for c in p.changes.all()),
        )
        for p in ImprovementProgramme.objects.prefetch_related("networks", "changes")
    ]


def programmes_of(network_code: str | None, indicator_id: str | None = None) -> list[Programme]:
    """The programmes a network belongs to (that work on `indicator_id`, when given)."""
    if network_code is None:
        return []
    return [p for p in all_programmes() if network_code in p.networks and p.covers(indicator_id)]


def rebase_dates(network_code: str | None, indicator_id: str) -> list[dt.date]:
    """Where the SPC limits of a network's (or one of its practices') series restart: the start
    and recorded changes of every programme the network is in for that indicator, in order."""
    return rebase_dates_of(programmes_of(network_code, indicator_id))


def rebase_dates_of(programmes: list[Programme]) -> list[dt.date]:
    """The start and recorded changes of these programmes, in order (see `rebase_dates`)."""
    return sorted({d for p in programmes for d in p.rebase_dates})


def practice_rebase_dates(network_code: str | None, indicator_ids: list[str]) -> dict[str, list[dt.date]]:
    """`rebase_dates` for each indicator of one practice's network (one query)."""
    programmes = programmes_of(network_code)
    out = {}
    for ind in indicator_ids:
        dates = sorted({d for p in programmes if p.covers(ind) for d in p.rebase_dates})
        if dates:
            out[ind] = dates
    return out


def baseline_date(dates: list[dt.date], programme: Programme) -> dt.date:
    """The last reporting date before the programme started (its baseline); the first date
    when the results start later."""
    before = [d for d in dates if d < programme.start_date]
    return before[-1] if before else dates[0]
