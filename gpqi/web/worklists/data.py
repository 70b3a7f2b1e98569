"""Reading, filtering and sorting one practice's worklists (the engine's files at
`Workspace.worklist_path(practice, indicator)`, schema `gpqi.engine.schema.WORKLIST`).

Callers check `Access.may_see_patients(practice)` first; this module only reads. Rows are
filtered again by practice_code so a misplaced file could never show another practice's
patients.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq

from gpqi.engine.schema import WORKLIST_REASONS
from gpqi.workspace import Workspace

REASON_LABELS = {
    "never_recorded": "Never recorded",
    "out_of_date": "Out of date",
    "above_target": "Latest value outside the target",
    "not_done": "Other part not met",
}
assert set(REASON_LABELS) == set(WORKLIST_REASONS)

SORTS = {
    "name": ("family_name", "given_name", "patient_id"),
    "nhs_number": ("nhs_number",),
    "date_of_birth": ("date_of_birth", "family_name"),
    "age": ("age", "family_name"),
    "reason": ("reason_order", "family_name", "given_name"),
    "last_date": ("last_date", "family_name"),
    "last_value": ("last_value", "family_name"),
}
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass(frozen=True)
class Filters:
    reason: str = ""
    age_min: int | None = None
    age_max: int | None = None
    search: str = ""  # part of a name, or NHS number digits; never logged or audited
    sort: str = "reason"
    descending: bool = False

    def describe(self) -> str:
        """For the audit record: what was applied, without the search text."""
        parts = [f"sort={self.sort}{' desc' if self.descending else ''}"]
        if self.reason:
            parts.append(f"reason={self.reason}")
        if self.age_min is not None:
            parts.append(f"age_min={self.age_min}")
        if self.age_max is not None:
            parts.append(f"age_max={self.age_max}")
        if self.search:
            parts.append("search=yes")
        return " ".join(parts)


@dataclass(frozen=True)
class Worklist:
    practice_code: str
    indicator_id: str
    reporting_date: dt.date | None
    rows: list[dict[str, Any]]  # every patient on the list (before filters)


def indicator_ids(ws: Workspace, practice_code: str) -> list[str]:
    folder = ws.worklists_dir / practice_code
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.parquet") if _SLUG.match(p.stem))


def read(ws: Workspace, practice_code: str, indicator_id: str) -> Worklist | None:
    """The practice's worklist for an indicator, or None when the engine wrote none."""
    if not _SLUG.match(indicator_id):
        return None
    path = ws.worklist_path(practice_code, indicator_id)
    if not path.is_file():
        return None
    table = pq.read_table(path)
    rows = [r for r in table.to_pylist() if r["practice_code"] == practice_code]
    order = {reason: i for i, reason in enumerate(WORKLIST_REASONS)}
    for r in rows:
        r["reason_order"] = order.get(r["reason"], len(order))
    dates = {r["reporting_date"] for r in rows}
    return Worklist(practice_code, indicator_id, max(dates) if dates else None, rows)


def count(ws: Workspace, practice_code: str, indicator_id: str) -> tuple[int, int, dt.date | None]:
    """(patients listed, of whom type 1 opt-outs, reporting date) without building rows."""
    wl = read(ws, practice_code, indicator_id)
    if wl is None:
        return 0, 0, None
    return len(wl.rows), sum(1 for r in wl.rows if r["type1_opt_out"]), wl.reporting_date


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def apply(rows: list[dict[str, Any]], f: Filters) -> list[dict[str, Any]]:
    out = rows
    if f.reason:
        out = [r for r in out if r["reason"] == f.reason]
    if f.age_min is not None:
        out = [r for r in out if r["age"] >= f.age_min]
    if f.age_max is not None:
        out = [r for r in out if r["age"] <= f.age_max]
    if f.search:
        needle = f.search.casefold().strip()
        if re.fullmatch(r"[\d\s-]+", needle):  # an NHS number, whole or in part
            number = digits(needle)
            out = [r for r in out if number in r["nhs_number"]]
        else:
            out = [
                r
                for r in out
                if needle in f"{r['given_name'] or ''} {r['family_name'] or ''}".casefold()
                or needle in f"{r['family_name'] or ''}, {r['given_name'] or ''}".casefold()
            ]
    keys = SORTS.get(f.sort, SORTS["reason"])

    def key(r: dict[str, Any]) -> tuple:
        # Missing values sort last in either direction.
        return tuple((r[k] is None, r[k] if r[k] is not None else 0) for k in keys)

    present = sorted(out, key=key, reverse=f.descending)
    if f.descending:  # keep missing values last when reversed
        present = [r for r in present if r[keys[0]] is not None] + [r for r in present if r[keys[0]] is None]
    return present


def nhs_format(number: str) -> str:
    """NHS numbers are shown 3-3-4: 999 123 4567."""
    n = digits(number)
    return f"{n[:3]} {n[3:6]} {n[6:]}" if len(n) == 10 else number


def display_name(row: dict[str, Any]) -> str:
    """NHS style: FAMILY, Given."""
    family = (row.get("family_name") or "").upper()
    given = row.get("given_name") or ""
    return f"{family}, {given}" if family and given else family or given or "(no name recorded)"
