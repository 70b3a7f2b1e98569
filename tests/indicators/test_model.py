"""The definition model and the built-in library: validation, errors that name field and line."""

from __future__ import annotations

import pytest

from gpqi.codelists import available
from gpqi.indicators import IndicatorError, get, load_library, parse

GOOD = """\
id: x-test
title: Test indicator
domain: diabetes
higher_is_better: true
reference: QOF DM020 (test)
description: a definition used by the tests
authored_by: tests
denominator:
  all:
    - registered: {for_at_least: 3 months}
    - age: {min: 17}
    - on_register: {codelist: diabetes, resolved: diabetes-resolved}
numerator:
  all:
    - latest_value: {codelist: hba1c, within: 12 months, max: 58}
"""


def test_library_has_at_least_twenty_valid_indicators_with_metadata():
    library = load_library()
    assert len(library) >= 20
    ids = [ind.id for ind in library]
    assert len(ids) == len(set(ids))
    known = set(available())
    for ind in library:
        assert ind.title and ind.reference and ind.description and ind.authored_by
        assert set(ind.codelist_slugs()) <= known
        assert ind.target is None or 0 < ind.target.value <= 1
        assert ind.target is None or ind.target.source, f"{ind.id}: a target must cite its source"


def test_library_covers_the_issue_list():
    ids = {ind.id for ind in load_library()}
    for wanted in (
        "hyp-bp-79", "hyp-bp-80", "bp-recorded-45", "dm-bp", "dm-hba1c", "chd-bp-79", "stia-bp-79",
        "copd-review", "ast-review", "smok-ltc", "pulse-check-65", "flu-65", "flu-at-risk",
        "flu-pregnant", "pertussis-pregnancy", "mmr1-age-2", "statin-cvd", "dna-all",
        "dna-within-48h", "dna-after-48h", "dna-channel-online",
    ):  # fmt: skip
        assert wanted in ids
    assert {ind.domain for ind in load_library()} >= {"cardiovascular", "diabetes", "operational"}


def test_get_and_unknown_id():
    assert get("dm-bp").unit == "patient"
    with pytest.raises(IndicatorError, match="unknown indicator 'nope'"):
        get("nope")


def test_version_changes_with_logic_not_with_metadata():
    base = parse(GOOD)
    retitled = parse(GOOD.replace("title: Test indicator", "title: Another title"))
    stricter = parse(GOOD.replace("max: 58", "max: 53"))
    assert base.version == retitled.version
    assert base.version != stricter.version


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("for_at_least: 3 months", "line 10, denominator.all.0.registered.for_at_least: .*'3 monts'"),
        ("max: 58", "line 15, numerator.all.0.latest_value.maxx: Extra inputs"),
        ("age: {min: 17}", "line 11, denominator.all.1: a criterion is a one-key mapping"),
        ("within: 12 months", "give one window, not within and ever"),
        ("codelist: hba1c", "unknown codelist.*hba1cx"),
    ],
)
def test_errors_name_the_field_and_line(change, message):
    broken = {
        "for_at_least: 3 months": GOOD.replace("3 months", "3 monts"),
        "max: 58": GOOD.replace("max: 58", "maxx: 58"),
        "age: {min: 17}": GOOD.replace("age: {min: 17}", "agee: {min: 17}"),
        "within: 12 months": GOOD.replace("within: 12 months", "within: 12 months, ever: true"),
        "codelist: hba1c": GOOD.replace("codelist: hba1c", "codelist: hba1cx"),
    }[change]
    with pytest.raises(IndicatorError, match=message):
        parse(broken, "mine.yaml")


def test_appointment_indicator_needs_period_and_filters():
    text = GOOD.replace("domain: diabetes", "domain: operational\nunit: appointment")
    with pytest.raises(IndicatorError, match="need a period"):
        parse(text)
    with pytest.raises(IndicatorError, match="status.0: Input should be"):
        parse(
            GOOD.split("denominator:")[0].replace("domain: diabetes", "domain: operational")
            + "unit: appointment\nperiod: 1 month\ndenominator:\n  status: [went]\nnumerator:\n  status: [did_not_attend]\n"
        )


def test_options_at_their_defaults_keep_the_version():
    """Options added later (clock, within, on_next, first, min_days_apart) do not change the
    version of a definition that leaves them at their defaults; setting them does."""
    base = parse(GOOD)
    explicit = parse(
        GOOD.replace("for_at_least: 3 months", "for_at_least: 3 months, clock: continuous").replace(
            "age: {min: 17}", "age: {min: 17, on_next: null}"
        )
    )
    restarted = parse(
        GOOD.replace("for_at_least: 3 months", "for_at_least: 3 months, clock: latest_registration")
    )
    assert base.version == explicit.version
    assert base.version != restarted.version


def test_exceptions_change_the_version_and_their_codelists_count():
    text = GOOD + "exceptions:\n  - event: {codelist: bp-declined, within: 12 months}\n"
    excepted = parse(text)
    assert excepted.version != parse(GOOD).version
    assert "bp-declined" in excepted.codelist_slugs()
    pregnancy = GOOD.replace(
        "latest_value: {codelist: hba1c, within: 12 months, max: 58}",
        "vaccination: {codelist: pertussis-vaccination-pregnancy, "
        "since: {pregnancy: {reached_weeks: 32, within: 3 months, codelist: pregnancy}}}",
    )
    assert "pregnancy" in parse(pregnancy).codelist_slugs()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("min_count: 1, min_days_apart: 7", "min_days_apart needs min_count: 2"),
        ("min_count: 2, first: true", "give first or min_count"),
    ],
)
def test_event_options_are_checked(change, message):
    text = GOOD + f"exceptions:\n  - event: {{codelist: bp-declined, within: 12 months, {change}}}\n"
    with pytest.raises(IndicatorError, match=message):
        parse(text, "mine.yaml")


def test_new_criteria_options_are_checked():
    with pytest.raises(IndicatorError, match="give for_at_least or within"):
        parse(GOOD.replace("for_at_least: 3 months", "for_at_least: 3 months, within: 9 months"))
    with pytest.raises(IndicatorError, match="less than or equal to 42"):
        parse(GOOD.replace("age: {min: 17}", "pregnant: {reached_weeks: 43, within: 3 months}"))
    with pytest.raises(IndicatorError, match="applies to event, medication and vaccination"):
        parse(
            GOOD.replace(
                "max: 58", "max: 58, since: {pregnancy: {reached_weeks: 32, within: 3 months}}"
            ).replace("within: 12 months, ", "")
        )
    with pytest.raises(IndicatorError, match="not a day that occurs every year"):
        parse(GOOD.replace("age: {min: 17}", "age: {min: 17, on_next: {month: 2, day: 29}}"))
    appointment = (
        GOOD.split("denominator:")[0].replace("domain: diabetes", "domain: operational")
        + "unit: appointment\nperiod: 1 month\ndenominator:\n  status: [attended]\nnumerator:\n"
        "  status: [attended]\nexceptions:\n  - sex: female\n"
    )
    with pytest.raises(IndicatorError, match="apply only to patient indicators"):
        parse(appointment)
