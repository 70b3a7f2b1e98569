"""The campaign chart of a `CampaignProgress`, shared by the campaign page and the newsletter:
one line per practice (or a band of percentiles past CHART_LINES_LIMIT practices), the
programme and its trajectory, the user's own practices highlighted."""

from __future__ import annotations

from typing import Any

import pandas as pd

from gpqi.access.campaigns import CampaignProgress
from gpqi.charts import campaign_chart

CHART_LINES_LIMIT = 200  # more practices than this: a band of percentiles instead of a line each


def chart_spec(
    p: CampaignProgress, title: str | None = None, width: int | str = "container"
) -> dict[str, Any]:
    own = [] if p.central else p.own()
    many = len(p.practices) > CHART_LINES_LIMIT
    drawn = own if many else p.practices
    practices = [
        {"date": week, "label": s.label, "value": value}
        for s in drawn
        for week, value in zip(p.weeks, s.weekly, strict=True)
    ]
    programme = [{"date": w.date, "value": w.value, "expected": w.expected} for w in p.programme]
    return campaign_chart(
        practices or pd.DataFrame(columns=["date", "label", "value"]),
        programme,
        highlight=[s.label for s in own],
        title=title,
        width=width,
        spread=p.spread if many else None,
    )
