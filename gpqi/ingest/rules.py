"""The validation rules, as SQL that DuckDB evaluates over whole files at once.

Each rule is a condition on one typed row (plus a little context joined in: the patient's dates
of birth and death, whether the patient is registered at the practice). A row that meets any
rule's condition is quarantined; which rules it met is kept as a bitmask, so the cost per row is
a few vectorised comparisons however many rules there are. Duplicates are found afterwards
among the rows that passed (see `validate.py`).

`RULES` documents every rule (docs/ingest.md lists them with an example reason); bump
`RULES_VERSION` when a rule changes, so that re-ingesting an unchanged extract publishes a new
snapshot validated under the new rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from gpqi.cdm import COLUMNS, PATIENT_TABLES, Column
from gpqi.ingest.extract import PRACTICE_CODE_PATTERN

RULES_VERSION = "3"  # 3: booked_at optional; unknown mode, channel and clinician type

# Dates before this are placeholders or typing errors, not history (the oldest people alive
# in a GP record were born in the 1900s).
EARLIEST_DATE = date(1900, 1, 1)
# A record made on the day of death is normal (the death itself, last observations); one dated
# later is not, so the tolerance after death is zero days.
AFTER_DEATH_TOLERANCE_DAYS = 0
# A tab, line break, NUL or other C0 control character, or DEL, in free text: no name or unit
# holds one; they break spreadsheets and terminals and hide text (RE2 escapes, read by DuckDB).
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f]"
# Values with a unit that the unit itself rules out (definitions, not clinical judgement): a
# pressure of zero or less is no reading; mmol/mol is a ratio of at most 1000; % is 0-100.
# unit (matched case-insensitively) -> (lowest allowed, lowest inclusive?, highest allowed)
UNIT_RANGES: dict[str, tuple[float, bool, float | None]] = {
    "mm[Hg]": (0.0, False, None),
    "mmHg": (0.0, False, None),
    "mmol/mol": (0.0, False, 1000.0),
    "%": (0.0, True, 100.0),
}
CODE_PATTERN = "[1-9][0-9]{5,17}"  # SNOMED CT / dm+d identifiers: 6-18 digits, no leading zero
EVENT_TABLES = ("clinical_events", "medications", "vaccinations")
OUTCOMES = ("attended", "did_not_attend")  # statuses that say the appointment has happened

# rule name -> what it checks (the docs table is built from this).
RULES: dict[str, str] = {
    "malformed_row": "a CSV row has the wrong number of fields",
    "type": "a value cannot be read as the column's type (integer, number, YYYY-MM-DD date, "
    "YYYY-MM-DD HH:MM:SS timestamp, true/false)",
    "required": "a value the data model requires is missing (empty text counts as missing)",
    "code_format": "a clinical code is not a SNOMED CT / dm+d identifier (6-18 digits, no leading zero); "
    "a practice code is not letters, digits, '-' or '_'",
    "nhs_number": "an NHS number is not 10 digits passing the modulus 11 check",
    "enumeration": "a value is not one of the column's allowed values (exact, lower case)",
    "control_character": "a text value holds a control character (tab, line break, NUL, other non-printing "
    "characters)",
    "range": "a number is outside its possible range",
    "implausible_value": "a measurement is outside what its unit allows (a blood pressure in mm[Hg] of 0 or "
    "less, a value in mmol/mol outside 0-1000, a percentage outside 0-100)",
    "implausible_date": f"a date is before {EARLIEST_DATE.isoformat()}",
    "future_date": "a date is after the as-of date (the day of the ingest unless --as-of is given)",
    "outcome_in_future": "an appointment starting after the as-of date already has an outcome "
    "(attended or did not attend)",
    "death_before_birth": "a date of death is before the date of birth",
    "end_before_start": "a registration ends before it starts",
    "closed_before_opened": "a practice closed before it opened",
    "booked_after_start": "an appointment was booked after its start time",
    "before_birth": "a record is dated before the patient's date of birth",
    "after_death": "a record is dated after the patient's date of death (the day of death itself is fine; "
    "cancelled or unknown-status appointments after death are fine)",
    "wrong_practice": "a row's practice_code is not the practice whose extract folder holds it",
    "unknown_practice": "the practice is not in the practices reference table",
    "unknown_reference": "an organisation code (parent, network, sub-ICB) is not in the organisations table",
    "unknown_patient": "the patient is not in this practice's patients file (or that row was quarantined)",
    "not_registered": "the patient has no registration at this practice, at any time",
    "duplicate_row": "an exact copy of an earlier row (the first copy is loaded)",
    "duplicate_key": "two or more rows share a key but differ (none of them is loaded: which is right is unknown)",
    "duplicate_key_other_practice": "an appointment_id is already used by another practice's appointments",
}

# Columns that identify a row; duplicates of these with different content are `duplicate_key`.
# Event tables have no key: there, only exact copies are duplicates.
KEYS: dict[str, tuple[str, ...]] = {
    "organisations": ("org_code",),
    "practices": ("practice_code",),
    "patients": ("patient_id",),
    "registrations": ("patient_id", "practice_code", "start_date"),
    "appointments": ("appointment_id",),
}


@dataclass(frozen=True)
class Rule:
    name: str
    field: str | None
    condition: str  # SQL, true when the row breaks the rule
    reason: str  # what the quarantine row says

    def __post_init__(self) -> None:
        assert self.name in RULES, self.name


@dataclass(frozen=True)
class Context:
    """What a table's rules can see beyond the row itself (names of DuckDB tables)."""

    as_of: date
    practice: str | None = None  # the extract folder's practice (patient tables)
    practice_known: bool = True
    practice_patients: str | None = None  # registrations: (patient_id, date_of_birth, date_of_death)
    patient_context: str | None = None  # events: (patient_id, date_of_birth, date_of_death, registered)
    organisation_codes: str | None = None  # practices: (org_code)
    appointment_ids_elsewhere: str | None = None  # appointments: (appointment_id)


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _date_lit(d: date) -> str:
    return f"DATE '{d.isoformat()}'"


