"""The definition part of the indicator page: the definition in plain English (generated from
the model), its codelists with terms and provenance, its version history (each version's first
run, and who published it from the editor), and whether the page waits for the next run.

Definitions and codelists are not patient data: every role that may see the page sees this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gpqi.access.projects import definition_marks
from gpqi.engine import versions
from gpqi.indicators.english import English, describe
from gpqi.indicators.workspace import Entry, workspace_library
from gpqi.web.editor.models import Publication
from gpqi.web.ws import workspace

CODES_SHOWN = 25  # codes listed per codelist on the page (the codelist page has them all)


@dataclass(frozen=True)
class CodelistInfo:
    slug: str
    title: str
    system: str
    count: int
    origin: str  # bundled | workspace
    source: str
    provenance: str  # version, download date, who added it (workspace lists)
    codes: list[tuple[str, str]]


@dataclass(frozen=True)
class VersionRow:
    version: str
    first_run: str
    from_date: str  # the reporting date from which it was published
    previous: str
    published_by: str
    checked_by: str


@dataclass
class Definition:
    entry: Entry
    english: English
    codelists: list[CodelistInfo]
    history: list[VersionRow]
    results_version: str | None
    changes: list[tuple[str, str]] = field(default_factory=list)  # (ISO date, label) for the trend

    @property
    def waiting(self) -> bool:
        """The library's definition is not the one the results were computed with."""
        return self.entry.selected and self.results_version != self.entry.indicator.version


def definition(indicator_id: str) -> Definition | None:
    ws = workspace()
    lib = workspace_library(ws, strict=False)
    entry = lib.entries.get(indicator_id)
    if entry is None:
        return None
    ind = entry.indicator
    infos = []
    for slug in ind.codelist_slugs():
        codelist = lib.codelists.load(slug)
        p = lib.codelists.provenance(slug)
        provenance = (
            f"version {p.version or '–'}, downloaded {p.downloaded}, added by {p.added_by} on {p.added_at[:10]}"
            if p
            else ""
        )
        infos.append(
            CodelistInfo(
                slug,
                codelist.title,
                codelist.system,
                len(codelist),
                "workspace" if p else "bundled",
                (p.source or p.original_file) if p else codelist.source,
                provenance,
                [(c, codelist.terms.get(c, "")) for c in codelist.codes[:CODES_SHOWN]],
            )  # fmt: skip
        )
    published: dict[str, Any] = {
        p.version: p for p in Publication.objects.filter(indicator_id=indicator_id).order_by("published_at")
    }
    history = []
    for row in versions.history(ws, indicator_id):
        pub = published.get(row["version"])
        history.append(
            VersionRow(
                row["version"],
                row["run_at"][:10],
                row.get("last_date") or "",
                row.get("previous_version") or "",
                pub.published_by if pub else "",
                pub.checked_by if pub else "",
            )  # fmt: skip
        )
    results_version = versions.results_versions(ws).get(indicator_id)
    changes = [(m.date.isoformat(), m.label) for m in definition_marks(ws, indicator_id)]
    return Definition(entry, describe(ind, lib.codelists.load), infos, history, results_version, changes)
