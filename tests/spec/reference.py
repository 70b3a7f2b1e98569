"""A small pure-Python reference evaluator: the documented semantics, one patient and one
date at a time, written independently of the compiler (no intervals, no Ibis, its own date
arithmetic). The generative tests check the engine against it.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gpqi.codelists import load
from gpqi.indicators.model import (
    AppointmentFilter,
    Group,
    Indicator,
    Range,
    SinceDate,
    SinceEvent,
    SincePregnancy,
    parse_period,
)

PREGNANCY_DAYS = 43 * 7  # a pregnancy is taken to be over after 42 weeks 6 days


def back(day: dt.date, text: str) -> dt.date:
    """`day` minus a period such as '12 months': same day of the month, clipped."""
    period = parse_period(text)
    if period.unit in ("day", "week"):
        return day - dt.timedelta(days=period.n * (7 if period.unit == "week" else 1))
    months = period.n * (12 if period.unit == "year" else 1)
    year, month = day.year, day.month
    for _ in range(months):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def age(dob: dt.date, day: dt.date) -> int:
    years = day.year - dob.year
    birthday_passed = (day.month, day.day) >= (dob.month, dob.day)
    return years if birthday_passed else years - 1


@dataclass
class Data:
    patients: dict[int, dict[str, Any]]
    registrations: list[dict[str, Any]]
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # table -> rows
    appointments: list[dict[str, Any]] = field(default_factory=list)


def _codes(slugs: tuple[str, ...]) -> set[str]:
    return {code for slug in slugs for code in load(slug).codes}


class Reference:
    def __init__(self, data: Data) -> None:
        self.data = data

    # -- population ------------------------------------------------------------------------

    def practice_on(self, pid: int, day: dt.date) -> str | None:
        """The practice the patient is registered at on `day` (later start wins)."""
        spells = [
            r
            for r in self.data.registrations
            if r["patient_id"] == pid
            and r["start_date"] <= day
            and (r["end_date"] is None or day <= r["end_date"])
        ]
        if not spells:
            return None
        patient = self.data.patients[pid]
        if patient["date_of_death"] is not None and patient["date_of_death"] <= day:
            return None
        return max(spells, key=lambda r: (r["start_date"], r["practice_code"]))["practice_code"]

    def latest_start(self, pid: int, practice: str, day: dt.date) -> dt.date:
        """The start date of the most recent registration at the practice, within the
        continuous registration that covers `day`."""
        first = self.continuous_start(pid, practice, day)
        return max(
            r["start_date"]
            for r in self.data.registrations
            if r["patient_id"] == pid and r["practice_code"] == practice and first <= r["start_date"] <= day
        )

    def continuous_start(self, pid: int, practice: str, day: dt.date) -> dt.date:
        spells = [
            r for r in self.data.registrations if r["patient_id"] == pid and r["practice_code"] == practice
        ]
        start = min(
            r["start_date"]
            for r in spells
            if r["start_date"] <= day and (r["end_date"] is None or day <= r["end_date"])
        )
        moved = True
        while moved:
            moved = False
            for r in spells:
                reaches = r["end_date"] is None or r["end_date"] >= start - dt.timedelta(days=1)
                if r["start_date"] < start and reaches:
                    start, moved = r["start_date"], True
        return start

    # -- criteria ----------------------------------------------------------------------------

    def rows(self, table: str, pid: int, slugs: tuple[str, ...], day: dt.date) -> list[dict[str, Any]]:
        codes = _codes(slugs)
        return [
            r
            for r in self.data.events.get(table, [])
            if r["patient_id"] == pid and r["code"] in codes and r["date"] <= day
        ]

    def counts(self, event: dt.date, day: dt.date, spec: Any, pid: int) -> bool:
        if spec.within is not None:
            return event > back(day, spec.within)
        if isinstance(spec.since, SinceDate):
            anchor = dt.date(day.year, spec.since.month, spec.since.day)
            if anchor > day:
                anchor = dt.date(day.year - 1, spec.since.month, spec.since.day)
            return event >= anchor
        if isinstance(spec.since, SinceEvent):
            anchors = [r["date"] for r in self.rows("clinical_events", pid, (spec.since.event,), day)]
            return bool(anchors) and event >= max(anchors)
        if isinstance(spec.since, SincePregnancy):
            return any(
                lmp <= event < lmp + dt.timedelta(days=PREGNANCY_DAYS)
                for lmp in self.qualifying_lmps(pid, spec.since.pregnancy, day)
            )
        return True

    def qualifying_lmps(self, pid: int, ref: Any, day: dt.date) -> list[dt.date]:
        """LMPs of pregnancies that reached `ref.reached_weeks` in the window back from `day`
        with no newer LMP recorded before they did."""
        lmps = sorted({r["date"] for r in self.rows("clinical_events", pid, ref.codelist, dt.date.max)})
        found = []
        for lmp in lmps:
            reached = lmp + dt.timedelta(days=7 * ref.reached_weeks)
            superseded = any(lmp < other <= reached for other in lmps)
            if not superseded and back(day, ref.within) < reached <= day:
                found.append(lmp)
        return found

    def leaf(self, kind: str, spec: Any, pid: int, day: dt.date) -> bool:
        patient = self.data.patients[pid]
        if kind == "registered":
            practice = self.practice_on(pid, day)
            if practice is None:
                return False
            if spec.clock == "latest_registration":
                clock = self.latest_start(pid, practice, day)
            else:
                clock = self.continuous_start(pid, practice, day)
            if spec.for_at_least is not None:
                return clock <= back(day, spec.for_at_least)
            if spec.within is not None:
                return clock > back(day, spec.within)
            return True
        if kind == "age":
            on = day
            if spec.on_next is not None:
                on = dt.date(day.year, spec.on_next.month, spec.on_next.day)
                if on < day:
                    on = dt.date(day.year + 1, spec.on_next.month, spec.on_next.day)
            years = age(patient["date_of_birth"], on)
            return (spec.min is None or years >= spec.min) and (spec.max is None or years <= spec.max)
        if kind == "sex":
            return patient["sex"] == spec
        if kind in ("event", "medication", "vaccination"):
            table = {"event": "clinical_events", "medication": "medications", "vaccination": "vaccinations"}[
                kind
            ]
            candidates = []
            for r in self.rows(table, pid, spec.codelist, day):
                if spec.age_at_event is not None:
                    at = age(patient["date_of_birth"], r["date"])
                    low, high = spec.age_at_event.min, spec.age_at_event.max
                    if (low is not None and at < low) or (high is not None and at > high):
                        continue
                candidates.append(r["date"])
            if spec.first and candidates:
                candidates = [min(candidates)]
            days = sorted({e for e in candidates if self.counts(e, day, spec, pid)})
            if spec.min_days_apart is None:
                return len(days) >= spec.min_count
            # Earliest first, each next one at least min_days_apart after the last one taken.
            taken: list[dt.date] = []
            for e in days:
                if not taken or (e - taken[-1]).days >= spec.min_days_apart:
                    taken.append(e)
            return len(taken) >= spec.min_count
        if kind == "latest_value":
            readings = [
                r
                for r in self.rows("clinical_events", pid, spec.codelist, day)
                if r["numeric_value"] is not None
            ]
            if spec.age_at_event is not None:
                readings = [
                    r
                    for r in readings
                    if (
                        spec.age_at_event.min is None
                        or age(patient["date_of_birth"], r["date"]) >= spec.age_at_event.min
                    )
                    and (
                        spec.age_at_event.max is None
                        or age(patient["date_of_birth"], r["date"]) <= spec.age_at_event.max
                    )
                ]
            if not readings:
                return False
            latest = max(r["date"] for r in readings)
            value = min(r["numeric_value"] for r in readings if r["date"] == latest)
            if not self.counts(latest, day, spec, pid):
                return False
            return (spec.min is None or value >= spec.min) and (spec.max is None or value <= spec.max)
        if kind == "on_register":
            diagnoses = [r["date"] for r in self.rows("clinical_events", pid, spec.codelist, day)]
            if not diagnoses:
                return False
            resolved = (
                [r["date"] for r in self.rows("clinical_events", pid, spec.resolved, day)]
                if spec.resolved
                else []
            )
            # QOF: only a resolved code recorded after the latest diagnosis resolves it.
            return not any(res > max(diagnoses) for res in resolved)
        if kind == "pregnant":
            lmps = sorted({r["date"] for r in self.rows("clinical_events", pid, spec.codelist, day)})
            if spec.reached_weeks is None:
                if not lmps:
                    return False
                weeks = (day - lmps[-1]).days // 7
                low, high = spec.gestation
                return low <= weeks <= high
            all_lmps = sorted(
                {r["date"] for r in self.rows("clinical_events", pid, spec.codelist, dt.date.max)}
            )
            for lmp in all_lmps:
                reached = lmp + dt.timedelta(days=7 * spec.reached_weeks)
                superseded = any(lmp < other <= reached for other in all_lmps)
                if not superseded and back(day, spec.within) < reached <= day:
                    return True
            return False
        raise ValueError(kind)

    def holds(self, criterion: Any, pid: int, day: dt.date) -> bool:
        if isinstance(criterion, Group):
            return (
                all(self.holds(c, pid, day) for c in criterion.all)
                and (not criterion.any or any(self.holds(c, pid, day) for c in criterion.any))
                and not any(self.holds(c, pid, day) for c in criterion.none)
            )
        kind = next(iter(type(criterion).model_fields))
        return self.leaf(kind, getattr(criterion, kind), pid, day)

    # -- an indicator ------------------------------------------------------------------------

    def patient_members(self, indicator: Indicator, day: dt.date) -> dict[str, set[tuple[int, str]]]:
        out: dict[str, set[tuple[int, str]]] = {
            "before_exclusions": set(),
            "denominator": set(),
            "numerator": set(),
            "needs_care": set(),
        }
        den = indicator.denominator
        assert isinstance(den, Group)
        positive = Group.model_construct(all=den.all, any=den.any, none=())
        for pid in self.data.patients:
            practice = self.practice_on(pid, day)
            if practice is None:
                continue
            if not self.holds(positive, pid, day):
                continue
            out["before_exclusions"].add((pid, practice))
            if any(self.holds(c, pid, day) for c in den.none):
                continue
            met = self.holds(indicator.numerator, pid, day)
            # QOF's rule order: exceptions remove only those who do not meet the numerator.
            if not met and any(self.holds(c, pid, day) for c in indicator.exceptions):
                continue
            out["needs_care"].add((pid, practice))
            if not met and any(self.holds(c, pid, day) for c in indicator.payment_exceptions):
                continue
            out["denominator"].add((pid, practice))
            if met:
                out["numerator"].add((pid, practice))
        return out

    def appointment_members(self, indicator: Indicator, day: dt.date) -> dict[str, set[tuple[int, str]]]:
        out: dict[str, set[tuple[int, str]]] = {
            "before_exclusions": set(),
            "denominator": set(),
            "numerator": set(),
        }
        start = back(day, indicator.period)
        for a in self.data.appointments:
            if self.data.patients[a["patient_id"]]["type1_opt_out"]:
                continue
            when = a["start_at"].date()
            if not start < when <= day:
                continue
            key = (a["appointment_id"], a["practice_code"])
            den, num = indicator.denominator, indicator.numerator
            assert isinstance(den, AppointmentFilter) and isinstance(num, AppointmentFilter)
            if _passes(a, den, status=False):
                out["before_exclusions"].add(key)
                if _passes(a, den):
                    out["denominator"].add(key)
                    if _passes(a, num):
                        out["numerator"].add(key)
        return out


def _in(value: float, bounds: Range | None) -> bool:
    if bounds is None:
        return True
    return (
        (bounds.min is None or value >= bounds.min)
        and (bounds.max is None or value <= bounds.max)
        and (bounds.above is None or value > bounds.above)
        and (bounds.below is None or value < bounds.below)
    )


def _passes(a: dict[str, Any], spec: AppointmentFilter, status: bool = True) -> bool:
    for name in ("status", "mode", "booking_channel", "clinician_type"):
        allowed = getattr(spec, name)
        if allowed is not None and (status or name != "status") and a[name] not in allowed:
            return False
    if a["booked_at"] is None:  # no booking time: the lead time is unknown, never guessed
        return spec.lead_time_days is None and spec.lead_time_hours is None
    days = (a["start_at"].date() - a["booked_at"].date()).days
    hours = (a["start_at"] - a["booked_at"]).total_seconds() / 3600
    return _in(days, spec.lead_time_days) and _in(hours, spec.lead_time_hours)
