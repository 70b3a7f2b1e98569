"""Generative tests: random patients and random definitions, engine against the pure-Python
reference evaluator (tests/spec/reference.py), on DuckDB (many examples, via hypothesis) and
on PySpark (a fixed batch of seeded examples in one job).

Dates are drawn near the boundaries that matter (month ends, 29 February, 1 September, a day
either side, exactly N months or years back), where off-by-one bugs live.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gpqi.codelists import load
from gpqi.engine.backends import connect
from gpqi.engine.membership import evaluate
from gpqi.indicators import parse
from tests.spec.builder import to_arrow
from tests.spec.framework import spec_spark_session
from tests.spec.reference import Data, Reference

REPORTING = [
    dt.date(2023, 2, 28),
    dt.date(2023, 3, 31),
    dt.date(2023, 8, 31),
    dt.date(2023, 9, 1),
    dt.date(2024, 2, 29),
    dt.date(2024, 3, 1),
    dt.date(2024, 3, 31),
]
# Offsets from a reporting date, weighted to the boundary itself and a day either side (listed
# three times: drawn half the time), then the edges of weeks, months and years back.
EDGE = [dt.timedelta(0), dt.timedelta(days=-1), dt.timedelta(days=1)]
OFFSETS = EDGE * 3 + [
    dt.timedelta(days=-6),
    dt.timedelta(days=-7),
    dt.timedelta(days=-29),
    dt.timedelta(days=-30),
    dt.timedelta(days=-31),
    dt.timedelta(days=-224),
    dt.timedelta(days=-365),
    dt.timedelta(days=-366),
    dt.timedelta(days=-367),
]
CODES = {
    "clinical_events": [
        "diabetes",
        "diabetes-resolved",
        "systolic-bp",
        "bp-declined",
        "last-menstrual-period",
        "hypertension-invite",
    ],
    "vaccinations": ["flu-vaccination"],
    "medications": ["statins"],
}
# Two codes of each codelist: the first and the last, so both ends of a list are exercised.
CODES_OF = {slug: [load(slug).codes[0], load(slug).codes[-1]] for slugs in CODES.values() for slug in slugs}
VALUES = [None, 120.0, 140.0, 140.5, 150.0]

HEADER = {
    "title": "generated definition",
    "domain": "cardiovascular",
    "higher_is_better": True,
    "reference": "tests/spec/test_generative.py",
    "description": "a random definition",
    "authored_by": "tests",
}

WINDOWS = [
    "within: 1 month",
    "within: 12 months",
    "within: 1 week",
    "within: 1 year",
    "since: {month: 9, day: 1}",
    "since: {event: last-menstrual-period}",
    "ever: true",
]
# Windows only event-like criteria take (not latest_value).
EVENT_WINDOWS = [*WINDOWS, "since: {pregnancy: {reached_weeks: 32, within: 3 months}}"]


def _shift(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return dt.date(day.year - years, 2, 28)


class Chooser:
    """Choices from hypothesis (`draw`) or from a seeded random.Random, so one generator
    serves both the hypothesis test and the batched Spark test."""

    def __init__(self, draw=None, rng: random.Random | None = None) -> None:
        self.draw, self.rng = draw, rng

    def pick(self, options: list):
        return self.draw(st.sampled_from(options)) if self.draw else self.rng.choice(options)

    def integer(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high)) if self.draw else self.rng.randint(low, high)


def near(c: Chooser, home: dt.date | None = None) -> dt.date:
    """A date at or near a boundary of a reporting date: the patient's own `home` date two
    times in three when one is given (a patient's records cluster round a visit, so counts,
    "latest" values and short windows are met), otherwise any reporting date."""
    day = c.pick([home, home, None]) if home is not None else None
    return (day or c.pick(REPORTING)) + c.pick(OFFSETS)


def birth(c: Chooser) -> dt.date:
    day = _shift(c.pick(REPORTING), c.pick([1, 2, 17, 45, 65, 79, 80]))
    day += c.pick([dt.timedelta(0), dt.timedelta(days=1), dt.timedelta(-1)])
    return c.pick([day, day, dt.date(1960, 2, 29), dt.date(2022, 2, 28)])


def dataset(c: Chooser) -> dict:
    patients, registrations, events = [], [], {name: [] for name in CODES}
    for pid in range(1, c.integer(20, 30) + 1):
        home = c.pick(REPORTING)
        dob = birth(c)
        dod = c.pick([None, None, near(c)])
        patients.append(
            {
                "patient_id": pid,
                "date_of_birth": dob,
                "sex": c.pick(["female", "male"]),
                "date_of_death": dod if dod is None or dod > dob else None,
                "type1_opt_out": False,
            }
        )
        # Most patients registered long before the reporting dates (so registration rules pass
        # and the other criteria are what is tested), some at a boundary.
        start = c.pick([_shift(c.pick(REPORTING), 10), near(c)])
        registrations += spells(c, pid, start)
        for table, slugs in CODES.items():
            for _ in range(c.integer(3, 8)):
                # a real code of the codelist (a slug is not a code: it would match nothing)
                row = {"patient_id": pid, "date": near(c, home), "code": c.pick(CODES_OF[c.pick(slugs)])}
                if table == "clinical_events":
                    row["numeric_value"] = c.pick(VALUES)
                events[table].append(row)
        events["clinical_events"] += episodes(c, pid, home, patients[-1]["sex"])
    return {"patients": patients, "registrations": registrations, "events": events}


def spells(c: Chooser, pid: int, start: dt.date) -> list[dict]:
    """A patient's registrations: an open spell at P1 from `start`, half the time after an
    earlier spell elsewhere or at P1, sometimes with a spell at P2 overlapping the P1 spells
    (a move away and back) or inside the open one (a short spell elsewhere)."""
    day = dt.timedelta(days=1)
    rows = [{"patient_id": pid, "practice_code": "P1", "start_date": start, "end_date": None}]
    shape = c.integer(0, 7)
    if shape < 4:
        # An earlier spell that ends the day before (continuous) or two days before (a gap).
        first_end = start - day * c.pick([1, 2])
        first_start = min(first_end, _shift(start, c.pick([1, 3])))
        practice = c.pick(["P1", "P2"])
        rows.append(
            {"patient_id": pid, "practice_code": practice, "start_date": first_start, "end_date": first_end}
        )
    elif shape in (4, 5):
        # A re-registration at the same practice: the earlier spell ends the day before (the
        # spells touch) or a week before.
        first_end = start - day * c.pick([1, 8])
        first_start = min(first_end, _shift(start, c.pick([1, 2])))
        rows.append(
            {"patient_id": pid, "practice_code": "P1", "start_date": first_start, "end_date": first_end}
        )
        if shape == 5:
            # Meanwhile a spell at P2 from inside the earlier spell, ending a day either side of
            # the return to P1 (or two days before, or on it).
            p2_start = max(first_start, first_end - day * c.pick([0, 30, 200]))
            p2_end = start + day * c.pick([-2, -1, 0, 1])
            rows.append(
                {"patient_id": pid, "practice_code": "P2", "start_date": p2_start, "end_date": p2_end}
            )
    elif shape == 6:
        # A spell at P2 ending at or near a reporting date, inside the open P1 spell when it
        # starts after it (else it overlaps P1's start: the later start counts).
        p2_end = near(c)
        p2_start = p2_end - day * c.pick([0, 31, 92, 366])
        rows.append({"patient_id": pid, "practice_code": "P2", "start_date": p2_start, "end_date": p2_end})
    return rows


def episodes(c: Chooser, pid: int, home: dt.date, sex: str) -> list[dict]:
    """Records that come in a pattern a random scatter almost never makes: a series of
    invitations some days apart, and a pregnancy (the last menstrual period some weeks before
    the patient's date). Without them invitation counts and pregnancy criteria match nobody.
    The gaps and gestations sit on and either side of the definitions' limits."""
    rows = []
    if c.integer(0, 2) == 0:
        day = home + c.pick(EDGE)
        for _ in range(c.integer(2, 3)):
            rows.append({"patient_id": pid, "date": day, "code": c.pick(CODES_OF["hypertension-invite"])})
            day -= dt.timedelta(days=c.pick([6, 7, 8, 29, 30, 31]))
    if sex == "female" and c.integer(0, 1) == 0:
        weeks = dt.timedelta(weeks=c.pick([0, 4, 16, 26, 30, 32, 36, 42, 43]))
        day = home - weeks + c.pick(EDGE)
        rows.append({"patient_id": pid, "date": day, "code": c.pick(CODES_OF["last-menstrual-period"])})
    return [{**row, "numeric_value": None} for row in rows]


KINDS = [
    "registered",
    "age",
    "sex",
    "event",
    "latest",
    "register",
    "pregnant",
    "reached",
    "vacc",
    "med",
    "invites",
]
COMMON = ["registered", "sex", "vacc", "med", "register"]  # often met by a generated patient


def leaf(c: Chooser, kinds: list[str] = KINDS) -> dict:
    kind = c.pick(kinds)
    window = c.pick(WINDOWS)
    if kind == "registered":
        period = c.pick(["3 months", "1 year", "1 month"])
        length = c.pick(["for_at_least", "for_at_least", "within"])
        clock = c.pick(["", ", clock: latest_registration"])
        text = f"registered: {{{length}: {period}{clock}}}"
    elif kind == "age":
        low = c.pick([1, 17, 45, 65, 80])
        on = c.pick(["", "", ", on_next: {month: 3, day: 31}"])
        text = f"age: {{min: {low}, max: {low + c.pick([0, 14, 50])}{on}}}"
    elif kind == "sex":
        text = "sex: female"
    elif kind == "event":
        slug = c.pick(["systolic-bp", "bp-declined", "diabetes"])
        count = c.pick(["min_count: 1", "min_count: 2", "first: true"])
        text = f"event: {{codelist: {slug}, {window}, {count}}}"
    elif kind == "invites":
        apart = c.pick([7, 30])
        text = f"event: {{codelist: hypertension-invite, {window}, min_count: {c.pick([2, 3])}, min_days_apart: {apart}}}"
    elif kind == "latest":
        bounds = c.pick(["max: 140", "min: 140", "min: 130, max: 145"])
        text = f"latest_value: {{codelist: systolic-bp, {window}, {bounds}}}"
    elif kind == "register":
        text = c.pick(
            [
                "on_register: {codelist: diabetes, resolved: diabetes-resolved}",
                "on_register: {codelist: diabetes}",
            ]
        )
    elif kind == "pregnant":
        low = c.pick([0, 4, 16])
        text = f"pregnant: {{gestation_weeks: {{min: {low}, max: {low + c.pick([0, 10, 26])}}}}}"
    elif kind == "reached":
        text = f"pregnant: {{reached_weeks: 32, within: {c.pick(['1 month', '3 months'])}}}"
    elif kind == "vacc":
        text = f"vaccination: {{codelist: flu-vaccination, {c.pick(EVENT_WINDOWS)}}}"
    else:
        extra = c.pick(["", ", age_at_event: {min: 17}"])
        text = f"medication: {{codelist: statins, {window}{extra}}}"
    return yaml.safe_load(text)


def group(c: Chooser, depth: int = 0) -> dict:
    out: dict = {}
    # "none" takes any kind, mostly rare ones, so it leaves some patients in; "all" and "any"
    # take mixed criteria (three rare ones together match nobody).
    for part, most, pick in (("all", 2, mixed), ("any", 2, mixed), ("none", 2, leaf)):
        items = []
        for _ in range(c.integer(0, most)):
            items.append(group(c, depth + 1) if depth == 0 and c.integer(0, 4) == 0 else pick(c))
        if items:
            out[part] = items
    return out or {"all": [leaf(c)]}


def small_group(c: Chooser) -> dict:
    """One or two criteria that must hold, sometimes one that must not: met by a fair share of
    the generated patients, so most examples compare non-empty sets."""
    out: dict = {"all": [mixed(c) for _ in range(c.pick([1, 1, 2]))]}
    if c.integer(0, 4) == 0:
        out["none"] = [leaf(c)]
    return out


def mixed(c: Chooser) -> dict:
    """Any kind of criterion, half the time one a generated patient often meets: a group of
    rare criteria matches nobody, and an empty set tests nothing."""
    return leaf(c, c.pick([KINDS, COMMON]))


def common(c: Chooser) -> dict:
    return {"all": [leaf(c, COMMON)]}


def definition(c: Chooser, ident: str = "generated") -> str:
    denominator = c.pick([common, common, small_group, small_group, group])(c)
    numerator = c.pick([common, common, common, common, small_group, group])(c)
    data = {"id": ident, **HEADER, "denominator": denominator, "numerator": numerator}
    for name in ("exceptions", "payment_exceptions"):
        if c.integer(0, 2) == 0:
            data[name] = [leaf(c) for _ in range(c.integer(1, 2))]
    return yaml.safe_dump(data, sort_keys=False)


@st.composite
def examples(draw) -> tuple[dict, str]:
    c = Chooser(draw=draw)
    return dataset(c), definition(c)


def reference_members(data: dict, indicator, days: list[dt.date]) -> set[tuple]:
    patients = {p["patient_id"]: p for p in data["patients"]}
    ref = Reference(Data(patients=patients, registrations=data["registrations"], events=data["events"]))
    out = set()
    for day in days:
        for part, members in ref.patient_members(indicator, day).items():
            out |= {(part, day, pid, practice) for pid, practice in members}
    return out


def upload(backend, data: dict) -> dict:
    tables = {
        "patients": to_arrow("patients", data["patients"]),
        "registrations": to_arrow("registrations", data["registrations"]),
        **{name: to_arrow(name, rows) for name, rows in data["events"].items()},
        "appointments": to_arrow("appointments", []),
    }
    return {name: backend.upload(table) for name, table in tables.items()}


def as_members(frame) -> dict[str, set[tuple]]:
    out: dict[str, set[tuple]] = {}
    for row in frame.itertuples():
        day = dt.date.fromisoformat(str(row.reporting_date)[:10])
        out.setdefault(row.indicator_id, set()).add((row.part, day, int(row.unit_id), row.practice_code))
    return out


@pytest.fixture(scope="module")
def duck():
    backend = connect("duckdb")
    yield backend
    backend.close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(example=examples(), days=st.lists(st.sampled_from(REPORTING), min_size=1, max_size=3, unique=True))
def test_duckdb_matches_reference(duck, example, days):
    data, text = example
    indicator = parse(text)
    days = sorted(days)
    frame = evaluate(duck, upload(duck, data), [indicator], days)
    assert as_members(frame).get(indicator.id, set()) == reference_members(data, indicator, days), text


def test_most_generated_examples_have_members():
    """The oracle only tests what it is shown: most examples must put generated patients in both
    the denominator and the numerator (a floor, on a fixed seed of the same generator)."""
    rng = random.Random(20261201)
    days = [dt.date(2023, 8, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]
    both = 0
    for number in range(40):
        chooser = Chooser(rng=rng)
        data, text = dataset(chooser), definition(chooser, f"generated-{number}")
        parts = {part for part, *_ in reference_members(data, parse(text), days)}
        both += {"denominator", "numerator"} <= parts
    assert both >= 30, f"only {both} of 40 examples have both a denominator and a numerator"


def test_a_return_after_an_overlap_counts_again(duck):
    """A patient at P1 from 2021, also at P2 (overlapping) in 2022, back at P1 from 20 January
    2023 with a new open spell: on 31 August 2023 the patient is registered at P1 (the only
    spell covering that day). Found by the generative test once its examples were non-empty."""
    day = dt.date(2023, 8, 31)
    data = {
        "patients": [
            {
                "patient_id": 1,
                "date_of_birth": dt.date(1944, 9, 1),
                "sex": "female",
                "date_of_death": None,
                "type1_opt_out": False,
            }
        ],
        "registrations": [
            {
                "patient_id": 1,
                "practice_code": "P1",
                "start_date": dt.date(2021, 1, 20),
                "end_date": dt.date(2023, 1, 19),
            },
            {
                "patient_id": 1,
                "practice_code": "P2",
                "start_date": dt.date(2022, 1, 20),
                "end_date": dt.date(2023, 1, 19),
            },
            {"patient_id": 1, "practice_code": "P1", "start_date": dt.date(2023, 1, 20), "end_date": None},
        ],
        "events": {name: [] for name in CODES},
    }
    text = yaml.safe_dump(
        {
            "id": "overlap",
            **HEADER,
            "denominator": {"all": [{"sex": "female"}]},
            "numerator": {"all": [{"sex": "female"}]},
        }
    )
    indicator = parse(text)
    want = reference_members(data, indicator, [day])
    assert ("denominator", day, 1, "P1") in want  # the reference's reading
    frame = evaluate(duck, upload(duck, data), [indicator], [day])
    assert as_members(frame).get(indicator.id, set()) == want


@pytest.mark.spark
def test_pyspark_matches_reference_on_seeded_examples():
    """Twelve seeded random examples in one Spark job, each checked against the reference."""
    backend = connect("pyspark", spark_session_=spec_spark_session())
    rng = random.Random(20261128)
    days = [dt.date(2023, 8, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)]
    merged: dict = {"patients": [], "registrations": [], "events": {name: [] for name in CODES}}
    cases = []
    for number in range(12):
        chooser = Chooser(rng=rng)
        data, text = dataset(chooser), definition(chooser, f"generated-{number}")
        cases.append((data, parse(text), text))
        shift = (number + 1) * 1000
        for name in ("patients", "registrations"):
            merged[name] += [{**row, "patient_id": row["patient_id"] + shift} for row in data[name]]
        for name, rows in data["events"].items():
            merged["events"][name] += [{**row, "patient_id": row["patient_id"] + shift} for row in rows]
    frame = evaluate(backend, upload(backend, merged), [indicator for _, indicator, _ in cases], days)
    got = as_members(frame)
    for number, (data, indicator, text) in enumerate(cases):
        shift = (number + 1) * 1000
        mine = {
            (part, day, pid - shift, practice)
            for part, day, pid, practice in got.get(indicator.id, set())
            if shift < pid < shift + 1000
        }
        assert mine == reference_members(data, indicator, days), text
