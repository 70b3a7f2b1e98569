"""The worklist pages. One gate, `Access.may_see_patients(code)`: the user is a clinician or
practice manager of that practice and its agreement is in force and permits direct care.
Anything else gets 404 (whether the practice or its worklist exists is not revealed); `/worklists/`
itself answers 403 with an explanation to users who have no worklists at all.

Every response that carries patients is written to the audit log first (`audit.record.sent`),
in the same transaction, and is sent with `Cache-Control: no-store`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from gpqi.web import downloads
from gpqi.web.audit import record
from gpqi.web.audit.models import AuditRecord
from gpqi.web.catalogue import catalogue
from gpqi.web.permissions import Access, access_for
from gpqi.web.tables import Column, Table, to_csv, to_xlsx
from gpqi.web.worklists import data
from gpqi.web.ws import workspace

PAGE_SIZE = 100
TABLE_NAME = "worklist"
SORT_LABELS = {  # the default (reason) first, so an untouched form shows what is applied
    "reason": "Why",
    "name": "Name",
    "nhs_number": "NHS number",
    "date_of_birth": "Date of birth",
    "age": "Age",
    "last_date": "Last recorded",
    "last_value": "Last value",
}


class FilterForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why", required=False, choices=[("", "Any reason")] + list(data.REASON_LABELS.items())
    )
    age_min = forms.IntegerField(label="Age from", required=False, min_value=0, max_value=130)
    age_max = forms.IntegerField(label="Age to", required=False, min_value=0, max_value=130)
    q = forms.CharField(label="Name or NHS number", required=False, max_length=100)
    sort = forms.ChoiceField(label="Sort by", required=False, choices=list(SORT_LABELS.items()))
    order = forms.ChoiceField(
        label="Order", required=False, choices=[("asc", "Ascending"), ("desc", "Descending")]
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        lo, hi = cleaned.get("age_min"), cleaned.get("age_max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("age_max", "Age to must be the same as or more than age from")
            cleaned.pop("age_max", None)
        return cleaned

    def filters(self) -> data.Filters:
        """The valid fields only: a mistyped age shows an error and is not applied."""
        self.is_valid()
        c = getattr(self, "cleaned_data", {})
        return data.Filters(
            reason=c.get("reason") or "",
            age_min=c.get("age_min"),
            age_max=c.get("age_max"),
            search=(c.get("q") or "").strip(),
            sort=c.get("sort") or "reason",
            descending=c.get("order") == "desc",
        )


class WorklistTable(Table):
    def cell(self, row: dict[str, Any], col: Column) -> str:
        value = row.get(col.key)
        if value is not None and col.kind == "date":
            return f"{value.day} {value:%b %Y}"
        if value is not None and col.kind == "num":
            return f"{value:g}"
        return super().cell(row, col)


COLUMNS = [
    Column("name", "Name"),
    Column("nhs_number", "NHS number"),
    Column("date_of_birth", "Date of birth", "date"),
    Column("age", "Age", "int"),
    Column("reason", "Why"),
    Column("last_date", "Last recorded", "date"),
    Column("last_value", "Last value", "num"),
    Column("type1_opt_out", "Type 1 opt-out"),
]


def _gate(request: HttpRequest, code: str) -> Access:
    access = access_for(request)
    if not access.may_see_patients(code):
        raise Http404("No worklists here")
    return access


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@require_safe
@login_required
def home(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    if access.home_practice and access.may_see_patients(access.home_practice):
        return redirect("worklists:practice", code=access.home_practice)
    return render(request, "worklists/unavailable.jinja", {}, status=403)


@require_safe
@login_required
def practice(request: HttpRequest, code: str) -> HttpResponse:
    """The practice's indicators with how many patients are due action on each."""
    access = _gate(request, code)
    ws = workspace()
    ids = data.indicator_ids(ws, code)
    meta = catalogue(ids)
    rows = []
    reporting = None
    for ind_id in ids:
        due, opted, day = data.count(ws, code, ind_id)
        reporting = reporting or day
        rows.append(
            {
                "title": meta[ind_id].title,
                "_href": reverse("worklists:worklist", kwargs={"code": code, "indicator_id": ind_id}),
                "due": due,
                "opted_out": opted,
                "reporting_date": day,
                "domain": meta[ind_id].domain,
            }
        )
    rows.sort(key=lambda r: (-r["due"], r["title"]))
    table = WorklistTable(
        "worklists",
        f"{access.label(code)}: patients due action, by indicator",
        [
            Column("title", "Indicator"),
            Column("due", "Patients due action", "int"),
            Column("opted_out", "Of whom type 1 opt-out", "int"),
            Column("reporting_date", "As of", "date"),
        ],
        rows,
    )
    ws = workspace()
    table.file_parts = [code]
    table.about = downloads.About(
        table.caption,
        reporting,
        f"{access.label(code)} ({code}): its own patients due action",
        downloads.PATIENT_LEVEL_NOTE.replace(" This download is recorded in the audit log.", ""),
        downloads.source(ws),
    )
    download = request.GET.get("download")
    if download:
        fmt = request.GET.get("format", "csv")
        if download != table.name or fmt not in ("csv", "xlsx"):
            raise Http404("No such download")
        return _no_store(to_csv(table) if fmt == "csv" else to_xlsx(table))
    ctx = {"table": table, "practice_label": access.label(code), "reporting": reporting}
    return _no_store(render(request, "worklists/index.jinja", ctx))


