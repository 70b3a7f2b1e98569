"""The indicator definition model: typed Pydantic classes for the YAML format of docs/indicator-language.md.

An indicator is data. A definition names a population (the denominator) and, within it, the
patients or appointments that meet the standard (the numerator). Criteria are leaves
(`registered`, `age`, `sex`, `event`, `on_register`, `latest_value`, `medication`,
`vaccination`, `pregnant`) combined by groups (`all`, `any`, `none`). The semantics of each
criterion are written down in docs/indicator-language.md and pinned by tests/spec.

Nothing in a definition is ever executed or pasted into SQL: the compiler
(`gpqi.indicators.compiler`) turns these objects into Ibis expressions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from gpqi.cdm.schema import APPOINTMENT_MODES, APPOINTMENT_STATUSES, BOOKING_CHANNELS, CLINICIAN_TYPES, SEXES

__all__ = [
    "AgeAtEvent",
    "AgeCriterion",
    "AppointmentFilter",
    "Criterion",
    "DOMAINS",
    "EventCriterion",
    "Group",
    "Indicator",
    "LatestValueCriterion",
    "MedicationCriterion",
    "OnRegisterCriterion",
    "Period",
    "PregnantCriterion",
    "Range",
    "RegisteredCriterion",
    "SexCriterion",
    "SinceDate",
    "SinceEvent",
    "SincePregnancy",
    "PregnancyRef",
    "Target",
    "VaccinationCriterion",
    "indicator_leaves",
    "parse_period",
    "window_codelists",
]

DOMAINS = (
    "cardiovascular",
    "diabetes",
    "respiratory",
    "lifestyle",
    "immunisation",
    "pregnancy",
    "operational",
)
KINDS = ("clinical", "operational", "campaign")

# gpqi has no delivery codes: a pregnancy is taken to be over after 42 weeks 6 days.
MAX_GESTATION_WEEKS = 42

_PERIOD_RE = re.compile(r"^\s*(\d+)\s*(day|week|month|year)s?\s*$")
_SLUG_RE = r"^[a-z0-9][a-z0-9-]*$"


@dataclass(frozen=True)
class Period:
    """A length of time: N days, weeks, months or years."""

    n: int
    unit: Literal["day", "week", "month", "year"]

    def __str__(self) -> str:
        return f"{self.n} {self.unit}{'' if self.n == 1 else 's'}"

    @property
    def days(self) -> int | None:
        """The length in days when it is a fixed number of days (days, weeks), else None."""
        if self.unit == "day":
            return self.n
        if self.unit == "week":
            return 7 * self.n
        return None

    @property
    def months(self) -> int | None:
        """The length in months for month and year periods, else None."""
        if self.unit == "month":
            return self.n
        if self.unit == "year":
            return 12 * self.n
        return None


def parse_period(value: object) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, str):
        match = _PERIOD_RE.match(value)
        if match:
            return Period(int(match.group(1)), match.group(2))  # type: ignore[arg-type]
    raise ValueError(f"{value!r} is not a period like '12 months', '3 weeks', '5 years' or '30 days'")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _period_validator(value: object) -> str:
    return str(parse_period(value))


class Range(_Strict):
    """A numeric range: min/max are inclusive, above/below exclusive; omitted ends are open."""

    min: float | None = None
    max: float | None = None
    above: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.above is not None:
            raise ValueError("give min or above, not both")
        if self.max is not None and self.below is not None:
            raise ValueError("give max or below, not both")
        low = self.min if self.min is not None else self.above
        high = self.max if self.max is not None else self.below
        if low is not None and high is not None and low > high:
            raise ValueError(f"the lower end ({low}) is greater than the upper end ({high})")
        return self


class SinceDate(_Strict):
    """The most recent given day of the year on or before the reporting date (e.g. 1 September)."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _real_day(self) -> SinceDate:
        # 2023 is not a leap year: 29 February is refused because it does not occur every year.
        try:
            dt.date(2023, self.month, self.day)
        except ValueError:
            raise ValueError(f"{self.day}/{self.month} is not a day that occurs every year") from None
        return self


class SinceEvent(_Strict):
    """Since the patient's most recent event from a codelist on or before the reporting date."""

    event: str = Field(pattern=_SLUG_RE)


