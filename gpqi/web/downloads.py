"""What a download says about itself: a file name that names what it holds (who or what it is
about, which table or chart, the reporting date) and, at the top of every CSV (an "About" sheet
in XLSX, a title and source line on PNG/SVG), the title, reporting date, scope, disclosure note
and source. One home for the wording, so every page's downloads read the same."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from gpqi.workspace import Workspace

_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass(frozen=True)
class About:
    """The context a download carries with it."""

    title: str
    reporting_date: dt.date | None
    scope: str
    disclosure: str
    source: str

    def rows(self) -> list[tuple[str, str]]:
        """(label, text) lines for the top of a CSV or an XLSX "About" sheet."""
        return [
            ("Title", self.title),
            ("Reporting date", self.reporting_date.isoformat() if self.reporting_date else "–"),
            ("Scope", self.scope),
            ("Disclosure", self.disclosure),
            ("Source", self.source),
        ]

    def titled(self, title: str) -> About:
        return replace(self, title=title)

    def source_line(self) -> str:
        """One line under a chart: the source, the date and the disclosure note, short."""
        day = f", results at {self.reporting_date:%-d %B %Y}" if self.reporting_date else ""
        return f"{self.source}{day}. {self.disclosure}"


def file_name(parts: list[str | None], reporting_date: dt.date | None, ext: str) -> str:
    """`pulse-check-65_league_2026-03-31.csv`: the non-empty parts, made safe for every file
    system, joined with underscores, then the reporting date."""
    clean = [_UNSAFE.sub("-", p).strip("-") for p in parts if p]
    if reporting_date is not None:
        clean.append(reporting_date.isoformat())
    return "_".join(p for p in clean if p) + f".{ext}"


def disclosure_note(ws: Workspace, sees_all_raw: bool, own_labels: list[str] | None = None) -> str:
    """How the counts in a shared table were protected, for this user."""
    own_labels = own_labels or []
    cfg = ws.config.disclosure
    if sees_all_raw:
        return (
            "Counts are not rounded: this download is for the central team, who see every practice's own "
            "counts. Round and suppress before sharing it further "
            f"(counts of {cfg.redact_at_or_below} or fewer hidden, others rounded to {cfg.round_to})."
        )
    if len(own_labels) == 1:
        own = f"{own_labels[0]}'s own counts are exact; "
    elif own_labels:
        own = "your own practices' counts are exact; "
    else:
        own = ""
    return (
        f"{own}counts of other practices are rounded to the nearest {cfg.round_to} and counts of "
        f"{cfg.redact_at_or_below} or fewer are not shown; rates are worked out from the rounded counts."
    )


PATIENT_LEVEL_NOTE = (
    "Patient-identifiable: for direct care at this practice only. Do not share outside the practice. "
    "This download is recorded in the audit log."
)


def source(ws: Workspace, reference: str | None = None) -> str:
    """Where the figures come from: the programme's indicator run, and the indicator's basis."""
    text = f"gpqi, {ws.config.workspace.name}: indicator results from the practices' own records"
    if reference:
        text += f"; indicator based on {reference.rstrip('.')}"
    return text
