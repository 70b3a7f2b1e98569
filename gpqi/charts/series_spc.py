"""The SPC chart of an indicator series as `gpqi.access.figures.spc_of` worked it out (a
`gpqi.stats.SeriesSpc`: its chart type, seasons and rebase dates), for the project pages and the
meeting pack: the same `spc_chart` spec as the indicator page."""

from __future__ import annotations

from typing import Any

from gpqi.charts.spc import spc_chart
from gpqi.stats import SeriesSpc


def series_spc_chart(series: SeriesSpc, width: int | str = 640, height: int | str = 340) -> dict[str, Any]:
    result = series.result
    table = result.table.reset_index(drop=True).copy()
    table["date"] = series.labels if series.seasonal else [d.isoformat() for d in series.dates]
    rebase = [
        series.labels[series.dates.index(d)] if series.seasonal else d.isoformat()
        for d in series.rebase_dates
    ]
    return spc_chart(
        table,
        x="date",
        improvement=result.improvement,
        target=result.target,
        variation_icon_name=result.variation_icon,
        assurance_icon_name=result.assurance_icon,
        title=None,
        x_title=f"Season ({series.season_point})" if series.seasonal else None,
        y_title="Value",
        chart_label=result.chart_label,
        rebase=rebase,
        width=width,
        height=height,
    )
