"""Who is in an indicator on given dates: per-patient (or per-appointment) membership.

The runner only needs counts; this module answers "which patients, on which dates" by joining
the compiled intervals with the reporting dates directly. tests/spec uses it to pin the
semantics on every backend, and it is a second path to the same numbers as the counting in
gpqi.engine.counting (tests compare the two).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from gpqi.engine.backends import Backend
from gpqi.indicators.compiler import KEY, Compiler, codes_arrow, needed_codelists, prepare_sources
from gpqi.indicators.intervals import reach, stack
from gpqi.indicators.model import Indicator

PARTS = ("before_exclusions", "denominator", "numerator")
# Patient indicators also answer who a worklist may list (the denominator plus those removed
# only by payment exceptions; see PatientPopulations.for_worklist).
PATIENT_PARTS = (*PARTS, "needs_care")


def dates_table(dates: list[dt.date]) -> pa.Table:
    return pa.table({"reporting_date": pa.array(sorted(set(dates)), pa.date32())})


def membership_expr(compiler: Compiler, indicator: Indicator, dates: ir.Table) -> ir.Table:
    """Rows (unit_id, practice_code, reporting_date, part): patient_id or appointment_id is
    in `part` of the indicator on that date. Type 1 opt-outs are kept (filter them yourself)."""
    frames = []
    if indicator.unit == "patient":
        pops = compiler.patient_populations(indicator)
        for part in PATIENT_PARTS:
            table = pops.for_worklist if part == "needs_care" else getattr(pops, part)
            joined = table.join(
                dates, (dates.reporting_date >= table.start) & (dates.reporting_date < table.end)
            )
            frames.append(
                joined.select(
                    unit_id=table[KEY], practice_code=table.practice_code, reporting_date=dates.reporting_date
                ).mutate(part=ibis.literal(part))
            )
    else:
        pops = compiler.appointment_populations(indicator)
        for part in PARTS:
            table = getattr(pops, part)
            # An appointment on day t counts on reporting dates d with d - period < t <= d.
            joined = table.join(
                dates,
                (dates.reporting_date >= table.day) & (dates.reporting_date < reach(table.day, pops.period)),
            )
            frames.append(
                joined.select(
                    unit_id=table.appointment_id,
                    practice_code=table.practice_code,
                    reporting_date=dates.reporting_date,
                ).mutate(part=ibis.literal(part))
            )
    return stack(frames)


def evaluate(
    backend: Backend,
    tables: dict[str, ir.Table],
    indicators: list[Indicator],
    dates: list[dt.date],
    *,
    materialise: bool = False,
    patient_ranges: dict[str, tuple[int, int]] | None = None,
) -> Any:
    """Membership of several indicators in one query (a pandas DataFrame with an extra
    `indicator_id` column). One query keeps Spark's per-job overhead to one job.
    `patient_ranges` limits an indicator to patient ids in a range (tests evaluate many
    independent cases in one query this way)."""
    needed = needed_codelists(indicators)
    sources = prepare_sources(tables, backend.upload(codes_arrow(needed)), needed)
    keep = backend.materialise if materialise else None
    shared = Compiler(sources, materialise=keep)
    grid = backend.upload(dates_table(dates))
    parts = []
    for ind in indicators:
        span = (patient_ranges or {}).get(ind.id)
        compiler = Compiler(sources.only(*span), materialise=keep) if span else shared
        parts.append(membership_expr(compiler, ind, grid).mutate(indicator_id=ibis.literal(ind.id)))
    return stack(parts).to_pandas()
