"""The dashboard's charts: page data (already filtered, labelled and disclosed) turned into the
inputs of the shared builders in `gpqi.charts`, so the page, its PNG/SVG downloads and reports
draw one definition. The browser draws the spec with vega-embed; downloads render the same spec
with `gpqi.charts.render`.

At national scale a chart of every practice would send thousands of points to the browser and
show nothing a reader can pick out, so past `POINTS_LIMIT` practices:
- the funnel plot keeps the highlighted practices as points and draws every other practice in
  bins (same funnel status, nearby denominator and value), each bin one point labelled with how
  many practices it holds;
- the distribution strip draws equal-count groups of practices (each a dot at the group's
  median, sized by the group's total list size) and the highlighted practices as themselves;
- the caterpillar plot shows the rows of the league table on the page (the table is paginated).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from gpqi import charts
from gpqi.access.figures import SeriesSpc
from gpqi.web.catalogue import IndicatorMeta

POINTS_LIMIT = 600  # practices drawn one point each; more are aggregated (see the docstring)
FUNNEL_BINS = 16  # bins per axis (log denominator x value) for each funnel status
DISTRIBUTION_GROUPS = 60  # equal-count groups of practices per date in the distribution strip


def render(spec: dict[str, Any], fmt: str) -> bytes:
    """PNG or SVG bytes of a spec (server side, for downloads)."""
    return charts.render(spec, fmt)


def _container(spec: dict[str, Any]) -> dict[str, Any]:
    spec["width"] = "container"  # the page's column; downloads render it at a fixed width
    # The drawn SVG is one image named by the spec's description (gpqi.js), with the same figures
    # in a table beside it: its marks and guides are kept out of the accessibility tree (points
    # without a name of their own fail WCAG 1.1.1).
    config = dict(spec.get("config", {}))
    config["aria"] = False
    config["mark"] = {**config.get("mark", {}), "aria": False}
    spec["config"] = config
    return spec


def _plural(n: int) -> str:
    return f"{n:,} practice{'s' if n != 1 else ''}"


FUNNEL_COLUMNS = ["label", "denominator", "proportion", "outlier_95", "outlier_998"]


def funnel(
    points: pd.DataFrame,
    target: float,
    method: str,
    tau2: float,
    meta: IndicatorMeta,
    highlight: list[str],
    binned: tuple[int, int, int] | None = None,
) -> dict[str, Any]:
    """`points`: label, denominator, value, outlier_95, outlier_998: one per practice, or (with
    `binned` = practices, above and below the 99.8% limits) bins from `funnel_bins` plus the
    highlighted practices."""
    spec = charts.funnel_chart(
        points.rename(columns={"value": "proportion"})[FUNNEL_COLUMNS],
        target=target,
        method=method,
        tau2=tau2,
        highlight=highlight,
        higher_is_better=meta.higher_is_better,
        title=None,
        y_title="Value",
    )
    if binned is not None:
        n, above, below = binned
        spec["description"] = (
            f"Funnel plot of {meta.title}: {n:,} practices by denominator and proportion with 95% and 99.8% "
            f"control limits around {target:.1%}; {above:,} above and {below:,} below the 99.8% limits. "
            "Practices are drawn in bins of similar denominator and value (each point's label says how many "
            "practices it holds); yours are drawn as themselves."
        )
    return _container(spec)


def funnel_binned(
    base: dict[str, Any],
    focus: pd.DataFrame,
    limits: pd.DataFrame,
    target: float,
    method: str,
    tau2: float,
    meta: IndicatorMeta,
    highlight: list[str],
    binned: tuple[int, int, int],
) -> dict[str, Any]:
    """The funnel at national scale without rebuilding the programme's part on every request:
    `base` is `funnel(bins)` built once per class view (no labels but "N practices"); the focus
    practices are drawn by the same builder with the same `limits`, and their rows are added to
    the base's point layers."""
    mine = charts.funnel_chart(
        focus.rename(columns={"value": "proportion"})[FUNNEL_COLUMNS],
        target=target,
        method=method,
        tau2=tau2,
        limits=limits.iloc[:1],  # its limit lines are replaced by the base's: skip drawing them
        highlight=highlight,
        higher_is_better=meta.higher_is_better,
        title=None,
        y_title="Value",
    )
    spec = _with_base_rows(base, mine)
    n, above, below = binned
    spec["description"] = (
        f"Funnel plot of {meta.title}: {n:,} practices by denominator and proportion with 95% and 99.8% "
        f"control limits around {target:.1%}; {above:,} above and {below:,} below the 99.8% limits. "
        "Practices are drawn in bins of similar denominator and value (each point's label says how many "
        "practices it holds); yours are drawn as themselves."
    )
    return _container(spec)


