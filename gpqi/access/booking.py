"""Appointments without a booking time: lead-time indicators leave them out, and say where.

Some clinical systems do not record when an appointment was booked (EMIS Web slots have no
booking time), so its lead time is unknown and lead-time indicators leave it out rather than
guess. The ingest counts such appointments per practice (`booking_time_unknown` in the
snapshot's report.json); this module says so to a user, through the disclosure gate: the
user's own practices by name with exact counts, peers by their label with disclosed counts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from gpqi.access.disclosure import Policy, counts
from gpqi.access.scope import Access
from gpqi.workspace import Workspace, WorkspaceError


@dataclass(frozen=True)
class BookingGap:
    label: str  # the practice as this user sees it (name or pseudonym)
    appointments: int | None  # None: too few to show


def unknown_booking_times(ws: Workspace) -> dict[str, int]:
    """Appointments without a booking time per practice, in the current snapshot."""
    try:
        report = ws.current_snapshot() / "report.json"
        data = json.loads(report.read_text(encoding="utf-8"))
    except (WorkspaceError, OSError, json.JSONDecodeError):
        return {}
    values = data.get("booking_time_unknown") or {}
    return {str(k): int(v) for k, v in values.items() if isinstance(v, int) and v > 0}


def booking_gaps(access: Access, ws: Workspace) -> list[BookingGap]:
    """The practices this user may see whose appointments partly lack a booking time."""
    raw = {code: n for code, n in unknown_booking_times(ws).items() if code in access.shared}
    if not raw:
        return []
    policy = Policy.of(ws)
    codes = sorted(raw)
    shown = counts(policy, [raw[c] for c in codes])
    out = []
    for code, value in zip(codes, shown, strict=True):
        if not access.needs_disclosure(code):
            out.append(BookingGap(access.label(code), raw[code]))
        else:
            out.append(BookingGap(access.label(code), None if np.isnan(value) else int(value)))
    return sorted(out, key=lambda g: g.label)
