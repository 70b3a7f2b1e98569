"""Rich tables for the terminal: the publish report of `gpqi ingest` and `gpqi status`.

Only counts, codes and dates appear here, never a value from a patient's row.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table

from gpqi.ingest.extract import PRACTICE_TABLES, REFERENCE_TABLES

SHORT = {
    "patients": "patients",
    "registrations": "registrations",
    "clinical_events": "events",
    "medications": "medications",
    "vaccinations": "vaccinations",
    "appointments": "appointments",
}


def _n(value: int) -> str:
    return f"{value:,}"


def _cell(loaded: int, quarantined: int) -> str:
    return _n(loaded) + (f" [red](+{_n(quarantined)} q)[/]" if quarantined else "")


def report_renderable(report: dict[str, Any]) -> Group:
    """Rows read, loaded and quarantined: by table, by practice and table, by rule."""
    by_table = Table("table", "read", "loaded", "quarantined", title="Rows by table", title_justify="left")
    for table in (*REFERENCE_TABLES, *PRACTICE_TABLES):
        c = report["tables"].get(table, {"read": 0, "loaded": 0, "quarantined": 0})
        q = c["quarantined"]
        by_table.add_row(table, _n(c["read"]), _n(c["loaded"]), f"[red]{_n(q)}[/]" if q else "0")

    by_practice = Table(
        "practice",
        "source",
        *(SHORT[t] for t in PRACTICE_TABLES),
        title="Rows loaded by practice (+ quarantined)",
        title_justify="left",
    )
    for code, entry in report.get("practices", {}).items():
        source = "new" if entry["status"] == "new" else "kept"
        cells = []
        for table in PRACTICE_TABLES:
            c = entry["tables"].get(table, {"loaded": 0, "quarantined": 0})
            cells.append(_cell(c["loaded"], c["quarantined"]))
        by_practice.add_row(code, source, *cells)

    reasons = Table(
        "table", "practice", "rule", "field", "rows", title="Quarantined rows by rule", title_justify="left"
    )
    for table, entry in report.get("reference", {}).items():
        if entry.get("status") != "carried":
            for key, n in entry["counts"].get("rules", {}).items():
                rule, _, field = key.partition(":")
                reasons.add_row(table, "", rule, field, _n(n))
    for code, entry in report.get("practices", {}).items():
        if entry["status"] != "new":
            continue
        for table, c in entry["tables"].items():
            for key, n in c.get("rules", {}).items():
                rule, _, field = key.partition(":")
                reasons.add_row(table, code, rule, field, _n(n))

    parts: list[Any] = [by_table, by_practice]
    if reasons.row_count:
        parts.append(reasons)
    conflicts = (report.get("patients") or {}).get("conflicts") or {}
    if conflicts.get("patients"):
        fields = ", ".join(f"{f} ({n})" for f, n in conflicts["fields"].items())
        parts.append(
            f"[yellow]{_n(conflicts['patients'])} patient(s) had differing rows in two or more practices[/] "
            f"(differing: {fields}); the row from the practice with the latest registration was kept, "
            "all rows are in quarantine/patient_conflicts.parquet"
        )
    for warning in report.get("warnings", []):
        parts.append(f"[yellow]warning:[/] {warning}")
    return Group(*parts)


def status_renderable(status: dict[str, Any]) -> Group:
    ws = status["workspace"]
    parts: list[Any] = [f"[bold]Workspace[/] {ws['path']} ({ws['name']})"]
    current = status["current"]
    if current is None:
        parts.append("No snapshot published yet: run `gpqi ingest SOURCE`.")
    else:
        parts.append(
            f"[bold]Current snapshot[/] {current['snapshot_id']}, created {current['created_at']}, "
            f"from {current['source']} (dates checked against {current['as_of']})"
        )
    if status["snapshots"]:
        snaps = Table(
            "snapshot",
            "state",
            "created",
            "practices",
            "rows",
            "quarantined",
            title="Snapshots",
            title_justify="left",
        )
        for s in status["snapshots"]:
            snaps.add_row(
                s["snapshot_id"],
                s["state"],
                s["created_at"] or "",
                _n(s["practices"]),
                _n(s["rows"]),
                _n(s["quarantined"]),
            )
        parts.append(snaps)
    if current is not None:
        tables = Table(
            "table", "rows", "quarantined", title="Current snapshot by table", title_justify="left"
        )
        for table, rows in status["tables"].items():
            q = status["quarantine"].get(table, 0)
            tables.add_row(table, _n(rows), f"[red]{_n(q)}[/]" if q else "0")
        parts.append(tables)
        if status["practices"]:
            practices = Table(
                "practice",
                "from snapshot",
                *(SHORT[t] for t in PRACTICE_TABLES),
                title="Current snapshot by practice: rows (+ quarantined)",
                title_justify="left",
            )
            for code, p in status["practices"].items():
                practices.add_row(
                    code,
                    (p["ingested_in"] or "")[:16],  # the snapshot's timestamp: when this data came in
                    *(_cell(p["rows"].get(t, 0), p["quarantined"].get(t, 0)) for t in PRACTICE_TABLES),
                )
            parts.append(practices)
        for warning in status["warnings"]:
            parts.append(f"[yellow]warning:[/] {warning}")
    last = status["last_ingest"]
    if last:
        when = last.get("finished_at") or f"started {last.get('started_at')}"
        line = f"[bold]Last ingest[/] {when}: {last.get('outcome')}"
        if last.get("outcome") == "unchanged":
            line += f" (the extract matched snapshot {last.get('snapshot_id')}; nothing new was published)"
        elif last.get("outcome") == "published":
            line += f" snapshot {last.get('snapshot_id')}"
            if last.get("accepted_shrink"):
                codes = sorted({f["practice"] for f in last["accepted_shrink"]})
                line += f" [yellow](accepted a shrink with --accept-shrink {', '.join(codes)})[/]"
        elif last.get("outcome") == "running":
            line = f"[bold]Last ingest[/] started {last.get('started_at')}: running (pid {last.get('pid')})"
        elif last.get("message"):
            line += f": {escape(last['message'])}"
        parts.append(line)
    run = status["last_run"]
    if run:
        stale = "" if run["on_current_snapshot"] else " [yellow](an older snapshot: run again)[/]"
        d = run["dates"]
        parts.append(
            f"[bold]Last run[/] {run['run_at']} on snapshot {run['snapshot_id']}{stale}: {run['indicators']} indicators, "
            f"{d['count']} dates {d['first']}..{d['last']}, {run['backend']}, {run['seconds']} s"
        )
    else:
        parts.append("No indicator run yet (results/run.json is absent).")
    return Group(*parts)


def print_renderable(renderable: Any) -> None:
    Console().print(renderable)


def formats_summary(report: dict[str, Any], forced: str | None) -> list[str]:
    """One line per practice read from a clinical system's format (and a line for detection):
    what was detected, what was skipped or dropped, what no adapter could map."""
    lines = []
    formats = {c: f for c, f in report.get("formats", {}).items() if f.get("status") != "carried"}
    detected = sorted({f["format"] for f in formats.values() if f.get("detected")})
    if forced is None and detected and detected != ["cdm"]:
        by = {fmt: [c for c, f in formats.items() if f["format"] == fmt] for fmt in detected}
        lines.append(
            "Format detected from the files (give --format to choose): "
            + "; ".join(f"{fmt}: {', '.join(codes)}" for fmt, codes in by.items())
        )
    for code, f in formats.items():
        if f["format"] == "cdm":
            continue
        parts = [f"{code} ({f['format']}): read {_n(sum(f['read'].values()))} records"]
        if f["skipped"]:
            parts.append("skipped " + ", ".join(f"{k} {_n(v)}" for k, v in f["skipped"].items()))
        if f["dropped"]:
            parts.append("dropped " + ", ".join(f"{k} {_n(v)}" for k, v in f["dropped"].items()))
        if f["quarantined"]:
            parts.append(
                "[red]not mapped[/] " + ", ".join(f"{k} {_n(v)}" for k, v in f["quarantined"].items())
            )
        parts.append(f"registrations from {f['registration_from'] or 'nowhere (none found)'}")
        lines.append("; ".join(parts))
    return lines
