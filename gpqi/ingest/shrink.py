"""The shrink guard: an extract may not replace a practice's data with much less of it unasked.

A re-sent extract in which every row is bad, or whose patients file has only a header, would
otherwise publish a snapshot in which that practice has no rows at all (every record refers to
a patient). So before publishing, each practice sent in the extract is compared with what the
current snapshot holds for it, table by table and in total, and its quarantined share is checked:

- **lost rows**: a practice that had rows and would have none, or a table (or the practice's
  total) that would lose more than `[ingest] max_shrink` of its rows;
- **quarantined rows**: more than `[ingest] max_quarantined` of a table's (or the practice's)
  rows quarantined, whether or not the practice was in the current snapshot.

The share rules apply to tables and totals of at least `[ingest] shrink_min_rows` rows (a
practice with two vaccinations that now has one has not lost half its data); losing every row
always counts. Any finding stops the ingest before anything is published, naming the practice,
the table and the counts before and after. `--accept-shrink PRACTICE` publishes that practice's
data anyway; what was accepted is kept in report.json (and so shown by `gpqi status`) and in the
ingest history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

TOTAL = "all tables"


@dataclass(frozen=True)
class Limits:
    max_shrink: float  # share of rows a table (or practice) may lose, 0-1
    max_quarantined: float  # share of rows read that may be quarantined, 0-1
    min_rows: int  # the share rules apply from this many rows


@dataclass(frozen=True)
class Finding:
    practice: str
    table: str  # a table name or TOTAL
    kind: str  # "lost_all", "shrink" or "quarantined"
    before: int  # rows in the current snapshot (quarantined: rows read)
    after: int  # rows that would be published (quarantined: rows quarantined)

    def sentence(self, limits: Limits) -> str:
        where = f"practice {self.practice}" + ("" if self.table == TOTAL else f" {self.table}")
        if self.kind == "lost_all":
            return f"{where} would go from {_rows(self.before)} to 0 (every row lost)"
        if self.kind == "shrink":
            lost = self.before - self.after
            return (
                f"{where} would go from {_rows(self.before)} to {self.after:,} "
                f"(losing {lost / self.before:.0%}; the limit is {limits.max_shrink:.0%})"
            )
        return (
            f"{where}: {self.after:,} of {_rows(self.before)} read would be quarantined "
            f"({self.after / self.before:.0%}; the limit is {limits.max_quarantined:.0%})"
        )

    def as_dict(self) -> dict:
        return asdict(self)


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _loss(practice: str, table: str, before: int, after: int, limits: Limits) -> Finding | None:
    if before > 0 and after == 0:
        return Finding(practice, table, "lost_all", before, after)
    if before >= limits.min_rows and (before - after) > limits.max_shrink * before:
        return Finding(practice, table, "shrink", before, after)
    return None


def _quarantine(practice: str, table: str, read: int, quarantined: int, limits: Limits) -> Finding | None:
    if read >= limits.min_rows and quarantined > limits.max_quarantined * read:
        return Finding(practice, table, "quarantined", read, quarantined)
    return None


def findings(
    practices: Iterable[str],
    before: Mapping[str, Mapping[str, int]],
    after: Mapping[str, Mapping[str, int]],
    counts: Mapping[str, Mapping[str, Mapping[str, int]]],
    limits: Limits,
) -> list[Finding]:
    """What the guard finds for the practices sent in the extract.

    `before` and `after`: rows per table per practice in the current and the new snapshot (a
    practice absent from `before` is new); `counts`: the new snapshot's read/quarantined counts
    per table per practice (report.json's `practices[code]["tables"]`).
    """
    out: list[Finding] = []
    for code in sorted(practices):
        new_rows = after.get(code, {})
        if code in before:
            old_rows = before[code]
            tables = sorted(set(old_rows) | set(new_rows))
            for table in tables:
                found = _loss(code, table, old_rows.get(table, 0), new_rows.get(table, 0), limits)
                if found:
                    out.append(found)
            total = _loss(code, TOTAL, sum(old_rows.values()), sum(new_rows.values()), limits)
            if total:
                out.append(total)
        tables_counts = counts.get(code, {})
        for table, c in sorted(tables_counts.items()):
            found = _quarantine(code, table, c.get("read", 0), c.get("quarantined", 0), limits)
            if found:
                out.append(found)
        read = sum(c.get("read", 0) for c in tables_counts.values())
        quarantined = sum(c.get("quarantined", 0) for c in tables_counts.values())
        total = _quarantine(code, TOTAL, read, quarantined, limits)
        if total:
            out.append(total)
    return out


def refusal(found: list[Finding], limits: Limits) -> str:
    """The message of an ingest the guard stops: every finding, then how to publish anyway."""
    codes = sorted({f.practice for f in found})
    lines = "; ".join(f.sentence(limits) for f in found)
    flags = " ".join(f"--accept-shrink {c}" for c in codes)
    return (
        f"refused to replace practice data with much less of it: {lines}. "
        f"Check the extract; if it is right, run the ingest again with {flags}"
    )


__all__ = ["TOTAL", "Finding", "Limits", "findings", "refusal"]