# -- typing --------------------------------------------------------------------------------

_INT_TEXT = "[+-]?[0-9]{1,19}"
_DATE_TEXT = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TS_TEXT = "[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,9})?)?"
SQL_TYPE = {
    "string": "VARCHAR",
    "int8": "TINYINT",
    "int64": "BIGINT",
    "double": "DOUBLE",
    "date32[day]": "DATE",
    "timestamp[s]": "TIMESTAMP_S",
    "bool": "BOOLEAN",
}
_TYPE_WORDS = {
    "int8": "a whole number",
    "int64": "a whole number",
    "double": "a finite number",
    "date32[day]": "a date (YYYY-MM-DD)",
    "timestamp[s]": "a date and time (YYYY-MM-DD HH:MM:SS)",
    "bool": "true or false",
}


def typed_expression(column: Column, source_type: str) -> str:
    """SQL turning the stored value into the CDM type; NULL where it cannot."""
    raw = q(column.name)
    kind = str(column.type)
    sql_type = SQL_TYPE[kind]
    stored = source_type.split("(")[0].strip()
    if stored in ('"NULL"', "NULL"):
        return f"CAST(NULL AS {sql_type})"
    if kind == "string":
        text = f"CAST({raw} AS VARCHAR)"
        return f"CASE WHEN trim({text}) = '' THEN NULL ELSE {text} END"
    if stored != "VARCHAR":
        if kind == "double":
            return f"CASE WHEN isfinite(TRY_CAST({raw} AS DOUBLE)) THEN TRY_CAST({raw} AS DOUBLE) END"
        return f"TRY_CAST({raw} AS {sql_type})"
    text = f"trim({raw})"
    if kind in ("int8", "int64"):
        return f"CASE WHEN regexp_full_match({text}, '{_INT_TEXT}') THEN TRY_CAST({text} AS {sql_type}) END"
    if kind == "double":
        return f"CASE WHEN isfinite(TRY_CAST({text} AS DOUBLE)) THEN TRY_CAST({text} AS DOUBLE) END"
    if kind == "date32[day]":
        return f"CASE WHEN regexp_full_match({text}, '{_DATE_TEXT}') THEN TRY_CAST({text} AS DATE) END"
    if kind == "timestamp[s]":
        return f"CASE WHEN regexp_full_match({text}, '{_TS_TEXT}') THEN TRY_CAST({text} AS TIMESTAMP_S) END"
    if kind == "bool":
        return f"TRY_CAST({text} AS BOOLEAN)"
    raise AssertionError(kind)


