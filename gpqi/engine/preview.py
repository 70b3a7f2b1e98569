"""Preview: one definition on the current snapshot at one reporting date, with its attrition.

    p = preview(ws, "dm-bp", dt.date(2026, 3, 31))
    p.practices   # per practice: denominator, numerator, excluded, value
    p.attrition   # each criterion in turn: how many patients are still in after it

The attrition follows the definition as written: registered and alive on the date, without a
type 1 opt-out, then each `all` criterion of the denominator, its `any` part, each `none`
exclusion, each exception (applied, in QOF's rule order, only to patients not meeting the
numerator); then the numerator's criteria in the same way. Every step is the compiler's own
`within` of that criterion on the step before, so the last denominator and numerator steps are
exactly what `gpqi run` counts. Only the rows covering the reporting date are kept at each
step, which is what makes a preview take seconds rather than a run's minutes.

Nothing is written to the workspace. The counts are raw: a caller that shows them to anyone
outside the central team applies disclosure control (`gpqi.web` does).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from gpqi.engine.backends import connect
from gpqi.engine.dates import month_end
from gpqi.engine.runner import open_snapshot
from gpqi.engine.store import read_run_info
from gpqi.indicators.compiler import (
    KEY,
    PRACTICE,
    Compiler,
    codes_arrow,
    filter_appointments,
    needed_codelists,
    prepare_sources,
)
from gpqi.indicators.english import describe_criterion
from gpqi.indicators.intervals import lit, reach, stack
from gpqi.indicators.model import AppointmentFilter, Group, Indicator, parse_period
from gpqi.indicators.workspace import WorkspaceLibrary, workspace_library
from gpqi.workspace import Workspace, open_workspace

__all__ = ["AttritionStep", "Preview", "PracticeCounts", "default_date", "preview"]


@dataclass(frozen=True)
class AttritionStep:
    part: str  # "denominator" or "numerator"
    label: str
    total: int
    by_practice: dict[str, int] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class PracticeCounts:
    practice_code: str
    denominator: int
    numerator: int
    excluded: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass
class Preview:
    indicator: Indicator
    reporting_date: dt.date
    snapshot_id: str
    practices: list[PracticeCounts]
    attrition: list[AttritionStep]
    seconds: float

    @property
    def denominator(self) -> int:
        return sum(p.denominator for p in self.practices)

    @property
    def numerator(self) -> int:
        return sum(p.numerator for p in self.practices)

    @property
    def excluded(self) -> int:
        return sum(p.excluded for p in self.practices)


def default_date(ws: Workspace) -> dt.date:
    """The last reporting date of the last run, else the end of the last complete month."""
    last = read_run_info(ws).get("dates", {}).get("last")
    if last:
        return dt.date.fromisoformat(last)
    today = dt.date.today()
    year, month = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return month_end(year, month)


def _covering(table: ir.Table, day: dt.date) -> ir.Table:
    when = lit(day)
    return table.filter((table.start <= when) & (table.end > when))


def _counts(table: ir.Table, unit: str) -> dict[str, int]:
    frame = table.group_by(PRACTICE).agg(n=table[unit].nunique()).to_pandas()
    return {str(code): int(n) for code, n in zip(frame[PRACTICE], frame["n"], strict=True)}


def _patient_steps(compiler: Compiler, indicator: Indicator, day: dt.date, keep: Any, codelists: Any):
    den, num = indicator.denominator, indicator.numerator
    assert isinstance(den, Group) and isinstance(num, Group)
    patients = compiler.sources.patients
    opted = patients.filter(patients.type1_opt_out).select(_pid=patients[KEY])

    ctx = keep(_covering(compiler.base(), day))
    steps: list[tuple[str, str, ir.Table]] = [("denominator", "registered at a practice and alive", ctx)]
    ctx = keep(ctx.anti_join(opted, ctx[KEY] == opted._pid))
    steps.append(("denominator", "without a type 1 opt-out", ctx))
    marks: dict[str, ir.Table] = {}

    def walk(part: str, group: Group, ctx: ir.Table) -> ir.Table:
        for item in group.all:
            ctx = keep(_covering(compiler.within(item, ctx), day))
            steps.append((part, describe_criterion(item, codelists), ctx))
        if group.any:
            ctx = keep(_covering(compiler.within(Group(any=group.any), ctx), day))
            steps.append((part, describe_criterion(Group(any=group.any), codelists), ctx))
        if part == "denominator":
            marks["before_exclusions"] = ctx
        for item in group.none:
            ctx = keep(_covering(compiler.within(Group(none=(item,)), ctx), day))
            steps.append((part, "not " + describe_criterion(item, codelists), ctx))
        return ctx

    den_ctx = walk("denominator", den, ctx)
    if indicator.exceptions or indicator.payment_exceptions:
        # QOF's rule order: exceptions remove only those not meeting the numerator, so those
        # who meet it are found first and kept through every exception step.
        met_now = keep(_covering(compiler.within(num, den_ctx), day))
        met = met_now.select(_pid=met_now[KEY])
        rest = den_ctx.anti_join(met, den_ctx[KEY] == met._pid)
        kept_met = den_ctx.semi_join(met, den_ctx[KEY] == met._pid)
        for kind, items in (
            ("exception", indicator.exceptions),
            ("payment exception", indicator.payment_exceptions),
        ):
            for item in items:
                rest = keep(_covering(compiler.within(Group(none=(item,)), rest), day))
                den_ctx = keep(stack([kept_met, rest]))
                label = f"{kind}: not {describe_criterion(item, codelists)}, unless meeting the numerator"
                steps.append(("denominator", label, den_ctx))
    num_ctx = walk("numerator", num, den_ctx)
    return steps, marks["before_exclusions"], den_ctx, num_ctx, KEY


def _appointment_steps(compiler: Compiler, indicator: Indicator, day: dt.date, keep: Any):
    den, num = indicator.denominator, indicator.numerator
    assert isinstance(den, AppointmentFilter) and isinstance(num, AppointmentFilter)
    period = parse_period(indicator.period)
    when = lit(day)
    kept = compiler.sources.appointments
    patients = compiler.sources.patients
    opted = patients.filter(patients.type1_opt_out).select(_pid=patients[KEY])
    # An appointment on day t counts on reporting dates d with d - period < t <= d; cutting to
    # those first makes the compiler's filters run on one period's appointments, not all.
    in_period = kept.filter((kept.day <= when) & (reach(kept.day, period) > when))
    everyone = keep(in_period.anti_join(opted, in_period[KEY] == opted._pid))
    pre = keep(filter_appointments(everyone, den, with_status=False))
    den_t = keep(filter_appointments(everyone, den))
    num_t = keep(filter_appointments(den_t, num))
    steps = [
        ("denominator", f"appointments in the {period} up to the date, without a type 1 opt-out", everyone),
        ("denominator", "mode, channel, clinician and lead time as defined", pre),
        ("denominator", "status as defined", den_t),
        ("numerator", "the numerator's filters", num_t),
    ]
    return steps, pre, den_t, num_t, "appointment_id"


def preview(
    workspace: Workspace | str,
    indicator: Indicator | str,
    day: dt.date | None = None,
    *,
    backend: str = "duckdb",
    library: WorkspaceLibrary | None = None,
) -> Preview:
    """Evaluate one definition at one reporting date (default `default_date`)."""
    started = time.perf_counter()
    ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace)
    lib = library or workspace_library(ws)
    ind = indicator if isinstance(indicator, Indicator) else lib.get(indicator)
    day = day or default_date(ws)
    snapshot_id = ws.current_snapshot().name
    engine = connect(backend, threads=ws.config.engine.threads, memory_limit=ws.config.engine.memory_limit,
                     spark_master=ws.config.engine.spark_master)  # fmt: skip
    try:
        tables = open_snapshot(engine, ws)
        needed = needed_codelists([ind])
        sources = prepare_sources(tables, engine.upload(codes_arrow(needed, lib.codelists.load)), needed)
        sources.coded = engine.materialise(sources.coded)
        compiler = Compiler(sources, materialise=engine.materialise)
        if ind.unit == "patient":
            steps, pre, den, num, unit = _patient_steps(
                compiler, ind, day, engine.materialise, lib.codelists.load
            )
        else:
            steps, pre, den, num, unit = _appointment_steps(compiler, ind, day, engine.materialise)
        attrition = []
        for part, label, table in steps:
            counts = _counts(table, unit)
            attrition.append(AttritionStep(part, label, sum(counts.values()), counts))
        pre_c, den_c, num_c = _counts(pre, unit), _counts(den, unit), _counts(num, unit)
        practices_table = tables["practices"].select("practice_code").to_pandas()
    finally:
        engine.close()
    codes = sorted(set(practices_table["practice_code"]) | set(pre_c))
    practices = [
        PracticeCounts(code, den_c.get(code, 0), num_c.get(code, 0), pre_c.get(code, 0) - den_c.get(code, 0))
        for code in codes
    ]
    return Preview(ind, day, snapshot_id, practices, attrition, round(time.perf_counter() - started, 2))
