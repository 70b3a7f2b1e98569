"""Preview: per-practice counts equal the runner's, and each attrition step equals a count made
independently by the pure-Python reference evaluator (tests/spec/reference.py) on the same rows."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from typer.testing import CliRunner

from gpqi.cli import app
from gpqi.codelists import load
from gpqi.engine import run
from gpqi.engine.preview import preview
from gpqi.indicators import get, parse
from gpqi.indicators.model import Group
from tests.spec.builder import write_snapshot
from tests.spec.reference import Data, Reference

DAY = dt.date(2024, 3, 31)
PRACTICES = [
    {
        "practice_code": f"P{i}",
        "name": f"Practice {i}",
        "network_code": "N1",
        "sub_icb_code": "S1",
        "ehr_system": "emis",
    }  # fmt: skip
    for i in (1, 2, 3)
]
# A definition that uses every part of a group: all, any, none, in both populations.
MIXED = """
id: mixed
title: Mixed test definition
domain: diabetes
higher_is_better: true
reference: test
description: exercises all, any and none in both populations
authored_by: tests
denominator:
  all:
    - registered: {for_at_least: 3 months}
    - age: {min: 40}
  any:
    - on_register: {codelist: diabetes, resolved: diabetes-resolved}
    - event: {codelist: hypertension, within: 5 years}
  none:
    - event: {codelist: bp-declined, within: 12 months}
    - sex: female
numerator:
  all:
    - latest_value: {codelist: systolic-bp, within: 12 months, max: 140}
  none:
    - latest_value: {codelist: diastolic-bp, within: 12 months, min: 91}