def present(name: str) -> str:
    """Name of the typed-row flag saying the stored value was there (before typing)."""
    return f"{name}__present"


# -- rules ---------------------------------------------------------------------------------


def _nhs_number_valid(col: str) -> str:
    digits = [f"TRY_CAST(substr({col}, {i}, 1) AS INTEGER)" for i in range(1, 11)]
    weighted = " + ".join(f"{d} * {11 - i}" for i, d in enumerate(digits[:9], start=1))
    return f"(regexp_full_match({col}, '[0-9]{{10}}') AND (11 - ({weighted}) % 11) % 11 = {digits[9]})"


def _as_date(col: str, kind: str) -> str:
    return f"CAST({col} AS DATE)" if kind == "timestamp[s]" else col


def column_rules(table: str, ctx: Context) -> list[Rule]:
    """Rules on single columns, from the data model: type, required, code, enumeration, dates."""
    rules: list[Rule] = []
    for column in COLUMNS[table]:
        col = q(column.name)
        kind = str(column.type)
        if kind != "string":
            rules.append(
                Rule(
                    "type",
                    column.name,
                    f"{q(present(column.name))} AND {col} IS NULL",
                    f"{column.name} is not {_TYPE_WORDS[kind]}",
                )
            )
        if not column.nullable:
            missing = (
                f"{col} IS NULL" if kind == "string" else f"{col} IS NULL AND NOT {q(present(column.name))}"
            )
            rules.append(Rule("required", column.name, missing, f"{column.name} is missing"))
        if column.code:
            rules.append(
                Rule(
                    "code_format",
                    column.name,
                    f"{col} IS NOT NULL AND NOT regexp_full_match({col}, '{CODE_PATTERN}')",
                    f"{column.name} is not a SNOMED CT / dm+d identifier (6-18 digits, no leading zero)",
                )
            )
        if kind == "string" and not column.code and not column.allowed:
            rules.append(
                Rule(
                    "control_character",
                    column.name,
                    f"regexp_matches({col}, {lit(CONTROL_CHARACTERS)})",
                    f"{column.name} holds a control character (a tab, line break, NUL or other non-printing character)",
                )
            )
        if column.allowed:
            options = ", ".join(lit(a) for a in column.allowed)
            rules.append(
                Rule(
                    "enumeration",
                    column.name,
                    f"{col} IS NOT NULL AND {col} NOT IN ({options})",
                    f"{column.name} is not one of: {', '.join(column.allowed)}",
                )
            )
        if kind in ("date32[day]", "timestamp[s]"):
            day = _as_date(col, kind)
            rules.append(
                Rule(
                    "implausible_date",
                    column.name,
                    f"{day} < {_date_lit(EARLIEST_DATE)}",
                    f"{column.name} is before {EARLIEST_DATE.isoformat()}",
                )
            )
            if not (table == "appointments" and column.name == "start_at"):
                rules.append(
                    Rule(
                        "future_date",
                        column.name,
                        f"{day} > {_date_lit(ctx.as_of)}",
                        f"{column.name} is after the as-of date {ctx.as_of.isoformat()}",
                    )
                )
    return rules