def funnel_base(
    bins: pd.DataFrame, limits: pd.DataFrame, target: float, method: str, tau2: float, meta: IndicatorMeta
) -> dict[str, Any]:
    """The programme's part of a binned funnel (memoised per class view by the caller)."""
    return charts.funnel_chart(
        bins.rename(columns={"value": "proportion"})[FUNNEL_COLUMNS],
        target=target,
        method=method,
        tau2=tau2,
        limits=limits,
        highlight=[],
        higher_is_better=meta.higher_is_better,
        title=None,
        y_title="Value",
    )


def _with_base_rows(base: dict[str, Any], mine: dict[str, Any]) -> dict[str, Any]:
    """`mine` (a spec of the focus rows) with `base`'s rows added to every layer of labelled
    rows; other data layers (limit lines, the comparator) are the base's."""
    out = dict(mine)
    layers = []
    for b, m in zip(base["layer"], mine["layer"], strict=True):
        rows_b = b.get("data", {}).get("values")
        rows_m = m.get("data", {}).get("values")
        if rows_b is None or rows_m is None:
            layers.append(m)
            continue
        labelled = any("label" in r for r in (rows_b[:1] + rows_m[:1]))
        layers.append({**m, "data": {"values": rows_b + rows_m if labelled else rows_b}})
    out["layer"] = layers
    return out


def funnel_bins(shown: pd.DataFrame) -> pd.DataFrame:
    """Every practice of a class view (denominator, value, outlier_95, outlier_998; no labels)
    put into bins by funnel status, log denominator and value: one row per bin, labelled with
    how many practices it holds, at the bin's mean denominator and value."""
    rest = pd.DataFrame(
        {
            "denominator": shown["denominator"].to_numpy(dtype="float64"),
            "value": shown["value"].to_numpy(dtype="float64"),
            "o95": shown["outlier_95"].to_numpy(dtype=object),
            "o998": shown["outlier_998"].to_numpy(dtype=object),
        }
    )
    rest["o95"] = rest["o95"].where(rest["o95"].notna(), "")
    rest["o998"] = rest["o998"].where(rest["o998"].notna(), "")
    rest["bx"] = _bin(np.log10(rest["denominator"].to_numpy()), FUNNEL_BINS)
    rest["by"] = _bin(rest["value"].to_numpy(), FUNNEL_BINS)
    agg = (
        rest.groupby(["o95", "o998", "bx", "by"], sort=True)
        .agg(denominator=("denominator", "mean"), value=("value", "mean"), n=("value", "size"))
        .reset_index()
    )
    return pd.DataFrame(
        {
            "label": [_plural(int(n)) for n in agg["n"]],
            "denominator": agg["denominator"].round().to_numpy(),
            "value": agg["value"].to_numpy(),
            "outlier_95": [x or None for x in agg["o95"]],
            "outlier_998": [x or None for x in agg["o998"]],
        }
    )


def _bin(x: np.ndarray, bins: int) -> np.ndarray:
    if not len(x):
        return np.zeros(0, dtype="int64")
    lo, hi = np.nanmin(x), np.nanmax(x)
    if not np.isfinite(lo) or hi <= lo:
        return np.zeros(len(x), dtype="int64")
    return np.minimum(((x - lo) / (hi - lo) * bins).astype("int64"), bins - 1)


def caterpillar(
    rows: pd.DataFrame, meta: IndicatorMeta, highlight: list[str], target: float
) -> dict[str, Any]:
    """`rows`: label, value, ci_low, ci_high (the practices on the page, or all of them)."""
    data = rows.rename(columns={"ci_low": "lower", "ci_high": "upper"})[["label", "value", "lower", "upper"]]
    return _container(
        charts.caterpillar_chart(
            data,
            comparator=target,
            highlight=highlight,
            higher_is_better=meta.higher_is_better,
            title=None,
        )
    )


