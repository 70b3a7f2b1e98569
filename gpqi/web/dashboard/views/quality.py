"""The data quality page for the central team (snapshot, quarantine, last run) and the about page."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gpqi.access.results import store_for
from gpqi.web import downloads
from gpqi.web.accounts.models import CENTRAL_ROLES
from gpqi.web.explanations import all_explanations
from gpqi.web.page import Page, respond
from gpqi.web.permissions import access_for
from gpqi.web.tables import Column, Table
from gpqi.web.ws import workspace
from gpqi.workspace import WorkspaceError


@login_required
def data_quality(request: HttpRequest) -> HttpResponse:
    """For the central team: the snapshot, its quarantine counts and the last run."""
    a = access_for(request)
    if a.role not in CENTRAL_ROLES:
        raise Http404("Not available for your role")
    ws = workspace()
    page = Page("Data quality")
    page.about = downloads.About(
        "",
        None,
        "The snapshot being served and the last indicator run",
        "Counts of rows, no patient data",
        downloads.source(ws),
    )
    ctx: dict[str, Any] = {"snapshot_id": ws.current_snapshot_id()}
    snap = None
    try:
        snap = ws.current_snapshot()
    except WorkspaceError as exc:
        ctx["snapshot_error"] = str(exc)
    if snap is not None:
        manifest = _read_json(snap / "manifest.json")
        report = _read_json(snap / "report.json")
        ctx["manifest"] = {k: v for k, v in manifest.items() if isinstance(v, (str, int, float))}
        t = page.add_table(
            Table(
                "quarantine",
                "Rows read, loaded and quarantined per table",
                [
                    Column("table", "Table"),
                    Column("read", "Read", "int"),
                    Column("loaded", "Loaded", "int"),
                    Column("quarantined", "Quarantined", "int"),
                ],
            )
        )
        for table, counts in _report_tables(report):
            t.rows.append({"table": table, **counts})
        q = page.add_table(
            Table(
                "quarantine-practices",
                "Quarantined rows per practice",
                [
                    Column("practice", "Practice"),
                    Column("table", "Table"),
                    Column("quarantined", "Quarantined", "int"),
                ],
            )
        )
        for practice, table, n in _report_practices(report):
            q.rows.append({"practice": practice, "table": table, "quarantined": n})
        _add_formats(page, report)
    run = store_for(ws).run_info()
    ctx["run"] = {k: v for k, v in (run or {}).items() if isinstance(v, (str, int, float))}
    if run and isinstance(run.get("indicators"), (dict, list)):
        inds = run["indicators"]
        r = page.add_table(
            Table(
                "run-indicators",
                "Indicators in the last run and their versions",
                [
                    Column("title", "Indicator"),
                    Column("version", "Version"),
                    Column("dates", "Reporting dates"),
                    Column("computed_at", "Computed"),
                    Column("id", "Id", detail=True),
                    Column("worklist_rows", "Worklist rows", "int", detail=True),
                    Column("seconds", "Seconds", "num", detail=True),
                ],
            )
        )
        items = (
            inds.items()
            if isinstance(inds, dict)
            else ((i.get("id"), i) if isinstance(i, dict) else (i, {}) for i in inds)
        )
        for ind, ver in items:
            r.rows.append(_version_row(str(ind), ver))
    return respond(request, "dashboard/data_quality.jinja", page, ctx)


def _add_formats(page: Page, report: dict[str, Any]) -> None:
    """Which format each practice's extract came in, what its adapter could not use, and the
    appointments without a booking time (left out of lead-time indicators)."""
    formats = report.get("formats") or {}
    f = page.add_table(
        Table(
            "formats",
            "Extract format per practice",
            [
                Column("practice", "Practice"),
                Column("format", "Format"),
                Column("records", "Records read", "int"),
                Column("skipped", "Not used (skipped)", "int"),
                Column("dropped", "Deleted or in error", "int"),
                Column("not_mapped", "Not mapped (quarantined)", "int"),
                Column("registrations", "Registrations from"),
            ],
        )
    )
    for code, entry in sorted(formats.items()) if isinstance(formats, dict) else []:
        if not isinstance(entry, dict):
            continue
        f.rows.append(
            {
                "practice": code,
                "format": entry.get("format", ""),
                "records": sum((entry.get("read") or {}).values()),
                "skipped": sum((entry.get("skipped") or {}).values()),
                "dropped": sum((entry.get("dropped") or {}).values()),
                "not_mapped": sum((entry.get("quarantined") or {}).values()),
                "registrations": entry.get("registration_from")
                or ("" if entry.get("format") == "cdm" else "none"),
            }
        )
    b = page.add_table(
        Table(
            "booking-time-unknown",
            "Appointments without a booking time (left out of lead-time indicators)",
            [
                Column("practice", "Practice"),
                Column("format", "Format"),
                Column("appointments", "Appointments", "int"),
            ],
        )
    )
    unknown = report.get("booking_time_unknown") or {}
    for code, n in sorted(unknown.items()) if isinstance(unknown, dict) else []:
        fmt = formats.get(code, {}).get("format", "") if isinstance(formats.get(code), dict) else ""
        b.rows.append({"practice": code, "format": fmt, "appointments": int(n)})


def _version_row(indicator_id: str, entry: Any) -> dict[str, Any]:
    """One indicator of the run's metadata as plain cells (it may be a version string or a
    dict of version, title, dates and timings)."""
    if not isinstance(entry, dict):
        return {"title": indicator_id, "id": indicator_id, "version": str(entry or "")}
    first, last = entry.get("first_date"), entry.get("last_date")
    computed = str(entry.get("computed_at") or "")
    return {
        "title": str(entry.get("title") or indicator_id),
        "id": indicator_id,
        "version": str(entry.get("version") or ""),
        "dates": f"{first} to {last}" if first and last else None,
        "computed_at": computed.replace("T", " ")[:16] or None,
        "worklist_rows": entry.get("worklist_rows"),
        "seconds": entry.get("seconds"),
    }


def _read_json(path) -> dict[str, Any]:  # noqa: ANN001
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def _report_tables(report: dict[str, Any]) -> list[tuple[str, dict[str, int]]]:
    tables = report.get("tables") or {}
    out = []
    for table, entry in tables.items() if isinstance(tables, dict) else []:
        if isinstance(entry, dict):
            out.append((table, {k: int(entry.get(k, 0) or 0) for k in ("read", "loaded", "quarantined")}))
    return out


def _report_practices(report: dict[str, Any]) -> list[tuple[str, str, int]]:
    out = []
    practices = report.get("practices") or {}
    if isinstance(practices, dict):
        for practice, tables in practices.items():
            if isinstance(tables, dict):
                for table, entry in tables.items():
                    n = entry.get("quarantined", 0) if isinstance(entry, dict) else 0
                    if n:
                        out.append((practice, table, int(n)))
    return out


@login_required
def about(request: HttpRequest) -> HttpResponse:
    cfg = workspace().config.disclosure
    return render(
        request,
        "dashboard/about.jinja",
        {
            "page": Page("About this data"),
            "disclosure": cfg,
            "explanations": all_explanations(cfg.round_to, cfg.redact_at_or_below),
        },
    )