def _practice_rules(table: str, ctx: Context) -> list[Rule]:
    rules = []
    if table != "patients":
        rules.append(
            Rule(
                "wrong_practice",
                "practice_code",
                f"practice_code IS NOT NULL AND practice_code <> {lit(ctx.practice or '')}",
                f"practice_code is not {ctx.practice}, the practice whose extract holds this row",
            )
        )
    rules.append(
        Rule(
            "unknown_practice",
            "practice_code" if table != "patients" else None,
            "FALSE" if ctx.practice_known else "TRUE",
            f"practice {ctx.practice} is not in the practices reference table",
        )
    )
    return rules


def _patient_rules(table: str, ctx: Context) -> list[Rule]:
    """References to the patient and the patient's dates (columns _pid, _dob, _dod, _reg)."""
    rules = [
        Rule(
            "unknown_patient",
            "patient_id",
            "patient_id IS NOT NULL AND _pid IS NULL",
            "patient_id is not in this practice's patients file",
        ),
    ]
    if table != "registrations":
        rules.append(
            Rule(
                "not_registered",
                "patient_id",
                "_pid IS NOT NULL AND NOT _reg",
                "the patient has no registration at this practice",
            )
        )
    death = f"_dod + INTERVAL {AFTER_DEATH_TOLERANCE_DAYS} DAY"
    if table == "registrations":
        rules += [
            Rule(
                "before_birth",
                "start_date",
                "start_date < _dob",
                "start_date is before the patient's date of birth",
            ),
            Rule(
                "after_death",
                "start_date",
                f"start_date > {death}",
                "start_date is after the patient's date of death",
            ),
        ]
    elif table == "appointments":
        happened = f"status IN ({', '.join(lit(o) for o in OUTCOMES)})"
        rules += [
            Rule(
                "before_birth",
                "start_at",
                "CAST(start_at AS DATE) < _dob",
                "start_at is before the patient's date of birth",
            ),
            Rule(
                "after_death",
                "booked_at",
                f"CAST(booked_at AS DATE) > {death}",
                "booked_at is after the patient's date of death",
            ),
            Rule(
                "after_death",
                "start_at",
                f"CAST(start_at AS DATE) > {death} AND {happened}",
                "the appointment is after the patient's date of death but has an outcome",
            ),
        ]
    else:
        rules += [
            Rule("before_birth", "date", '"date" < _dob', "date is before the patient's date of birth"),
            Rule("after_death", "date", f'"date" > {death}', "date is after the patient's date of death"),
        ]
    return rules


def _unit_rules() -> list[Rule]:
    allowed = []
    conditions = []
    for unit, (low, inclusive, high) in UNIT_RANGES.items():
        below = f"numeric_value {'<' if inclusive else '<='} {low}"
        outside = f"({below} OR numeric_value > {high})" if high is not None else below
        conditions.append(f"(lower(trim(unit)) = {lit(unit.lower())} AND {outside})")
        if unit != "mmHg":  # the same as mm[Hg], written without UCUM's brackets
            bounds = f"{'from' if inclusive else 'above'} {low:g}" + (
                f" to {high:g}" if high is not None else ""
            )
            allowed.append(f"{unit} {bounds}")
    return [
        Rule(
            "implausible_value",
            "numeric_value",
            " OR ".join(conditions),
            f"numeric_value is outside what its unit allows ({'; '.join(allowed)})",
        )
    ]