def distribution(
    parts: list[pd.DataFrame], meta: IndicatorMeta, highlight: list[str], aggregated: bool
) -> dict[str, Any]:
    """`parts`: for each date, oldest first, rows of label, period, value, size: one per practice,
    or (`aggregated`) groups from `distribution_groups` plus the highlighted practices."""
    cols = ["label", "period", "value", "size"]
    data = pd.concat([p[cols] for p in parts], ignore_index=True) if parts else pd.DataFrame(columns=cols)
    spec = charts.distribution_chart(
        data,
        highlight=highlight,
        title=None,
        size_title="List size" + (" (group total)" if aggregated else ""),
    )
    if aggregated:
        spec["description"] += (
            f" Practices are drawn in {DISTRIBUTION_GROUPS} equal-sized groups per date, each a dot at the "
            "group's median value sized by its total list size; yours are drawn as themselves."
        )
    return _container(spec)


def distribution_groups(values: np.ndarray, sizes: np.ndarray, period: str) -> pd.DataFrame:
    """Practices (values and list sizes; no labels) in DISTRIBUTION_GROUPS equal-count groups by
    value: one row per group at its median value, sized by its total list size."""
    order = np.argsort(values, kind="stable")
    v, s = values[order], sizes[order]
    group = np.arange(len(v)) * DISTRIBUTION_GROUPS // max(1, len(v))
    frame = pd.DataFrame({"g": group, "value": v, "size": s})
    g = frame.groupby("g")
    agg = g.agg(
        median=("value", "median"),
        size=("size", "sum"),
        n=("value", "size"),
        lo=("value", "min"),
        hi=("value", "max"),
    )
    return pd.DataFrame(
        {
            "label": [
                f"{_plural(int(n))}, {lo:.1%} to {hi:.1%}"
                for n, lo, hi in zip(agg["n"], agg["lo"], agg["hi"], strict=True)
            ],
            "period": period,
            "value": agg["median"].to_numpy(),
            "size": agg["size"].to_numpy(),
        }
    )


def spc(series: SeriesSpc, meta: IndicatorMeta, label: str) -> dict[str, Any]:
    """The focus's SPC chart, named by its chart type, with its rebase dates marked; a seasonal
    indicator's points are seasons (x labelled "2024-25")."""
    result = series.result
    table = result.table.reset_index(drop=True).copy()
    table["date"] = series.labels if series.seasonal else [d.isoformat() for d in series.dates]
    rebase = [
        series.labels[series.dates.index(d)] if series.seasonal else d.isoformat()
        for d in series.rebase_dates
    ]
    return _container(
        charts.spc_chart(
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
        )
    )


def trend(
    own: pd.DataFrame, deciles: pd.DataFrame, label: str, meta: IndicatorMeta, y_title: str = "Value"
) -> dict[str, Any]:
    """`own`: date, value for the focus; `deciles`: date, percentile, value of its peers."""
    return _container(
        charts.trend_chart(
            own, deciles, label=label, peer_group="practices with an agreement", title=None, y_title=y_title
        )
    )


def position_row(
    meta: IndicatorMeta,
    value: float | None,
    peers: Any,
    goal: float | None = None,
    measure: str | None = None,
) -> dict[str, Any]:
    """One row of a position chart: an indicator's value for the practice against its peers
    (`gpqi.access.figures.PeerSummary`: figures from disclosed counts)."""
    return {
        "key": meta.id,
        "measure": measure or meta.title,
        "practice": value,
        "median": peers.median if peers else None,
        "q1": peers.q1 if peers else None,
        "q3": peers.q3 if peers else None,
        "goal": goal,
    }


def position(rows: list[dict[str, Any]], practice_label: str, value_title: str = "Value") -> dict[str, Any]:
    """The practice against the peers' median and middle half, one row per measure in the given
    order (`gpqi.charts.position_chart`)."""
    return _container(charts.position_chart(rows, label=practice_label, value_title=value_title))
