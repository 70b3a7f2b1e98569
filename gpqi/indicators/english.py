"""A definition in plain English, generated from the model (never written by hand).

    describe(get("dm-bp")).denominator
    'People aged 17 or over, registered at the practice for at least 3 months, on the Diabetes
    register (QOF DM_COD) register, ...'

One renderer per criterion kind (`RENDERERS`); a criterion without one (a new kind not yet
described) is rendered from its fields, so the page never fails for want of a sentence.
Codelists are named by their titles through the `codelists` lookup given (the workspace's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from gpqi.indicators.model import (
    AppointmentFilter,
    Group,
    Indicator,
    Period,
    Range,
    SinceDate,
    SinceEvent,
    SincePregnancy,
)

__all__ = ["English", "describe", "describe_criterion"]

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")  # fmt: skip


@dataclass(frozen=True)
class English:
    denominator: str
    numerator: str
    exclusions: list[str]

    def __str__(self) -> str:
        return f"{self.denominator} {self.numerator}"


Lookup = Callable[[str], Any]


def _titles(slugs: tuple[str, ...], codelists: Lookup | None) -> str:
    names = []
    for slug in slugs:
        try:
            names.append(codelists(slug).title if codelists else slug)
        except Exception:  # noqa: BLE001 - an unknown slug is shown as written
            names.append(slug)
    return _join(names, "or")


def _join(parts: list[str], word: str = "and") -> str:
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {word} {parts[-1]}"


def _number(value: float) -> str:
    return f"{value:g}"


def _window(window: Period | SinceDate | SinceEvent | SincePregnancy | None, codelists: Lookup | None) -> str:
    if window is None:
        return "ever"
    if isinstance(window, Period):
        return f"in the last {window}"
    if isinstance(window, SinceDate):
        return f"since the last {window.day} {MONTHS[window.month - 1]}"
    if isinstance(window, SincePregnancy):
        ref = window.pregnancy
        return f"in the pregnancy that reached {ref.reached_weeks} weeks in the last {ref.within}"
    return f"since their latest {_titles((window.event,), codelists)} code"


def _age(spec: Any) -> str:
    if spec.min is not None and spec.max is not None:
        return f"aged {spec.min} to {spec.max}"
    if spec.min is not None:
        return f"aged {spec.min} or over"
    return f"aged {spec.max} or under"


def _at_event_age(spec: Any) -> str:
    bounds = getattr(spec, "age_at_event", None)
    return (
        f" when {_age(bounds)}"
        if bounds is not None and (bounds.min is not None or bounds.max is not None)
        else ""
    )


def _count(spec: Any) -> str:
    n = getattr(spec, "min_count", 1)
    if getattr(spec, "first", False):
        return " for the first time"
    if n == 1:
        return ""
    apart = getattr(spec, "min_days_apart", None)
    return (
        f" on at least {n} days at least {apart} days apart" if apart else f" on at least {n} different days"
    )


def _registered(leaf: Any, codelists: Lookup | None) -> str:
    spec = leaf.registered
    since = " (latest registration)" if spec.clock == "latest_registration" else ""
    if spec.for_at_least:
        return f"registered at the practice for at least {spec.for_at_least}{since}"
    if spec.within:
        return f"registered at the practice in the last {spec.within}{since}"
    return "registered at the practice"


def _event(leaf: Any, codelists: Lookup | None) -> str:
    spec = leaf.event
    return (f"with a {_titles(spec.codelist, codelists)} code{_count(spec)} {_window(spec.window, codelists)}"
            f"{_at_event_age(spec)}")  # fmt: skip


def _medication(leaf: Any, codelists: Lookup | None) -> str:
    spec = leaf.medication
    return f"prescribed {_titles(spec.codelist, codelists)}{_count(spec)} {_window(spec.window, codelists)}"


def _vaccination(leaf: Any, codelists: Lookup | None) -> str:
    spec = leaf.vaccination
    return (f"given {_titles(spec.codelist, codelists)}{_count(spec)} {_window(spec.window, codelists)}"
            f"{_at_event_age(spec)}")  # fmt: skip


def _latest_value(leaf: Any, codelists: Lookup | None) -> str:
    spec = leaf.latest_value
    if spec.min is not None and spec.max is not None:
        bound = f"between {_number(spec.min)} and {_number(spec.max)}"
    elif spec.max is not None:
        bound = f"{_number(spec.max)} or less"
    elif spec.min is not None:
        bound = f"{_number(spec.min)} or more"
    else:
        bound = "recorded with a value"
    return f"whose latest {_titles(spec.codelist, codelists)} reading {_window(spec.window, codelists)} was {bound}"


def _on_register(leaf: Any, codelists: Lookup | None) -> str:
    spec = leaf.on_register
    if spec.resolved:
        return (f"on the register (a {_titles(spec.codelist, codelists)} code not followed by a "
                f"{_titles(spec.resolved, codelists)} code)")  # fmt: skip
    return f"on the register (a {_titles(spec.codelist, codelists)} code)"


def _pregnant(leaf: Any, codelists: Lookup | None) -> str:
    spec = leaf.pregnant
    if spec.reached_weeks is not None:
        return f"whose pregnancy reached {spec.reached_weeks} weeks in the last {spec.within}"
    low, high = spec.gestation
    return f"pregnant, {low} to {high} weeks from their last menstrual period"


def _sex(leaf: Any, codelists: Lookup | None) -> str:
    return str(leaf.sex)


def _age_leaf(leaf: Any, codelists: Lookup | None) -> str:
    on = leaf.age.on_next
    return _age(leaf.age) + (f" on the next {on.day} {MONTHS[on.month - 1]}" if on is not None else "")


RENDERERS: dict[str, Callable[[Any, Lookup | None], str]] = {
    "registered": _registered,
    "age": _age_leaf,
    "sex": _sex,
    "event": _event,
    "medication": _medication,
    "vaccination": _vaccination,
    "latest_value": _latest_value,
    "on_register": _on_register,
    "pregnant": _pregnant,
}


def _generic(leaf: BaseModel) -> str:
    name = next(iter(type(leaf).model_fields))
    spec = getattr(leaf, name)
    fields = spec.model_dump(exclude_defaults=True) if isinstance(spec, BaseModel) else spec
    if isinstance(fields, dict):
        detail = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in fields.items())
        return f"{name.replace('_', ' ')} ({detail})" if detail else name.replace("_", " ")
    return f"{name.replace('_', ' ')} {fields}"


def describe_criterion(criterion: BaseModel, codelists: Lookup | None = None) -> str:
    """One criterion (or group) as a phrase: 'aged 17 or over', 'at least one of: ...'."""
    if isinstance(criterion, Group):
        parts = [describe_criterion(c, codelists) for c in criterion.all]
        if criterion.any:
            parts.append(
                "at least one of: " + _join([describe_criterion(c, codelists) for c in criterion.any], "or")
            )
        if criterion.none:
            parts.append("not " + _join([describe_criterion(c, codelists) for c in criterion.none], "or"))
        return _join(parts)
    name = next(iter(type(criterion).model_fields))
    render = RENDERERS.get(name)
    return render(criterion, codelists) if render else _generic(criterion)


def _filter(spec: AppointmentFilter, with_status: bool = True) -> str:
    parts = []
    for name in ("status", "mode", "booking_channel", "clinician_type"):
        allowed = getattr(spec, name)
        if allowed is not None and (with_status or name != "status"):
            parts.append(f"{name.replace('_', ' ')} {_join([a.replace('_', ' ') for a in allowed], 'or')}")
    for name, unit in (("lead_time_days", "days"), ("lead_time_hours", "hours")):
        bounds: Range | None = getattr(spec, name)
        if bounds is not None:
            low = bounds.min if bounds.min is not None else bounds.above
            high = bounds.max if bounds.max is not None else bounds.below
            text = "booked "
            if low is not None and high is not None:
                text += f"{_number(low)} to {_number(high)} {unit} ahead"
            elif low is not None:
                text += (
                    f"{'more than' if bounds.above is not None else 'at least'} {_number(low)} {unit} ahead"
                )
            elif high is not None:
                text += (
                    f"{'less than' if bounds.below is not None else 'at most'} {_number(high)} {unit} ahead"
                )
            parts.append(text)
    return _join(parts)


def describe(indicator: Indicator, codelists: Lookup | None = None) -> English:
    """The denominator and numerator of a definition as sentences."""
    if isinstance(indicator.denominator, AppointmentFilter) and isinstance(
        indicator.numerator, AppointmentFilter
    ):
        den = _filter(indicator.denominator)
        num = _filter(indicator.numerator)
        return English(
            denominator=f"Appointments in the {indicator.period} up to the reporting date"
            + (f" with {den}" if den else "")
            + ", for patients without a type 1 opt-out.",
            numerator=f"Of those, the appointments with {num}." if num else "Of those, every appointment.",
            exclusions=[],
        )
    den_group, num_group = indicator.denominator, indicator.numerator
    assert isinstance(den_group, Group) and isinstance(num_group, Group)
    positive = Group(all=den_group.all, any=den_group.any) if (den_group.all or den_group.any) else None
    den = describe_criterion(positive, codelists) if positive else "registered at the practice"
    exclusions = [describe_criterion(c, codelists) for c in den_group.none]
    sentence = f"People {den}, alive and registered on the reporting date"
    if exclusions:
        sentence += ", leaving out anyone " + _join(exclusions, "or")
    excepted = [describe_criterion(c, codelists) for c in indicator.exceptions]
    for_payment = [describe_criterion(c, codelists) for c in indicator.payment_exceptions]
    if excepted or for_payment:
        # QOF's rule order: those who meet the numerator are never excepted.
        sentence += "; of those not meeting the numerator, leaving out anyone " + _join(
            excepted + for_payment, "or"
        )
        if for_payment:
            sentence += " (" + _join(for_payment, "or") + ": for payment only, still on the worklist)"
    return English(
        denominator=sentence + ".",
        numerator=f"Of those, the people {describe_criterion(num_group, codelists)}.",
        exclusions=exclusions,
    )