def table_rules(table: str, ctx: Context) -> list[Rule]:
    rules = column_rules(table, ctx)
    if table == "organisations":
        rules.append(
            Rule(
                "unknown_reference",
                "parent_code",
                "parent_code IS NOT NULL AND _parent IS NULL",
                "parent_code is not an org_code in the organisations table",
            )
        )
    elif table == "practices":
        rules += [
            Rule(
                "code_format",
                "practice_code",
                f"practice_code IS NOT NULL AND NOT regexp_full_match(practice_code, '{PRACTICE_CODE_PATTERN}')",
                "practice_code is not letters, digits, '-' or '_' (at most 32)",
            ),
            Rule(
                "unknown_reference",
                "network_code",
                "network_code IS NOT NULL AND _network IS NULL",
                "network_code is not an org_code in the organisations table",
            ),
            Rule(
                "unknown_reference",
                "sub_icb_code",
                "sub_icb_code IS NOT NULL AND _sub_icb IS NULL",
                "sub_icb_code is not an org_code in the organisations table",
            ),
            Rule(
                "range", "imd_score", "imd_score < 0 OR imd_score > 100", "imd_score is not between 0 and 100"
            ),
            Rule("closed_before_opened", "closed", "closed < opened", "closed is before opened"),
        ]
    elif table == "patients":
        rules += [
            Rule(
                "nhs_number",
                "nhs_number",
                f"nhs_number IS NOT NULL AND NOT {_nhs_number_valid('nhs_number')}",
                "nhs_number is not 10 digits passing the modulus 11 check",
            ),
            Rule(
                "range",
                "imd_decile",
                "imd_decile < 1 OR imd_decile > 10",
                "imd_decile is not between 1 and 10",
            ),
            Rule(
                "death_before_birth",
                "date_of_death",
                "date_of_death < date_of_birth",
                "date_of_death is before date_of_birth",
            ),
            *_practice_rules(table, ctx),
        ]
    else:
        assert table in PATIENT_TABLES, table
        rules += _practice_rules(table, ctx)
        rules += _patient_rules(table, ctx)
        if table == "registrations":
            rules.append(
                Rule("end_before_start", "end_date", "end_date < start_date", "end_date is before start_date")
            )
        if table == "clinical_events":
            rules += _unit_rules()
        if table == "medications":
            rules.append(Rule("range", "quantity", "quantity <= 0", "quantity is not more than 0"))
        if table == "appointments":
            happened = f"status IN ({', '.join(lit(o) for o in OUTCOMES)})"
            rules += [
                Rule(
                    "booked_after_start", "booked_at", "booked_at > start_at", "booked_at is after start_at"
                ),
                Rule(
                    "outcome_in_future",
                    "status",
                    f"CAST(start_at AS DATE) > {_date_lit(ctx.as_of)} AND {happened}",
                    f"the appointment starts after the as-of date {ctx.as_of.isoformat()} but has an outcome",
                ),
                Rule(
                    "duplicate_key_other_practice",
                    "appointment_id",
                    "_elsewhere IS NOT NULL",
                    "appointment_id is also used by another practice's appointments",
                ),
            ]
    assert len(rules) <= 62, f"{table}: too many rules for a 64-bit mask"
    return rules


def context_joins(table: str, ctx: Context) -> tuple[str, str]:
    """(extra select columns, joins) giving the rules their context columns."""
    if table == "organisations":
        return (
            "_o.org_code AS _parent",
            "LEFT JOIN (SELECT DISTINCT org_code FROM typed WHERE org_code IS NOT NULL) AS _o "
            "ON typed.parent_code = _o.org_code",
        )
    if table == "practices":
        orgs = ctx.organisation_codes
        return (
            "_n.org_code AS _network, _s.org_code AS _sub_icb",
            f"LEFT JOIN {orgs} AS _n ON typed.network_code = _n.org_code "
            f"LEFT JOIN {orgs} AS _s ON typed.sub_icb_code = _s.org_code",
        )
    if table == "registrations":
        return (
            "_p.patient_id AS _pid, _p.date_of_birth AS _dob, _p.date_of_death AS _dod",
            f"LEFT JOIN {ctx.practice_patients} AS _p ON typed.patient_id = _p.patient_id",
        )
    if table in EVENT_TABLES or table == "appointments":
        cols = (
            "_p.patient_id AS _pid, _p.date_of_birth AS _dob, _p.date_of_death AS _dod, _p.registered AS _reg"
        )
        joins = f"LEFT JOIN {ctx.patient_context} AS _p ON typed.patient_id = _p.patient_id"
        if table == "appointments":
            cols += ", _x.appointment_id AS _elsewhere"
            joins += f" LEFT JOIN {ctx.appointment_ids_elsewhere} AS _x ON typed.appointment_id = _x.appointment_id"
        return cols, joins
    return "", ""


