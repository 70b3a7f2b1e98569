"""The QI project pages: the register (search by indicator, practice and status; CSV/XLSX), a
project (aim, team, change ideas, PDSA cycles, annotated SPC charts of its indicator at each of
its practices, history), the forms, and free-standing annotations. Who may see and edit what is
decided by gpqi.access.projects; these views only lay it out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from gpqi.access import projects as rules
from gpqi.access.errors import Forbidden
from gpqi.access.figures import SeriesSpc
from gpqi.access.results import NoResults, store_for
from gpqi.charts.annotations import annotate, keys
from gpqi.charts.series_spc import series_spc_chart
from gpqi.web.catalogue import IndicatorMeta, catalogue
from gpqi.web.governance import improvement
from gpqi.web.page import Page, respond
from gpqi.web.permissions import Access, access_for
from gpqi.web.projects import history
from gpqi.web.projects.forms import AnnotationForm, CycleForm, ProjectForm
from gpqi.web.projects.marks import marks_for
from gpqi.web.projects.models import Annotation, Change, PdsaCycle, Project
from gpqi.web.tables import Column, Table
from gpqi.web.ws import workspace

MDC = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher (neutral)",
    "special_cause_neutral_low": "Special cause: lower (neutral)",
    "consistent_pass": "Consistently passes the target",
    "consistent_fail": "Consistently fails the target",
    "inconsistent": "Inconsistently passes the target",
}


def _catalogue() -> dict[str, IndicatorMeta]:
    try:
        ids = store_for(workspace()).indicator_ids()
    except NoResults:
        ids = None
    return catalogue(ids)


def _indicator_choices(cat: dict[str, IndicatorMeta]) -> list[tuple[str, str]]:
    return [(m.id, m.title) for m in sorted(cat.values(), key=lambda m: m.title)]


def visible_projects(access: Access) -> list[tuple[Project, list[str]]]:
    """Every project this user may see, with the practices it is shown at."""
    out = []
    for p in Project.objects.prefetch_related("practices", "cycles"):
        shown = rules.shown_practices(access, p.practice_codes())
        if shown:
            out.append((p, shown))
    return out


def _project(access: Access, pk: int) -> tuple[Project, list[str]]:
    project = get_object_or_404(Project.objects.prefetch_related("practices", "cycles"), pk=pk)
    shown = rules.shown_practices(access, project.practice_codes())
    if not shown:
        raise Http404("No such project")
    return project, shown


def _editable(access: Access, project: Project) -> Project:
    if not rules.may_edit(access, project.practice_codes()):
        raise _forbidden()
    return project


def _forbidden() -> Exception:
    return Forbidden(
        "Only the project's practices, their facilitators and network leads, and the central team edit it"
    )


def aim_text(project: Project, cat: dict[str, IndicatorMeta]) -> str:
    title = cat[project.indicator_id].title if project.indicator_id in cat else project.indicator_id
    return f"{title}: from {project.aim_from:g}% to {project.aim_to:g}% by {project.aim_by:%d %B %Y}"


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    cat = _catalogue()
    want_ind = request.GET.get("indicator", "")
    want_practice = request.GET.get("practice", "")
    want_status = request.GET.get("status", "")
    found = visible_projects(access)
    practice_labels = sorted({access.label(c) for _, shown in found for c in shown})
    page = Page("QI projects")
    t = page.add_table(
        Table(
            "projects",
            "QI projects",
            [
                Column("title", "Project"),
                Column("indicator", "Indicator"),
                Column("practices", "Practices"),
                Column("status", "Status"),
                Column("score", "Progress score"),
                Column("latest", "Latest PDSA cycle"),
                Column("updated", "Updated", "date"),
            ],
        )
    )
    for p, shown in found:
        labels = [access.label(c) for c in shown]
        if want_ind and p.indicator_id != want_ind:
            continue
        if want_practice and want_practice not in labels:
            continue
        if want_status and p.status != want_status:
            continue
        cycles = list(p.cycles.all())
        t.rows.append(
            {
                "title": p.title,
                "_href": reverse("projects:detail", args=[p.pk]),
                "indicator": cat[p.indicator_id].title if p.indicator_id in cat else p.indicator_id,
                "practices": ", ".join(labels),
                "status": p.get_status_display(),
                "score": p.progress_score,
                "latest": f"{cycles[-1].title} ({cycles[-1].start:%d %b %Y})" if cycles else "None yet",
                "updated": p.updated_at.date(),
            }
        )
    ctx = {
        "indicators": _indicator_choices(cat),
        "practice_labels": practice_labels,
        "statuses": Project.STATUSES,
        "want": {"indicator": want_ind, "practice": want_practice, "status": want_status},
        "may_register": bool(rules.editable_practices(access)),
        "may_annotate": bool(rules.editable_practices(access)),
    }
    return respond(request, "projects/list.jinja", page, ctx)


def project_charts(
    access: Access, project: Project, shown: list[str], meta: IndicatorMeta
) -> list[dict[str, Any]]:
    """Each shown practice's annotated SPC chart of the project's indicator."""
    ws = workspace()
    try:
        store = store_for(ws)
        store.latest_date()
    except NoResults:
        return []
    out = []
    for code in shown:
        network = access.practices[code].network_code if code in access.practices else None
        chart = rules.annotated_chart(
            ws,
            store,
            access,
            meta,
            code,
            marks_for(code, meta.id),
            limits_from=project.limits_from,
            rebase=tuple(improvement.rebase_dates(network, meta.id)),
        )
        if chart is None:
            continue
        out.append(_chart_view(chart))
    return out


def _spc_spec(series: SeriesSpc) -> dict[str, Any]:
    """The practice's SPC chart as the indicator page draws it, sized to the page's column."""
    spec = series_spc_chart(series)
    spec["width"] = "container"
    return spec


def _chart_view(chart: rules.AnnotatedChart) -> dict[str, Any]:
    marks = [{"date": m.date.isoformat(), "label": m.label, "kind": m.kind} for m in chart.marks]
    spec = _spc_spec(chart.series)
    verdict = chart.verdict.result
    return {
        "label": chart.label,
        "code": chart.practice_code,
        "spec": annotate(spec, marks),
        "marks": keys(marks),
        "chart_label": chart.series.result.chart_label,
        "variation": MDC.get(verdict.variation or "", "–"),
        "assurance": MDC.get(verdict.assurance or "", "No target"),
        "disclosed": chart.disclosed,
        "limits_from": chart.limits_from,
    }


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request)
    project, shown = _project(access, pk)
    cat = _catalogue()
    codes = project.practice_codes()
    editable = rules.may_edit(access, codes)
    page = Page(project.title)
    meta = cat.get(project.indicator_id)
    charts = project_charts(access, project, shown, meta) if meta else []
    for i, ch in enumerate(charts):
        page.add_chart(f"spc-{i + 1}", f"{ch['label']}: {meta.title}", ch["spec"])
        ch["chart"] = page.charts[f"spc-{i + 1}"]
    cycles = page.add_table(
        Table(
            "pdsa-cycles",
            "PDSA cycles",
            [
                Column("title", "Change tested"),
                Column("start", "Start", "date"),
                Column("end", "End", "date"),
                Column("plan", "Plan"),
                Column("do", "Do"),
                Column("study", "Study"),
                Column("act", "Act"),
                Column("learning", "What was learnt"),
            ],
        )
    )
    for c in project.cycles.all():
        cycles.rows.append(
            {
                "title": c.title,
                "_href": reverse("projects:cycle_edit", args=[project.pk, c.pk]) if editable else None,
                **{k: getattr(c, k) for k in ("start", "end", "plan", "do", "study", "act", "learning")},
            }
        )
    changes = None
    if editable or rules.team_visible(access, codes):
        changes = page.add_table(
            Table(
                "history",
                "History: every change, with who and when",
                [
                    Column("at", "When"),
                    Column("who", "Who"),
                    Column("what", "What"),
                    Column("fields", "Changed"),
                ],
            )
        )
        for ch in Change.objects.filter(project=project):
            changes.rows.append(
                {
                    "at": ch.at.strftime("%d %b %Y %H:%M"),
                    "who": ch.username or "–",
                    "what": f"{ch.object_type} {ch.action}",
                    "fields": ", ".join(ch.fields) if ch.action == "updated" else "",
                }
            )
    ctx = {
        "project": project,
        "aim": aim_text(project, cat),
        "practices": [access.label(c) for c in shown],
        "team_visible": rules.team_visible(access, codes),
        "editable": editable,
        "charts": charts,
        "meta": meta,
    }
    return respond(request, "projects/detail.jinja", page, ctx)


@login_required
def project_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    access = access_for(request)
    editable = rules.editable_practices(access)
    project = None
    if pk is not None:
        project = _editable(access, _project(access, pk)[0])
    elif not editable:
        raise _forbidden()
    cat = _catalogue()
    kwargs = {"practices": editable, "indicators": _indicator_choices(cat)}
    if request.method == "POST":
        before = history.fields_of(project) if project else {}  # before the form changes it
        form = ProjectForm(request.POST, instance=project, **kwargs)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save(commit=False)
                if project is None:
                    saved.created_by = request.user
                saved.save()
                form.save_m2m()
                history.record(
                    request.user,
                    saved,
                    "updated" if project else "created",
                    before,
                    history.fields_of(saved),
                    saved,
                    saved.practice_codes(),
                )
            return redirect("projects:detail", pk=saved.pk)
    else:
        initial = {"practices": editable[:1]} if project is None and len(editable) <= 3 else {}
        form = ProjectForm(instance=project, initial=initial, **kwargs)
    title = f"Edit: {project.title}" if project else "Register a QI project"
    return render(
        request,
        "projects/form.jinja",
        {"form": form, "page": Page(title), "project": project, "what": "project"},
    )


@login_required
def cycle_edit(request: HttpRequest, pk: int, cycle: int | None = None) -> HttpResponse:
    access = access_for(request)
    project = _editable(access, _project(access, pk)[0])
    instance = get_object_or_404(PdsaCycle, pk=cycle, project=project) if cycle is not None else None
    if request.method == "POST":
        before = history.fields_of(instance) if instance else {}  # before the form changes it
        form = CycleForm(request.POST, instance=instance)
        if form.is_valid():
            with transaction.atomic():
                saved = form.save(commit=False)
                saved.project = project
                saved.save()
                history.record(
                    request.user,
                    saved,
                    "updated" if instance else "created",
                    before,
                    history.fields_of(saved),
                    project,
                    project.practice_codes(),
                )
                project.save(update_fields=["updated_at"])
            return redirect(reverse("projects:detail", args=[project.pk]) + "#pdsa")
    else:
        form = CycleForm(instance=instance)
    title = f"PDSA cycle: {instance.title}" if instance else f"New PDSA cycle: {project.title}"
    return render(
        request,
        "projects/form.jinja",
        {"form": form, "page": Page(title), "project": project, "what": "cycle"},
    )


@login_required
def annotation_new(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    editable = rules.editable_practices(access)
    if not editable:
        raise _forbidden()
    kwargs = {"practices": editable, "indicators": _indicator_choices(_catalogue())}
    if request.method == "POST":
        form = AnnotationForm(request.POST, **kwargs)
        if form.is_valid():
            with transaction.atomic():
                note = form.save(commit=False)
                note.created_by = request.user
                note.save()
                history.record(
                    request.user, note, "created", {}, history.fields_of(note), None, [note.practice.code]
                )
            return redirect(reverse("projects:list") + "#annotations")
    else:
        form = AnnotationForm(**kwargs)
    notes = [n for n in Annotation.objects.select_related("practice") if n.practice.code in editable]
    return render(
        request,
        "projects/annotation.jinja",
        {"form": form, "page": Page("Annotate a practice's charts"), "notes": notes},
    )


@login_required
@require_POST
def annotation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request)
    note = get_object_or_404(Annotation.objects.select_related("practice"), pk=pk)
    if not rules.may_edit(access, [note.practice.code]):
        raise Http404("No such annotation")
    with transaction.atomic():
        history.record(request.user, note, "deleted", history.fields_of(note), {}, None, [note.practice.code])
        note.delete()
    return redirect("projects:annotation_new")