def _sort_headers(request: HttpRequest, f: data.Filters) -> dict[str, dict[str, str]]:
    out = {}
    for key in SORT_LABELS:
        query = request.GET.copy()
        for drop in ("page", "download", "format"):
            query.pop(drop, None)
        current = f.sort == key
        query["sort"] = key
        query["order"] = "asc" if current and f.descending or not current else "desc"
        aria = ("descending" if f.descending else "ascending") if current else "none"
        out[key] = {"href": f"?{query.urlencode()}", "aria_sort": aria}
    return out


@require_safe
@login_required
def worklist(request: HttpRequest, code: str, indicator_id: str) -> HttpResponse:
    access = _gate(request, code)
    wl = data.read(workspace(), code, indicator_id)
    if wl is None:
        raise Http404("No worklist for that indicator")
    meta = catalogue([indicator_id])[indicator_id]
    form = FilterForm(request.GET or None)
    f = form.filters()
    rows = [
        {
            "name": data.display_name(r),
            "nhs_number": data.nhs_format(r["nhs_number"]),
            "date_of_birth": r["date_of_birth"],
            "age": r["age"],
            "reason": data.REASON_LABELS.get(r["reason"], r["reason"]),
            "last_date": r["last_date"],
            "last_value": r["last_value"],
            "type1_opt_out": "Yes" if r["type1_opt_out"] else "No",
        }
        for r in data.apply(wl.rows, f)
    ]
    day = wl.reporting_date
    table = WorklistTable(
        f"{TABLE_NAME}-{indicator_id}",
        f"{access.label(code)}: {meta.title}" + (f", as of {day:%-d %B %Y}" if day else ""),
        COLUMNS,
        rows,
        display_limit=PAGE_SIZE,
    )
    table.file_parts, table.file_label = [code, "worklist"], indicator_id
    table.about = downloads.About(
        table.caption,
        day,
        f"{access.label(code)} ({code}): its own patients due action on this indicator"
        + (f"; filters: {f.describe()}" if f.describe() else "; no filters"),
        downloads.PATIENT_LEVEL_NOTE,
        downloads.source(workspace(), meta.reference),
    )
    audit = {
        "subject": AuditRecord.WORKLIST,
        "practice_code": code,
        "indicator_id": indicator_id,
        "filters": f.describe(),
    }
    download = request.GET.get("download")
    if download:
        fmt = request.GET.get("format", "csv")
        if download != table.name or fmt not in ("csv", "xlsx"):
            raise Http404("No such download")
        return record.sent(
            request,
            lambda: to_csv(table) if fmt == "csv" else to_xlsx(table),
            action=AuditRecord.DOWNLOAD,
            fmt=fmt,
            patient_count=len(rows),
            **audit,
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = WorklistTable(table.name, table.caption, COLUMNS, list(page.object_list), display_limit=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "meta": meta,
        "form": form,
        "table": shown,
        "total": len(wl.rows),
        "matching": len(rows),
        "opted_out": sum(1 for r in wl.rows if r["type1_opt_out"]),
        "page_obj": page,
        "query": query.urlencode(),
        "headers": _sort_headers(request, f),
        "reporting": day,
        "practice_label": access.label(code),
        "code": code,
        "reasons": data.REASON_LABELS,
    }
    return record.sent(
        request,
        lambda: render(request, "worklists/worklist.jinja", ctx),
        action=AuditRecord.VIEW,
        fmt=AuditRecord.HTML,
        patient_count=len(page.object_list),
        **audit,
    )