"""


def _dataset(seed: int = 7, n: int = 240) -> dict:
    rng = random.Random(seed)
    pick = {slug: load(slug).codes for slug in
            ("diabetes", "diabetes-resolved", "hypertension", "bp-declined", "systolic-bp", "diastolic-bp")}  # fmt: skip
    patients, registrations, events = [], [], []
    for pid in range(1, n + 1):
        dob = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 80 * 365))
        died = dt.date(2023, 6, 1) + dt.timedelta(days=rng.randrange(0, 500)) if rng.random() < 0.05 else None
        patients.append({"patient_id": pid, "date_of_birth": dob, "sex": rng.choice(["female", "male"]),
                         "date_of_death": died, "type1_opt_out": rng.random() < 0.08})  # fmt: skip
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 400))
        end = start + dt.timedelta(days=rng.randrange(30, 900)) if rng.random() < 0.15 else None
        registrations.append({"patient_id": pid, "practice_code": rng.choice(PRACTICES)["practice_code"],
                              "start_date": start if rng.random() < 0.7 else dt.date(2005, 1, 1), "end_date": end})  # fmt: skip

        def add(slug: str, day: dt.date, value: float | None = None, pid: int = pid) -> None:
            events.append(
                {"patient_id": pid, "date": day, "code": rng.choice(pick[slug]), "numeric_value": value}
            )

        def recent() -> dt.date:
            return DAY - dt.timedelta(days=rng.randrange(-30, 500))

        if rng.random() < 0.5:
            add("diabetes", dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(0, 5000)))
            if rng.random() < 0.1:
                add("diabetes-resolved", recent())
        if rng.random() < 0.3:
            add("hypertension", recent() - dt.timedelta(days=rng.randrange(0, 1500)))
        if rng.random() < 0.1:
            add("bp-declined", recent())
        for _ in range(rng.randrange(0, 3)):
            day = recent()
            add("systolic-bp", day, float(rng.randrange(110, 170)))
            add("diastolic-bp", day, float(rng.randrange(60, 100)))
    return {"practices": PRACTICES, "patients": patients, "registrations": registrations,
            "clinical_events": events}  # fmt: skip


def _reference_steps(data: dict, indicator) -> list[int]:
    """Patients still in after each step, counted by the reference evaluator one patient at a time."""
    ref = Reference(
        Data(
            patients={p["patient_id"]: p for p in data["patients"]},
            registrations=data["registrations"],
            events={"clinical_events": data["clinical_events"]},
        )  # fmt: skip
    )
    den, num = indicator.denominator, indicator.numerator
    tests = [lambda pid: True, lambda pid: not ref.data.patients[pid]["type1_opt_out"]]

    def excepted(items):
        # QOF's rule order: patients meeting the numerator are never excepted.
        return lambda pid: ref.holds(num, pid, DAY) or not any(ref.holds(c, pid, DAY) for c in items)

    for group in (den, num):
        if group is num:
            done: list = []
            for item in (*indicator.exceptions, *indicator.payment_exceptions):
                done = [*done, item]
                tests.append(excepted(tuple(done)))
        for item in group.all:
            tests.append(lambda pid, item=item: ref.holds(item, pid, DAY))
        if group.any:
            either = Group(any=group.any)
            tests.append(lambda pid, g=either: ref.holds(g, pid, DAY))
        for item in group.none:
            tests.append(lambda pid, item=item: not ref.holds(item, pid, DAY))
    counts = []
    for k in range(1, len(tests) + 1):
        counts.append(
            sum(
                1
                for pid in ref.data.patients
                if ref.practice_on(pid, DAY) is not None and all(t(pid) for t in tests[:k])
            )
        )
    return counts


@pytest.fixture(scope="module")
def data() -> dict:
    return _dataset()


@pytest.fixture(scope="module")
def ws(tmp_path_factory, data):
    return write_snapshot(tmp_path_factory.mktemp("preview") / "ws", data)


@pytest.mark.parametrize("definition", ["dm-bp", "mixed"])
def test_attrition_equals_the_reference_count_at_every_step(ws, data, definition):
    indicator = get("dm-bp") if definition == "dm-bp" else parse(MIXED)
    result = preview(ws, indicator, DAY)
    expected = _reference_steps(data, indicator)
    assert [s.total for s in result.attrition] == expected
    assert expected[-1] > 0 and len(set(expected)) > 3  # the data exercises the steps
    parts = [s.part for s in result.attrition]
    assert parts.count("numerator") == len(indicator.numerator.all) + len(indicator.numerator.none)
    # Each step's practice split sums to its total.
    assert all(sum(s.by_practice.values()) == s.total for s in result.attrition)


@pytest.mark.parametrize("definition", ["dm-bp", "mixed", "dna-all"])
def test_per_practice_counts_equal_the_runners(ws, definition):
    indicator = parse(MIXED) if definition == "mixed" else get(definition)
    result = preview(ws, indicator, DAY)
    outcome = run(ws, [indicator], dates=[DAY], worklists=False, write=False)
    practices = outcome.results[outcome.results["org_type"] == "practice"]
    ran = {r.org_code: (r.denominator, r.numerator, r.excluded) for r in practices.itertuples()}
    shown = {p.practice_code: (p.denominator, p.numerator, p.excluded) for p in result.practices}
    assert shown == ran
    if indicator.unit == "patient":
        assert (
            result.denominator
            == result.attrition[
                max(i for i, s in enumerate(result.attrition) if s.part == "denominator")
            ].total
        )
        assert result.numerator == result.attrition[-1].total


def test_preview_command_prints_practices_and_attrition(ws):
    out = CliRunner().invoke(
        app, ["indicators", "preview", "dm-bp", "-w", str(ws.root), "--date", "2024-03-31"]
    )
    assert out.exit_code == 0, out.output
    assert "Per practice" in out.output and "Attrition" in out.output
    assert "aged 17 or over" in out.output and "P2" in out.output
    bad = CliRunner().invoke(app, ["indicators", "preview", "nope", "-w", str(ws.root)])
    assert bad.exit_code == 2 and "unknown indicator 'nope'" in bad.output