def tag_sql(table: str, source: str, source_types: dict[str, str], ctx: Context, rules: list[Rule]) -> str:
    """SELECT of the typed rows of `source` with `_row` and `_mask` (bit i = rules[i] broken)."""
    typed_cols = []
    for column in COLUMNS[table]:
        typed_cols.append(f"{typed_expression(column, source_types[column.name])} AS {q(column.name)}")
        if str(column.type) != "string":
            typed_cols.append(f"{q(column.name)} IS NOT NULL AS {q(present(column.name))}")
    extra_cols, joins = context_joins(table, ctx)
    mask = (
        " + ".join(f"(CASE WHEN {r.condition} THEN {1 << i} ELSE 0 END)" for i, r in enumerate(rules)) or "0"
    )
    names = ", ".join(f"typed.{q(c.name)}" for c in COLUMNS[table])
    inner = f"SELECT typed.*, {extra_cols} FROM typed {joins}" if extra_cols else "SELECT * FROM typed"
    return (
        f"WITH typed AS (SELECT _row, {', '.join(typed_cols)} FROM {source}), "
        f"ctx AS ({inner}) "
        f"SELECT typed._row AS _row, {names}, CAST({mask} AS BIGINT) AS _mask FROM ctx AS typed"
    )


def failures_sql(rules: list[Rule], mask: str = "t._mask", raw_alias: str = "s") -> str:
    """SQL list of {rule, field, value} for each broken rule, in rule order."""
    items = []
    for i, r in enumerate(rules):
        value = f"CAST({raw_alias}.{q(r.field)} AS VARCHAR)" if r.field else "CAST(NULL AS VARCHAR)"
        field = lit(r.field) if r.field else "CAST(NULL AS VARCHAR)"
        items.append(
            f"CASE WHEN ({mask} & {1 << i}) <> 0 THEN {{'rule': {lit(r.name)}, 'field': {field}, 'value': {value}}} END"
        )
    return f"list_filter([{', '.join(items)}], lambda x: x IS NOT NULL)"


def reason_sql(rules: list[Rule], first: str) -> str:
    """SQL for the reason text of the first failure (a struct expression `first`)."""
    cases = []
    seen = set()
    for r in rules:
        key = (r.name, r.field)
        if key in seen:
            continue
        seen.add(key)
        field = f"= {lit(r.field)}" if r.field else "IS NULL"
        cases.append(f"WHEN {first}.rule = {lit(r.name)} AND {first}.field {field} THEN {lit(r.reason)}")
    return "CASE " + " ".join(cases) + " END" if cases else "CAST(NULL AS VARCHAR)"


FAILURE = pa.struct([("rule", pa.string()), ("field", pa.string()), ("value", pa.string())])
QUARANTINE_META = [
    pa.field("file", pa.string()),
    pa.field("row", pa.int64()),
    pa.field("rule", pa.string()),
    pa.field("field", pa.string()),
    pa.field("value", pa.string()),
    pa.field("reason", pa.string()),
    pa.field("failures", pa.list_(FAILURE)),
]


def quarantine_schema(table: str) -> pa.Schema:
    """A quarantined row: where it was, why (first failure, then all), and its values as text."""
    meta = {f.name for f in QUARANTINE_META}
    clash = meta & {c.name for c in COLUMNS[table]}
    assert not clash, clash
    return pa.schema([*QUARANTINE_META, *(pa.field(c.name, pa.string()) for c in COLUMNS[table])])
