"""The IG lead's audit log page: search by user, practice, indicator, dates, format and action;
paginated; downloadable as CSV and XLSX (each download is itself audited). Below it, the log-in
lock-outs (accounts and client addresses locked after too many failed log-ins, from
django-axes' own record). Other roles get 403: the page's existence is no secret, its content
is."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessFailureLog
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from gpqi.web import downloads
from gpqi.web.accounts.models import Role
from gpqi.web.audit import record
from gpqi.web.audit.models import AUDIT_ROLES, AuditRecord
from gpqi.web.catalogue import catalogue
from gpqi.web.governance.models import Practice
from gpqi.web.permissions import access_for
from gpqi.web.tables import Column, Table, to_csv, to_xlsx

PAGE_SIZE = 50
TABLE_NAME = "audit-log"


class AuditSearchForm(forms.Form):
    user = forms.CharField(label="Username contains", required=False, max_length=150)
    practice = forms.CharField(label="Practice code", required=False, max_length=32)
    indicator = forms.CharField(label="Indicator", required=False, max_length=100)
    date_from = forms.DateField(label="From (YYYY-MM-DD)", required=False)
    date_to = forms.DateField(label="To (YYYY-MM-DD)", required=False)
    output = forms.ChoiceField(label="Format", required=False, choices=[("", "Any")] + AuditRecord.FORMATS)
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any")] + AuditRecord.ACTIONS)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date")
        return data


def search_queryset(data: dict[str, Any]) -> QuerySet[AuditRecord]:
    qs = AuditRecord.objects.all()
    if data.get("user"):
        qs = qs.filter(username__icontains=data["user"])
    if data.get("practice"):
        qs = qs.filter(practice_code__iexact=data["practice"].strip())
    if data.get("indicator"):
        qs = qs.filter(indicator_id__iexact=data["indicator"].strip())
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(timestamp__gte=dt.datetime.combine(data["date_from"], dt.time.min, tz))
    if data.get("date_to"):
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tz)
        qs = qs.filter(timestamp__lt=end)
    if data.get("output"):
        qs = qs.filter(format=data["output"])
    if data.get("action"):
        qs = qs.filter(action=data["action"])
    return qs


def _table(records: list[AuditRecord]) -> Table:
    tz = timezone.get_current_timezone()
    roles = dict(Role.choices)
    titles = {
        m.id: m.title for m in catalogue(sorted({r.indicator_id for r in records if r.indicator_id})).values()
    }
    practices = dict(
        Practice.objects.filter(code__in={r.practice_code for r in records if r.practice_code}).values_list(
            "code", "name"
        )
    )
    rows = [
        {
            "timestamp": r.timestamp.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            "username": r.username,
            "role": roles.get(r.role, r.role),
            "practice": practices.get(r.practice_code, r.practice_code),
            "indicator": titles.get(r.indicator_id, r.indicator_id),
            "action": r.get_action_display(),
            "subject": r.get_subject_display(),
            "format": r.format.upper(),
            "practice_code": r.practice_code,
            "indicator_id": r.indicator_id,
            "patient_count": r.patient_count,
            "record_count": r.record_count,
            "filters": r.filters,
            "path": r.path,
            "client_ip": r.client_ip or "",
        }
        for r in records
    ]
    return Table(
        TABLE_NAME,
        "Views and downloads of patient-level data, newest first",
        [
            Column("timestamp", "When (UK time)"),
            Column("username", "User"),
            Column("role", "Role"),
            Column("action", "Action"),
            Column("subject", "What"),
            Column("practice", "Practice"),
            Column("indicator", "Indicator"),
            Column("patient_count", "Patients", "int"),
            Column("format", "Format", detail=True),
            Column("practice_code", "Practice code", detail=True),
            Column("indicator_id", "Indicator id", detail=True),
            Column("record_count", "Audit records", "int", detail=True),
            Column("filters", "Filters", detail=True),
            Column("path", "Path", detail=True),
            Column("client_ip", "Client IP", detail=True),
        ],
        rows,
        display_limit=PAGE_SIZE,
        about=downloads.About(
            "Audit log of patient-level data: views and downloads, newest first",
            timezone.localdate(),
            "Every matching audit record",
            "Holds who saw which practice's patient-level data: for the information governance lead only.",
            "gpqi audit log",
        ),
    )


LOCKOUTS_SHOWN = 50


def lockouts(data: dict[str, Any]) -> QuerySet[AccessFailureLog]:
    """Log-in lock-outs (django-axes' record of each failed attempt that locked an account or a
    client address), newest first, under the search's user and date filters."""
    qs = AccessFailureLog.objects.filter(locked_out=True).order_by("-attempt_time", "-id")
    if data.get("user"):
        qs = qs.filter(username__icontains=data["user"])
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(attempt_time__gte=dt.datetime.combine(data["date_from"], dt.time.min, tz))
    if data.get("date_to"):
        end = dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tz)
        qs = qs.filter(attempt_time__lt=end)
    return qs


def _lockout_rows(qs: QuerySet[AccessFailureLog]) -> list[dict[str, str]]:
    tz = timezone.get_current_timezone()
    return [
        {
            "timestamp": r.attempt_time.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
            "username": r.username or "",
            "client_ip": r.ip_address or "",
        }
        for r in qs[:LOCKOUTS_SHOWN]
    ]


def _filters_text(data: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in data.items() if v not in (None, ""))


@require_safe
@login_required
def search(request: HttpRequest) -> HttpResponse:
    if access_for(request).role not in AUDIT_ROLES:
        raise PermissionDenied("The audit log is for the information governance lead")
    form = AuditSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = search_queryset(data) if (form.is_valid() or not request.GET) else AuditRecord.objects.none()
    download = request.GET.get("download")
    if download:
        fmt = request.GET.get("format", "csv")
        if download != TABLE_NAME or fmt not in ("csv", "xlsx"):
            raise Http404("No such download")
        records = list(qs)
        table = _table(records)
        return record.sent(
            request,
            lambda: to_csv(table) if fmt == "csv" else to_xlsx(table),
            subject=AuditRecord.AUDIT_LOG,
            action=AuditRecord.DOWNLOAD,
            fmt=fmt,
            record_count=len(records),
            filters=_filters_text(data),
        )
    paginator = Paginator(qs, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    response = render(
        request,
        "audit/search.jinja",
        {
            "form": form,
            "table": _table(list(page.object_list)),
            "page_obj": page,
            "total": paginator.count,
            "query": query.urlencode(),
            "lockouts": _lockout_rows(lockouts(data)) if (form.is_valid() or not request.GET) else [],
            "lockout_total": lockouts(data).count() if (form.is_valid() or not request.GET) else 0,
            "lockouts_shown": LOCKOUTS_SHOWN,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )
    response["Cache-Control"] = "no-store"
    return response
