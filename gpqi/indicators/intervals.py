"""Per-patient date intervals as Ibis tables: the representation the compiler works in.

A criterion is true for a patient on a set of days. Instead of testing every reporting date,
the compiler describes that set as half-open intervals [start, end) of calendar days per
patient (columns patient_id, start, end; sometimes practice_code). Combinators become
interval algebra: `all` is intersection (a join on patient with overlapping ranges), `any` is
union (then merge), `none` is difference (intersection with the gaps). Only at the end
are intervals counted against the reporting dates (gpqi.engine.counting), so the cost grows
with the number of intervals, not with patients x dates.

Every function here returns an Ibis expression; nothing is executed.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from gpqi.indicators.model import Period, SinceDate

# Sentinels for open interval ends: every real date lies strictly between them.
MIN_DATE = dt.date(1800, 1, 1)
MAX_DATE = dt.date(9999, 12, 31)

KEY = "patient_id"


def lit(value: dt.date) -> ir.DateScalar:
    return ibis.literal(value, type="date")


def reach(date: ir.DateValue, period: Period) -> ir.DateValue:
    """The first day d on which `d - period >= date`, i.e. on which `date` is `period` old.

    `d - N months` is the same day of the month N months earlier, clipped to the month's end
    (31 March - 1 month = 28/29 February). For a start date that is clipped when moved forward
    (31 January + 1 month = 28 February) the first such d is the day after the clipped date:
    that is what makes `e > d - period` and `d < reach(e, period)` the same test. Ages use the
    same rule, so someone born on 29 February turns a year older on 1 March in common years.
    """
    if period.days is not None:
        return date + ibis.interval(days=period.days)
    moved = date + ibis.interval(months=period.months)
    return ibis.ifelse(moved.day() != date.day(), moved + ibis.interval(days=1), moved)


def next_anchor(date: ir.DateValue, since: SinceDate) -> ir.DateValue:
    """The first given day of the year (e.g. 1 September) strictly after `date`."""
    this_year = ibis.date(date.year(), since.month, since.day)
    next_year = ibis.date(date.year() + 1, since.month, since.day)
    return ibis.ifelse(this_year > date, this_year, next_year)


def after_anchor_before(date: ir.DateValue, anchor: SinceDate) -> ir.DateValue:
    """The day after the latest given day of the year (e.g. 31 March) strictly before `date`:
    the first day d whose next such day on or after d falls on or after `date`."""
    this_year = ibis.date(date.year(), anchor.month, anchor.day)
    last_year = ibis.date(date.year() - 1, anchor.month, anchor.day)
    return ibis.ifelse(this_year < date, this_year, last_year) + ibis.interval(days=1)


def merge(table: ir.Table, keys: tuple[str, ...] = (KEY,), *, ends_grow: bool = False) -> ir.Table:
    """Merge overlapping or touching intervals within each key (gaps and islands).

    With `ends_grow`, the caller promises that ends never decrease as starts increase within
    a key (e.g. each event's date and the end of its window): the latest end before an
    interval is then the previous interval's, so a `lag` replaces the running maximum
    (measured about a third less DuckDB CPU on a year of prescriptions)."""
    order = [table.start, table.end]
    if ends_grow:
        prev_end = table.end.lag().over(ibis.window(group_by=list(keys), order_by=order))
    else:
        before = ibis.window(group_by=list(keys), order_by=order, rows=(None, -1))
        prev_end = table.end.max().over(before)
    flagged = table.mutate(_new=ibis.ifelse(prev_end.isnull() | (table.start > prev_end), 1, 0))
    upto = ibis.window(group_by=list(keys), order_by=[flagged.start, flagged.end], rows=(None, 0))
    grouped = flagged.mutate(_island=flagged._new.sum().over(upto))
    return (
        grouped.group_by([*keys, "_island"])
        .agg(start=grouped.start.min(), end=grouped.end.max())
        .drop("_island")
    )


def intersect(ctx: ir.Table, other: ir.Table) -> ir.Table:
    """Days in both. `ctx` keeps its extra columns (e.g. practice_code); `other` is
    (patient_id, start, end). Both must be disjoint within a patient; so is the result."""
    right = other.select(_pid=other[KEY], _start=other.start, _end=other.end)
    joined = ctx.join(
        right,
        [ctx[KEY] == right._pid, ctx.start < right._end, right._start < ctx.end],
    )
    extra = [c for c in ctx.columns if c not in (KEY, "start", "end")]
    out = joined.select(
        ctx[KEY],
        *[ctx[c] for c in extra],
        start=ibis.greatest(ctx.start, right._start),
        end=ibis.least(ctx.end, right._end),
    )
    # Always true for overlapping intervals; it also ends Ibis's join chain so the result can
    # itself be joined again.
    return out.filter(out.start < out.end)


def gaps(table: ir.Table) -> ir.Table:
    """The days not in `table` (patient_id, start, end; disjoint per patient), from MIN_DATE
    to MAX_DATE, for the patients that have an interval in it."""
    w = ibis.window(group_by=table[KEY], order_by=[table.start])
    marked = table.mutate(_prev_end=table.end.lag().over(w), _next_start=table.start.lead().over(w))
    before = marked.select(marked[KEY], start=marked._prev_end.fill_null(lit(MIN_DATE)), end=marked.start)
    after = marked.filter(marked._next_start.isnull()).select(
        marked[KEY], start=marked.end, end=lit(MAX_DATE)
    )
    out = stack([before, after])
    return out.filter(out.start < out.end)


def difference(ctx: ir.Table, other: ir.Table) -> ir.Table:
    """Days in `ctx` and not in `other` (patient_id, start, end; disjoint per patient). `ctx`
    keeps its extra columns.

    A patient with no interval in `other` keeps `ctx` as it is; the others' intervals are
    intersected with the gaps between their `other` intervals. `ctx` is read once (a left
    join to the patients `other` touches, then to the gaps), so a chain of `none` criteria
    grows linearly; intersecting everyone with a complement over all patients gives the same
    days at the cost of a whole-line row per patient."""
    other = other.select(KEY, "start", "end")
    touched = other.select(_tid=other[KEY]).distinct()
    between = gaps(other)
    between = between.select(_gid=between[KEY], _gs=between.start, _ge=between.end)
    joined = ctx.left_join(touched, ctx[KEY] == touched._tid).left_join(
        between, [ctx[KEY] == between._gid, ctx.start < between._ge, between._gs < ctx.end]
    )
    free = touched._tid.isnull()
    extra = [c for c in ctx.columns if c not in (KEY, "start", "end")]
    out = joined.filter(free | between._gid.notnull()).select(
        ctx[KEY],
        *[ctx[c] for c in extra],
        start=ibis.ifelse(free, ctx.start, ibis.greatest(ctx.start, between._gs)),
        end=ibis.ifelse(free, ctx.end, ibis.least(ctx.end, between._ge)),
    )
    # Always true; it also ends Ibis's join chain so the result can be joined again.
    return out.filter(out.start < out.end)


def stack(tables: list[ir.Table]) -> ir.Table:
    """UNION ALL of tables with the same columns (types made nullable so they match)."""
    columns = tables[0].columns
    parts = [t.select(*columns) for t in tables]
    parts = [p.cast({c: p.schema()[c].copy(nullable=True) for c in columns}) for p in parts]
    # Pairwise, so a union of n tables nests log2(n) deep rather than n: SQL compilers recurse
    # over the nesting (a chain of a few hundred unions exceeds Python's recursion limit).
    while len(parts) > 1:
        pairs = [parts[i].union(parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
        parts = pairs + parts[len(pairs) * 2 :]
    return parts[0]


def union(tables: list[ir.Table], keys: tuple[str, ...]) -> ir.Table:
    """Days in any of the tables (all with the same columns), merged."""
    return merge(stack(tables), keys)


def covering(table: ir.Table, day: dt.date) -> ir.Table:
    """Rows whose interval contains `day`."""
    value = lit(day)
    return table.filter((table.start <= value) & (table.end > value))
