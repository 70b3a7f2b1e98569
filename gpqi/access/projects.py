"""QI projects through a user's scope: who may edit one, what of it a user may see, and its
annotated SPC charts (no Django: the web app passes plain codes and dates in).

The rules (docs/qi-projects.md):
- **editing** a project, its PDSA cycles or a practice's annotations needs every one of its
  practices to be the user's own: a clinician's or practice manager's practice, a facilitator's
  practices, a network lead's network; the central team (analyst, IG lead, administrator) edits
  every project;
- **seeing** a project needs one of its practices to be in shared views (an agreement in force
  that permits benchmarking), or the user to be one who may edit it; its practices that are
  not shared are left out of what is shown;
- a practice is **named** only where the user may see its name (`Access.is_named`); the team
  members, whose names would identify a pseudonymised practice, are shown only where every
  practice of the project is named;
- a chart of a practice that is not the user's own shows its disclosed counts (the gate's
  totals rule via `figures.group_series`); its variation and assurance verdict is on raw counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from gpqi.access import figures
from gpqi.access.figures import SeriesSpc
from gpqi.access.focus import Focus
from gpqi.access.indicator import IndicatorMeta
from gpqi.access.results import ResultsStore
from gpqi.access.scope import Access
from gpqi.engine import versions
from gpqi.workspace import Workspace

__all__ = [
    "AnnotatedChart",
    "Mark",
    "annotated_chart",
    "definition_marks",
    "editable_practices",
    "may_edit",
    "may_see",
    "shown_practices",
    "team_visible",
]


def editable_practices(access: Access) -> list[str]:
    """The practices whose projects and annotations this user may edit (sorted)."""
    return sorted(access.own)


def may_edit(access: Access, practice_codes: Iterable[str]) -> bool:
    """Every practice of the project is the user's own (the central team owns them all)."""
    codes = set(practice_codes)
    if not codes:
        return access.is_central
    return codes <= access.own


def shown_practices(access: Access, practice_codes: Iterable[str]) -> list[str]:
    """Of a project's practices, those this user may see it at: shared ones, and the user's own
    where they may edit the project."""
    codes = sorted(set(practice_codes))
    editable = may_edit(access, codes)
    return [c for c in codes if c in access.shared or (editable and c in access.own)]


def may_see(access: Access, practice_codes: Iterable[str]) -> bool:
    return bool(shown_practices(access, practice_codes))


def team_visible(access: Access, practice_codes: Iterable[str]) -> bool:
    """Team members' names identify the practice: shown only where every practice is named."""
    codes = list(practice_codes)
    return bool(codes) and all(access.is_named(c) for c in codes)


@dataclass(frozen=True)
class Mark:
    """A date marked on a chart: a PDSA cycle, a note, or a new definition version."""

    date: dt.date
    label: str
    kind: str  # pdsa | note | definition


def definition_marks(ws: Workspace, indicator_id: str) -> list[Mark]:
    """The dates from which a new definition version was published (not the first version)."""
    out = []
    for row in versions.history(ws, indicator_id):
        if not row.get("previous_version") or not row.get("last_date"):
            continue
        try:
            day = dt.date.fromisoformat(str(row["last_date"])[:10])
        except ValueError:
            continue
        out.append(Mark(day, f"Definition changed (version {str(row['version'])[:8]})", "definition"))
    return out


@dataclass
class AnnotatedChart:
    practice_code: str
    label: str  # name or pseudonym, for this user
    meta: IndicatorMeta
    series: SeriesSpc  # of the counts shown (disclosed unless the practice is the user's own)
    verdict: SeriesSpc  # on raw counts: the variation and assurance every viewer is told
    disclosed: bool
    marks: list[Mark] = field(default_factory=list)  # none on a seasonal chart (its points are seasons)
    limits_from: dt.date | None = None


def annotated_chart(
    ws: Workspace,
    store: ResultsStore,
    access: Access,
    meta: IndicatorMeta,
    practice_code: str,
    marks: list[Mark],
    limits_from: dt.date | None = None,
    rebase: tuple[dt.date, ...] = (),
) -> AnnotatedChart | None:
    """One practice's SPC chart of one indicator as this user may see it (the chart type of
    `figures.spc_of`), with `marks` and the definition changes inside its date range, and limits
    recalculated from `limits_from` (a project's change date) as well as at `rebase` (an
    improvement programme's dates). None when the practice is not shown to the user or has
    fewer than two points."""
    if practice_code not in access.shared and practice_code not in access.own:
        return None
    if practice_code in access.own:
        series = store.practice_series(practice_code, meta.id)
        series = series[series["denominator"] > 0].reset_index(drop=True)
        disclosed = False
    else:
        series, disclosed = figures.group_series(ws, store, access, meta.id, Focus.practice(practice_code))
    if len(series) < 2:
        return None
    dates = [d for d in series["reporting_date"]]
    rebase_dates = tuple(sorted({*rebase, *([limits_from] if limits_from else [])}))
    shown = figures.spc_of(series["numerator"], series["denominator"], dates, meta, rebase_dates)
    raw = store.practice_series(practice_code, meta.id)
    raw = raw[raw["denominator"] > 0]
    verdict = figures.spc_of(
        raw["numerator"], raw["denominator"], list(raw["reporting_date"]), meta, rebase_dates
    )
    first, last = dates[0], dates[-1]
    inside = [m for m in [*marks, *definition_marks(ws, meta.id)] if first <= m.date <= last]
    applied = limits_from if limits_from is not None and limits_from in _rebased(shown, limits_from) else None
    return AnnotatedChart(
        practice_code=practice_code,
        label=access.label(practice_code),
        meta=meta,
        series=shown,
        verdict=verdict,
        disclosed=disclosed,
        marks=[] if shown.seasonal else sorted(inside, key=lambda m: m.date),
        limits_from=applied,
    )


def _rebased(series: SeriesSpc, day: dt.date) -> set[dt.date]:
    """`{day}` if the chart recalculated its limits at the first point on or after `day`."""
    after = [d for d in series.dates if d >= day]
    return {day} if after and after[0] in series.rebase_dates else set()