def _codelists(value: object) -> object:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


CodelistRef = tuple[Annotated[str, Field(pattern=_SLUG_RE)], ...]


class PregnancyRef(_Strict):
    """A pregnancy that reached `reached_weeks` of gestation within the window back from the
    reporting date (as `pregnant: {reached_weeks, within}`), found from LMP records."""

    codelist: CodelistRef = ("last-menstrual-period",)
    reached_weeks: int = Field(ge=0, le=MAX_GESTATION_WEEKS)
    within: str

    @field_validator("codelist", mode="before")
    @classmethod
    def _as_tuple(cls, value: object) -> object:
        return _codelists(value)

    @field_validator("within", mode="before")
    @classmethod
    def _within_is_period(cls, value: object) -> object:
        return _period_validator(value)


class SincePregnancy(_Strict):
    """From the LMP of the qualifying pregnancy (see PregnancyRef) while it lasts: an event
    counts when it falls between that LMP and the end of week 42, and the pregnancy qualifies
    on the reporting date."""

    pregnancy: PregnancyRef


class _Windowed(_Strict):
    """Criteria that look back from the reporting date: exactly one of within, since or ever.

    With none given the window is `ever`.
    """

    within: str | None = None
    since: SinceDate | SinceEvent | SincePregnancy | None = None
    ever: bool = False

    @field_validator("within", mode="before")
    @classmethod
    def _within_is_period(cls, value: object) -> object:
        return None if value is None else _period_validator(value)

    @model_validator(mode="after")
    def _one_window(self) -> _Windowed:
        given = [name for name in ("within", "since") if getattr(self, name) is not None]
        if self.ever:
            given.append("ever")
        if len(given) > 1:
            raise ValueError(f"give one window, not {' and '.join(given)}")
        return self

    @property
    def window(self) -> Period | SinceDate | SinceEvent | SincePregnancy | None:
        """The window: a Period, a SinceDate, a SinceEvent, a SincePregnancy, or None for ever."""
        if self.within is not None:
            return parse_period(self.within)
        return self.since


class AgeAtEvent(_Strict):
    """Keep only events when the patient's age in whole years at the event is in [min, max]."""

    min: int | None = Field(None, ge=0, le=130)
    max: int | None = Field(None, ge=0, le=130)


class _CodedEvents(_Windowed):
    codelist: CodelistRef = Field(min_length=1)
    age_at_event: AgeAtEvent | None = None

    @field_validator("codelist", mode="before")
    @classmethod
    def _as_tuple(cls, value: object) -> object:
        return _codelists(value)


class EventSpec(_CodedEvents):
    """At least `min_count` days with an event from the codelist(s) in the window, each at
    least `min_days_apart` days after the one before (e.g. two invitations 7 days apart).
    With `first`, only the patient's earliest such event counts (e.g. the first diagnosis)."""

    min_count: int = Field(1, ge=1)
    min_days_apart: int | None = Field(None, ge=1, le=3660)
    first: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> EventSpec:
        if self.min_days_apart is not None and self.min_count < 2:
            raise ValueError("min_days_apart needs min_count: 2 or more")
        if self.first and self.min_count > 1:
            raise ValueError("first counts one event: give first or min_count, not both")
        return self


class MedicationSpec(EventSpec):
    """As `event`, reading the medications table (dm+d codes)."""


class VaccinationSpec(EventSpec):
    """As `event`, reading the vaccinations table only."""


