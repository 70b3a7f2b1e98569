"""The campaign page's tables, built from a `CampaignProgress` (already filtered, labelled and
disclosed for the user by gpqi.access), so the page, its downloads and the newsletter show the
same figures; the chart is `gpqi.reports.campaign.chart_spec`, shared with the newsletter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gpqi.access.campaigns import CampaignProgress, Standing
from gpqi.web.tables import Column, Table


def programme_table(p: CampaignProgress) -> Table:
    note = " (counts disclosed: rounded to 5, small counts hidden)" if p.programme_disclosed else ""
    t = Table(
        "programme-by-week",
        f"Programme total by week against the target trajectory{note}",
        [
            Column("week", "Week ending", "date"),
            Column("numerator", "Vaccinated", "int"),
            Column("denominator", "Eligible", "int"),
            Column("value", "Uptake", "pct"),
            Column("expected", "Trajectory", "pct"),
            Column("gap", "Difference (points)", "num"),
            Column("behind", "Practices behind", "int"),
        ],
    )
    for w in p.programme:
        t.rows.append(
            {
                "week": w.date,
                "numerator": w.numerator,
                "denominator": w.denominator,
                "value": w.value,
                "expected": w.expected,
                "gap": None if w.value is None else round((w.value - w.expected) * 100, 2),
                "behind": w.behind,
            }
        )
    return t


def _standing_row(s: Standing) -> dict[str, Any]:
    status = "Suppressed (small numbers)" if s.value is None else ("Behind" if s.behind else "On track")
    return {
        "rank": s.rank,
        "practice": s.label,
        "numerator": s.numerator,
        "denominator": s.denominator,
        "value": s.value,
        "target": s.target,
        "expected": s.expected,
        "gap": None if s.gap is None else round(s.gap * 100, 2),
        "to_trajectory": s.to_trajectory,
        "status": status,
        "_class": "gpqi-own" if s.own else "",
    }


def _standing_columns() -> list[Column]:
    return [
        Column("practice", "Practice"),
        Column("rank", "Rank", "int"),
        Column("value", "Uptake", "pct"),
        Column("expected", "Trajectory now", "pct"),
        Column("to_trajectory", "More needed for the trajectory", "int"),
        Column("status", "Status"),
        # counts and the gap in points: under "More figures" (and in the downloads)
        Column("numerator", "Vaccinated", "int", detail=True),
        Column("denominator", "Eligible", "int", detail=True),
        Column("target", "Target", "pct", detail=True),
        Column("gap", "Difference (points)", "num", detail=True),
    ]


def _fill(
    t: Table, items: list[Any], row: Callable[[Any], dict[str, Any]], own: Callable[[Any], bool]
) -> Table:
    """The page shows the first rows and the user's own; the downloads build every row when
    asked (thousands at national scale)."""
    if len(items) <= t.display_limit:
        t.rows = [row(x) for x in items]
    else:
        shown = items[: t.display_limit] + [x for x in items[t.display_limit :] if own(x)]
        t.set_rows([row(x) for x in shown], len(items), lambda: [row(x) for x in items])
    return t


def ranking_table(p: CampaignProgress) -> Table:
    when = p.latest.strftime("%d %B %Y") if p.latest else ""
    t = Table("ranking", f"Practices ranked by uptake in the week ending {when}", _standing_columns())
    return _fill(t, p.practices, _standing_row, lambda s: s.own and not p.central)


def behind_table(p: CampaignProgress) -> Table:
    t = Table(
        "behind",
        f"Practices behind their trajectory ({p.behind_count} of {len(p.practices)}"
        + (
            f"; {p.behind_count - len(p.behind)} not shown: small numbers)"
            if p.behind_count > len(p.behind)
            else ")"
        ),
        _standing_columns(),
    )
    return _fill(t, p.behind, _standing_row, lambda s: s.own and not p.central)


WEEKS_SHOWN = 8  # weeks of the weekly table that fit a laptop's width


def weekly_table(p: CampaignProgress) -> Table:
    # the latest WEEKS_SHOWN weeks on the page; earlier ones under "More figures" (all downloaded)
    first_shown = len(p.weeks) - WEEKS_SHOWN
    cols = [Column("practice", "Practice")] + [
        Column(f"w{i}", w.strftime("%d %b"), "pct", detail=i < first_shown) for i, w in enumerate(p.weeks)
    ]
    t = Table("weekly-uptake", "Cumulative uptake by practice and week", cols)

    def row(s: Standing) -> dict[str, Any]:
        out: dict[str, Any] = {"practice": s.label, "_class": "gpqi-own" if s.own else ""}
        out.update((f"w{i}", value) for i, value in enumerate(s.weekly))
        return out

    return _fill(t, sorted(p.practices, key=lambda s: s.label), row, lambda s: s.own and not p.central)
