"""The target trajectory: where a practice should be on each day of a campaign.

Rule (docs/campaigns.md): cumulative uptake is expected to rise in a straight line from 0 on the
campaign's start date to the target on its target date (the end date if none is set), and to
stay at the target after that. It is simple, it can be explained in one sentence at a practice
meeting, and it asks for steady weekly progress rather than a late rush; a practice that front-
loads its clinics (as most do in October) is ahead of it early on, which is what the page shows.
"""

from __future__ import annotations

import datetime as dt


def expected(day: dt.date, start: dt.date, reach_by: dt.date, target: float) -> float:
    """The trajectory's value on `day`: 0 up to `start`, `target` from `reach_by` on."""
    if reach_by <= start:
        raise ValueError("reach_by: must be after start")
    if not 0.0 <= target <= 1.0:
        raise ValueError("target: must be between 0 and 1")
    if day <= start:
        return 0.0
    if day >= reach_by:
        return target
    return target * (day - start).days / (reach_by - start).days