class LatestValueSpec(_CodedEvents):
    """The numeric value of the most recent reading in the window lies in [min, max]."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _window_kind(self) -> LatestValueSpec:
        if isinstance(self.since, SincePregnancy):
            raise ValueError("since: {pregnancy: ...} applies to event, medication and vaccination")
        return self


class OnRegisterSpec(_Strict):
    """The latest diagnosis code is not followed (or matched on the same day) by a resolved code."""

    codelist: CodelistRef = Field(min_length=1)
    resolved: CodelistRef = ()

    @field_validator("codelist", "resolved", mode="before")
    @classmethod
    def _as_tuple(cls, value: object) -> object:
        return _codelists(value)


class RegisteredSpec(_Strict):
    """Registered at the practice on the reporting date; with `for_at_least`, for at least
    that long, with `within`, for less than that long (registered in the window).

    `clock` says where the time is counted from: `continuous` (default) from the start of the
    continuous registration (touching or overlapping spells at the practice are one), or
    `latest_registration` from the start date of the most recent registration at the
    practice, so that a re-registration restarts the clock (QOF's REG_DAT).
    """

    for_at_least: str | None = None
    within: str | None = None
    clock: Literal["continuous", "latest_registration"] = "continuous"

    @field_validator("for_at_least", "within", mode="before")
    @classmethod
    def _is_period(cls, value: object) -> object:
        return None if value is None else _period_validator(value)

    @model_validator(mode="after")
    def _one_length(self) -> RegisteredSpec:
        if self.for_at_least is not None and self.within is not None:
            raise ValueError("give for_at_least or within, not both")
        return self


class AgeSpec(_Strict):
    """Age in whole years within [min, max] (both inclusive), on the reporting date or, with
    `on_next`, on the first such day of the year on or after it (e.g. 31 March: the end of
    the flu season or the financial year)."""

    min: int | None = Field(None, ge=0, le=130)
    max: int | None = Field(None, ge=0, le=130)
    on_next: SinceDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AgeSpec:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class PregnantSpec(_Strict):
    """Pregnancy from the latest last-menstrual-period (LMP) event.

    Either currently pregnant with gestation in [gestation_weeks.min, gestation_weeks.max]
    whole weeks on the reporting date (default 0 to 42), or, with `reached_weeks`, a pregnancy
    that reached that many weeks' gestation within the window.
    """

    codelist: CodelistRef = ("last-menstrual-period",)
    gestation_weeks: Range | None = None
    reached_weeks: int | None = Field(None, ge=0, le=MAX_GESTATION_WEEKS)
    within: str | None = None

    @field_validator("codelist", mode="before")
    @classmethod
    def _as_tuple(cls, value: object) -> object:
        return _codelists(value)

    @field_validator("within", mode="before")
    @classmethod
    def _within_is_period(cls, value: object) -> object:
        return None if value is None else _period_validator(value)

    @model_validator(mode="after")
    def _one_form(self) -> PregnantSpec:
        if self.reached_weeks is not None:
            if self.gestation_weeks is not None:
                raise ValueError("give gestation_weeks or reached_weeks, not both")
            if self.within is None:
                raise ValueError("reached_weeks needs a window: within: N weeks|months")
        elif self.within is not None:
            raise ValueError("within applies only with reached_weeks")
        return self

    @property
    def gestation(self) -> tuple[int, int]:
        bounds = self.gestation_weeks or Range()
        low = 0 if bounds.min is None else int(bounds.min)
        high = MAX_GESTATION_WEEKS if bounds.max is None else int(bounds.max)
        return low, high


# --- criteria: each is a one-key mapping in YAML -------------------------------------------


class RegisteredCriterion(_Strict):
    registered: RegisteredSpec = RegisteredSpec()

    @field_validator("registered", mode="before")
    @classmethod
    def _empty_ok(cls, value: object) -> object:
        return {} if value is None or value is True else value


class AgeCriterion(_Strict):
    age: AgeSpec


class SexCriterion(_Strict):
    sex: Literal[SEXES]  # type: ignore[valid-type]


class EventCriterion(_Strict):
    event: EventSpec


class MedicationCriterion(_Strict):
    medication: MedicationSpec


class VaccinationCriterion(_Strict):
    vaccination: VaccinationSpec


class LatestValueCriterion(_Strict):
    latest_value: LatestValueSpec


class OnRegisterCriterion(_Strict):
    on_register: OnRegisterSpec


class PregnantCriterion(_Strict):
    pregnant: PregnantSpec = PregnantSpec()

    @field_validator("pregnant", mode="before")
    @classmethod
    def _empty_ok(cls, value: object) -> object:
        return {} if value is None or value is True else value


LEAF_KEYS = (
    "registered",
    "age",
    "sex",
    "event",
    "on_register",
    "latest_value",
    "medication",
    "vaccination",
    "pregnant",
)
GROUP_KEYS = ("all", "any", "none")


def _criterion_kind(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return "group" if isinstance(value, Group) else next(iter(type(value).model_fields))
    if isinstance(value, dict):
        keys = set(value)
        if keys and keys <= set(GROUP_KEYS):
            return "group"
        if len(keys) == 1:
            key = next(iter(keys))
            if key in LEAF_KEYS:
                return key
    return None


Criterion = Annotated[
    Annotated[RegisteredCriterion, Tag("registered")]
    | Annotated[AgeCriterion, Tag("age")]
    | Annotated[SexCriterion, Tag("sex")]
    | Annotated[EventCriterion, Tag("event")]
    | Annotated[OnRegisterCriterion, Tag("on_register")]
    | Annotated[LatestValueCriterion, Tag("latest_value")]
    | Annotated[MedicationCriterion, Tag("medication")]
    | Annotated[VaccinationCriterion, Tag("vaccination")]
    | Annotated[PregnantCriterion, Tag("pregnant")]
    | Annotated["Group", Tag("group")],
    Discriminator(
        _criterion_kind,
        custom_error_type="unknown_criterion",
        custom_error_message=(
            "a criterion is a one-key mapping: one of "
            + ", ".join(LEAF_KEYS)
            + ", or a group of all/any/none"
        ),
    ),
]


class Group(_Strict):
    """all(items) and any(items) and not any(none items). Empty parts are ignored."""

    all: tuple[Criterion, ...] = ()
    any: tuple[Criterion, ...] = ()
    none: tuple[Criterion, ...] = ()

    @model_validator(mode="after")
    def _not_empty(self) -> Group:
        if not (self.all or self.any or self.none):
            raise ValueError("a group needs at least one of all, any, none with criteria in it")
        return self


Group.model_rebuild()


def leaves(criterion: object) -> list[BaseModel]:
    """Every leaf criterion inside a group (depth first, in order)."""
    if isinstance(criterion, Group):
        return [leaf for part in (*criterion.all, *criterion.any, *criterion.none) for leaf in leaves(part)]
    if isinstance(criterion, BaseModel):
        return [criterion]
    return []


# Options added to criteria after definitions were first published, with their defaults. At
# the default they are left out of the logic, so a definition that does not use them keeps
# the version (and the stored results) it had.
_LATER_DEFAULTS: dict[str, dict[str, object]] = {
    "registered": {"within": None, "clock": "continuous"},
    "age": {"on_next": None},
    "event": {"first": False, "min_days_apart": None},
    "medication": {"first": False, "min_days_apart": None},
    "vaccination": {"first": False, "min_days_apart": None},
}


def _without_later_defaults(value: Any, key: str | None = None) -> Any:
    if isinstance(value, list):
        return [_without_later_defaults(item) for item in value]
    if not isinstance(value, dict):
        return value
    later = _LATER_DEFAULTS.get(key or "", {})
    return {k: _without_later_defaults(v, k) for k, v in value.items() if not (k in later and v == later[k])}


def window_codelists(since: object) -> tuple[str, ...]:
    """The codelists a `since` window reads (its anchor events or LMP records)."""
    if isinstance(since, SinceEvent):
        return (since.event,)
    if isinstance(since, SincePregnancy):
        return since.pregnancy.codelist
    return ()


def indicator_leaves(indicator: Indicator) -> list[BaseModel]:
    """Every leaf criterion of a patient indicator: denominator, numerator and exceptions."""
    if not isinstance(indicator.denominator, Group) or not isinstance(indicator.numerator, Group):
        return []
    found = [*leaves(indicator.denominator), *leaves(indicator.numerator)]
    for item in (*indicator.exceptions, *indicator.payment_exceptions):
        found += leaves(item)
    return found


# --- appointments ----------------------------------------------------------------------------


class AppointmentFilter(_Strict):
    """Which appointments count. Lists mean 'any of'; ranges are inclusive; omitted = no filter.

    lead_time_days is calendar days from the booking date to the appointment date (0 = booked
    on the day); lead_time_hours is exact hours from booked_at to start_at.
    """

    status: tuple[Literal[APPOINTMENT_STATUSES], ...] | None = None  # type: ignore[valid-type]
    mode: tuple[Literal[APPOINTMENT_MODES], ...] | None = None  # type: ignore[valid-type]
    booking_channel: tuple[Literal[BOOKING_CHANNELS], ...] | None = None  # type: ignore[valid-type]
    clinician_type: tuple[Literal[CLINICIAN_TYPES], ...] | None = None  # type: ignore[valid-type]
    lead_time_days: Range | None = None
    lead_time_hours: Range | None = None

    @field_validator("status", "mode", "booking_channel", "clinician_type", mode="before")
    @classmethod
    def _as_tuple(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value


def _population_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return "group" if isinstance(value, Group) else "appointments"
    if isinstance(value, dict) and set(value) <= set(GROUP_KEYS):
        return "group"
    return "appointments"


Population = Annotated[
    Annotated[Group, Tag("group")] | Annotated[AppointmentFilter, Tag("appointments")],
    Discriminator(_population_kind),
]


# --- the indicator ---------------------------------------------------------------------------


class Target(_Strict):
    value: float = Field(ge=0, le=1)
    source: str = ""


class Indicator(_Strict):
    """One indicator definition: metadata, provenance and the two populations."""

    id: str = Field(pattern=_SLUG_RE, max_length=60)
    title: str = Field(min_length=3)
    domain: Literal[DOMAINS]  # type: ignore[valid-type]
    kind: Literal[KINDS] = "clinical"  # type: ignore[valid-type]
    unit: Literal["patient", "appointment"] = "patient"
    higher_is_better: bool
    reference: str = Field(min_length=3)
    description: str = Field(min_length=10)
    rationale: str = ""
    target: Target | None = None
    authored_by: str
    checked_by: str | None = None
    reviewed: dt.date | None = None
    next_review: dt.date | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""
    period: str | None = None  # appointment indicators: the period ending on the reporting date
    denominator: Population
    numerator: Population
    # slug -> Codelist for the codelists this definition's version hashes; set for definitions
    # read from a workspace (`gpqi.indicators.workspace`), whose own codelists are not bundled.
    _codelists: Any = PrivateAttr(default=None)
    # QOF's rule order: patients who meet the numerator are selected first, and only the rest
    # are removed by these personalised care adjustments (any one of them removes a patient).
    exceptions: tuple[Criterion, ...] = ()
    # As `exceptions`, but "for payment purposes only": removed from the denominator, still
    # listed on the practice's worklist as needing care (e.g. unanswered invitations).
    payment_exceptions: tuple[Criterion, ...] = ()

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: object) -> object:
        return None if value is None else _period_validator(value)

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.unit == "appointment" and self.period is None:
            raise ValueError("appointment indicators need a period, e.g. period: 1 month")
        if self.unit == "patient" and self.period is not None:
            raise ValueError("period applies only to appointment indicators")
        if self.unit == "appointment" and (self.exceptions or self.payment_exceptions):
            raise ValueError("exceptions and payment_exceptions apply only to patient indicators")
        want = AppointmentFilter if self.unit == "appointment" else Group
        for part in ("denominator", "numerator"):
            if not isinstance(getattr(self, part), want):
                shape = (
                    "appointment filters (status, mode, ...)" if want is AppointmentFilter else "all/any/none"
                )
                raise ValueError(f"{part}: a {self.unit} indicator's {part} is given as {shape}")
        return self

    # -- derived ----------------------------------------------------------------------------

    def codelist_slugs(self) -> list[str]:
        """Every codelist the definition uses, sorted."""
        found: set[str] = set()
        if self.unit == "patient":
            for leaf in indicator_leaves(self):
                spec = getattr(leaf, next(iter(type(leaf).model_fields)))
                for name in ("codelist", "resolved"):
                    found.update(getattr(spec, name, ()) or ())
                found.update(window_codelists(getattr(spec, "since", None)))
        return sorted(found)

    def logic(self) -> dict[str, Any]:
        """The parts of the definition that decide the results, normalised (no metadata)."""
        parts = {"unit", "period", "denominator", "numerator"}
        # Only when given, so that definitions without them keep their version.
        parts |= {name for name in ("exceptions", "payment_exceptions") if getattr(self, name)}
        return _without_later_defaults(self.model_dump(mode="json", include=parts, exclude_defaults=False))

    @property
    def version(self) -> str:
        """A hash of the normalised logic and the digests of the codelists it uses."""
        from gpqi.codelists import load

        resolve = self._codelists or load
        payload = {
            "logic": self.logic(),
            "codelists": {slug: resolve(slug).digest for slug in self.codelist_slugs()},
        }
        text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]
