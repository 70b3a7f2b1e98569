"""Assemble a meeting pack for an `Access`: the figures from gpqi.access.pack, the active
campaigns' progress (gpqi.access.campaigns) and the QI projects of the scope as the audience may
see them (gpqi.access.projects), laid out by gpqi.reports.pack."""

from __future__ import annotations

from gpqi.access.campaigns import NoSeries, progress_for
from gpqi.access.disclosure import Policy
from gpqi.access.focus import Focus
from gpqi.access.pack import pack_figures
from gpqi.access.projects import shown_practices
from gpqi.access.results import store_for
from gpqi.access.scope import Access
from gpqi.reports.pack import PackDocument, ProjectLine
from gpqi.web.campaigns.models import Campaign
from gpqi.web.catalogue import catalogue, network_targets
from gpqi.web.projects.models import Project
from gpqi.web.projects.views import aim_text
from gpqi.workspace import Workspace


def disclosure_text(policy: Policy) -> str:
    return (
        f"Disclosure control: counts of practices outside the audience's own of {policy.redact_at_or_below} or "
        f"fewer are not shown and others are rounded to the nearest {policy.round_to}; rates are worked out "
        "from the rounded counts. Practices are named only where they permit identifiable comparison."
    )


def build_document(ws: Workspace, access: Access, focus: Focus, month: str | None = None) -> PackDocument:
    """The pack of `focus` for `access` (NotVisible, ValueError as gpqi.access.pack raises)."""
    store = store_for(ws)
    cat = catalogue(store.indicator_ids())
    month = month or f"{store.latest_date():%Y-%m}"
    overrides = {ind: network_targets(ind) for ind in cat}
    figures = pack_figures(ws, store, access, focus, month, cat, overrides)
    members = set(figures.members)
    campaigns = []
    for c in Campaign.objects.filter(status=Campaign.ACTIVE).order_by("name"):
        try:
            campaigns.append(progress_for(c.spec(), access, ws))
        except NoSeries:
            continue
    projects = []
    for p in Project.objects.prefetch_related("practices", "cycles").order_by("title"):
        shown = [c for c in shown_practices(access, p.practice_codes()) if c in members]
        if not shown:
            continue
        cycles = list(p.cycles.all())
        latest = None
        if cycles:
            last = cycles[-1]
            learnt = last.learning or last.study or "no study recorded yet"
            latest = f"{last.title} (from {last.start:%d %B %Y}): {learnt}"
        projects.append(
            ProjectLine(
                title=p.title,
                practices=[access.label(c) for c in shown],
                aim=aim_text(p, cat),
                status=p.get_status_display(),
                score=p.progress_score,
                latest_cycle=latest,
            )
        )
    return PackDocument(
        figures=figures,
        service=ws.config.workspace.name,
        campaigns=campaigns,
        projects=projects,
        disclosure=disclosure_text(Policy.of(ws)),
    )
