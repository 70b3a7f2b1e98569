"""The dates marked on a practice's charts of an indicator: the PDSA cycles of the practice's
projects on that indicator and the practice's annotations (of that indicator or of all), as
`gpqi.access.projects.Mark`s. Used by the project, indicator and practice pages alike."""

from __future__ import annotations

from typing import Any

from gpqi.access.focus import Focus
from gpqi.access.projects import Mark
from gpqi.charts.annotations import keys
from gpqi.web.projects.models import Annotation, PdsaCycle, Project


def marks_for(practice_code: str, indicator_id: str | None) -> list[Mark]:
    """Marks of one practice: of one indicator (with the practice's all-indicator notes), or of
    every indicator when `indicator_id` is None."""
    cycles = PdsaCycle.objects.filter(project__practices__code=practice_code).select_related("project")
    notes = Annotation.objects.filter(practice__code=practice_code)
    if indicator_id is not None:
        cycles = cycles.filter(project__indicator_id=indicator_id)
        notes = notes.filter(indicator_id__in=["", indicator_id])
    out = [Mark(c.start, f"PDSA: {c.title} ({c.project.title})", "pdsa") for c in cycles.distinct()]
    out += [Mark(n.date, n.text, "note") for n in notes]
    return sorted(out, key=lambda m: (m.date, m.kind, m.label))


def chart_marks(focus: Focus, indicator_id: str) -> list[dict[str, str]]:
    """What an indicator page marks on a practice focus's trend (always one of the user's own:
    the page checked): its projects' PDSA cycles and its notes. Plain dicts for
    `gpqi.charts.annotations` (the page marks definition changes itself)."""
    marks = marks_for(focus.code, indicator_id) if focus.is_practice else []
    return [{"date": m.date.isoformat(), "label": m.label, "kind": m.kind} for m in marks]


def practice_panel(practice_code: str) -> dict[str, Any]:
    """The practice page's QI section: its projects (it is the user's own practice: named) and
    every date marked on its charts."""
    projects = list(Project.objects.filter(practices__code=practice_code).distinct().order_by("-updated_at"))
    marks = [
        {"date": m.date.isoformat(), "label": m.label, "kind": m.kind} for m in marks_for(practice_code, None)
    ]
    return {"projects": projects, "marks": keys(marks)}
