"""The campaign page's tables and chart, built from a `Progress` (already filtered, labelled and
disclosed for the user), so the page, its downloads and the newsletter show the same figures."""

from __future__ import annotations

from typing import Any

from gpqi.web.campaigns.progress import Progress, Standing
from gpqi.web.tables import Column, Table


def programme_table(p: Progress) -> Table:
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
        Column("numerator", "Vaccinated", "int"),
        Column("denominator", "Eligible", "int"),
        Column("value", "Uptake", "pct"),
        Column("target", "Target", "pct"),
        Column("expected", "Trajectory now", "pct"),
        Column("gap", "Difference (points)", "num"),
        Column("to_trajectory", "More needed for the trajectory", "int"),
        Column("status", "Status"),
    ]


def ranking_table(p: Progress) -> Table:
    when = p.latest.strftime("%d %B %Y") if p.latest else ""
    t = Table("ranking", f"Practices ranked by uptake in the week ending {when}", _standing_columns())
    t.rows = [_standing_row(s) for s in p.practices]
    return t


def behind_table(p: Progress) -> Table:
    t = Table(
        "behind",
        f"Practices behind their trajectory ({len(p.behind)} of {len(p.practices)})",
        _standing_columns(),
    )
    t.rows = [_standing_row(s) for s in p.behind]
    return t


def weekly_table(p: Progress) -> Table:
    cols = [Column("practice", "Practice")] + [
        Column(f"w{i}", w.strftime("%d %b"), "pct") for i, w in enumerate(p.weeks)
    ]
    t = Table("weekly-uptake", "Cumulative uptake by practice and week", cols)
    for s in sorted(p.practices, key=lambda s: s.label):
        row: dict[str, Any] = {"practice": s.label, "_class": "gpqi-own" if s.own else ""}
        for i, (_week, value) in enumerate(s.weekly):
            row[f"w{i}"] = value
        t.rows.append(row)
    return t


def chart_spec(p: Progress, title: str | None = None, width: int | str = "container") -> dict[str, Any]:
    from gpqi.charts import campaign_chart

    practices = [
        {"date": week, "label": s.label, "value": value} for s in p.practices for week, value in s.weekly
    ]
    programme = [{"date": w.date, "value": w.value, "expected": w.expected} for w in p.programme]
    return campaign_chart(
        practices,
        programme,
        highlight=[] if p.central else [s.label for s in p.own()],
        title=title,
        width=width,
    )
