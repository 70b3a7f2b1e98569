"""The validation rules' SQL, evaluated directly in an in-memory DuckDB on rows of one table.

tests/ingest/test_rules.py proves each rule through real ingests (Parquet and CSV, whole
snapshots); this module states every rule at its edge and a value either side, in a few
milliseconds per case, so that mutation testing of `gpqi.ingest.rules` can run the rules once per
mutant (docs/testing.md). Expectations come from the rules as documented (docs/ingest.md, "The
rules a row must pass", and the constants' comments in the module), not from current output:
the NHS number check digit is recomputed here in Python, the unit ranges and dates are written
out as the documentation words them.

Each case starts from a row that breaks no rule, changes a value or the patient's context, and
checks which (rule, field) pairs the row breaks, decoded from the bitmask with the rule list,
together with the failures list and the reason the quarantine would show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from gpqi.cdm import COLUMNS
from gpqi.ingest.rules import (
    RULES,
    Context,
    Rule,
    failures_sql,
    lit,
    present,
    q,
    quarantine_schema,
    reason_sql,
    table_rules,
    tag_sql,
)

AS_OF = date(2026, 3, 31)
DOB = "1950-06-15"
EMPTY: frozenset[tuple[str, str | None]] = frozenset()

# Rows breaking no rule, as text (a CSV's columns), for each table.
VALID: dict[str, dict[str, str | None]] = {
    "organisations": {"org_code": "N1", "name": "Network one", "type": "network", "parent_code": None},
    "practices": {
        "practice_code": "P1",
        "name": "Practice one",
        "network_code": "N1",
        "sub_icb_code": "S1",
        "imd_score": "20.5",
        "ehr_system": "emis",
        "opened": "1990-01-01",
        "closed": None,
    },
    "patients": {
        "patient_id": "1",
        "nhs_number": "9434765919",  # the NHS's own example of a valid number
        "given_name": "Ann",
        "family_name": "Smith",
        "date_of_birth": DOB,
        "sex": "female",
        "date_of_death": None,
        "imd_decile": "5",
        "type1_opt_out": "false",
    },
    "registrations": {"patient_id": "1", "practice_code": "P1", "start_date": "2000-01-01", "end_date": None},
    "clinical_events": {
        "patient_id": "1",
        "practice_code": "P1",
        "date": "2024-05-01",
        "code": "271649006",
        "numeric_value": "120",
        "unit": "mm[Hg]",
    },
    "medications": {
        "patient_id": "1",
        "practice_code": "P1",
        "date": "2024-05-01",
        "code": "123456",
        "quantity": "28",
    },
    "vaccinations": {
        "patient_id": "1",
        "practice_code": "P1",
        "date": "2024-05-01",
        "code": "822851000000102",
    },
    "appointments": {
        "appointment_id": "1",
        "practice_code": "P1",
        "patient_id": "1",
        "booked_at": "2024-04-01 09:00:00",
        "start_at": "2024-05-01 10:00:00",
        "status": "attended",
        "mode": "face_to_face",
        "booking_channel": "online",
        "clinician_type": "gp",
    },
}


@dataclass(frozen=True)
class Judged:
    broken: frozenset[tuple[str, str | None]]  # decoded from the bitmask
    failures: list[tuple[str, str | None, str | None]]  # failures_sql: (rule, field, value) in order
    reason: str | None  # reason_sql of the first failure
    typed: dict  # the typed row


# Arrow types for the stored (source) column types the tests use; text otherwise.
ARROW = {
    "VARCHAR": pa.string(),
    "DOUBLE": pa.float64(),
    "DATE": pa.date32(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DECIMAL(9,2)": pa.decimal128(9, 2),
    "NULL": pa.null(),
}
CONTEXT = ("_dob", "_dod", "_registered", "_known")  # per-row keys describing the row's patient
_CON = duckdb.connect()  # one in-memory database for the module: a connection costs more than a query
_CON.execute("SET threads TO 1")  # rows are few: more threads only cost (and the machine is shared)


def judge(
    table: str,
    cases: list[dict],
    *,
    practice: str | None = "P1",
    practice_known: bool = True,
    orgs: tuple[str, ...] = ("N1", "S1"),
    elsewhere: tuple[int, ...] = (),
    types: dict[str, str] | None = None,
) -> list[Judged]:
    """Each case is the valid row of `table` with some values changed (text unless `types`
    gives a column another stored type), through the rules' SQL.

    Row i is patient i (unless the case sets patient_id), born on `_dob` (default DOB), died on
    `_dod` (default alive), registered at the practice unless `_registered` is False, and in the
    practice's patients file unless `_known` is False. An appointment's id is its row number."""
    con = _CON
    stored = {c.name: "VARCHAR" for c in COLUMNS[table]} | (types or {})
    data: dict[str, list] = {"_row": [], **{n: [] for n in stored}}
    patients: dict[str, list] = {"patient_id": [], "date_of_birth": [], "date_of_death": [], "registered": []}
    for i, case in enumerate(cases, start=1):
        row = {**VALID[table], **{k: v for k, v in case.items() if k not in CONTEXT}}
        if table not in ("patients", "organisations", "practices") and "patient_id" not in case:
            row["patient_id"] = str(i)
        if table == "appointments" and "appointment_id" not in case:
            row["appointment_id"] = str(i)
        data["_row"].append(i)
        for n in stored:
            data[n].append(row.get(n))
        if case.get("_known", True):
            patients["patient_id"].append(i)
            patients["date_of_birth"].append(case.get("_dob", DOB))
            patients["date_of_death"].append(case.get("_dod"))
            patients["registered"].append(case.get("_registered", True))
    fields = [pa.field("_row", pa.int64())] + [pa.field(n, ARROW[t]) for n, t in stored.items()]
    con.register("src", pa.table(data, schema=pa.schema(fields)))
    ptypes = pa.schema(
        [
            ("patient_id", pa.int64()),
            ("date_of_birth", pa.string()),
            ("date_of_death", pa.string()),
            ("registered", pa.bool_()),
        ]
    )
    con.register("praw", pa.table(patients, schema=ptypes))
    con.register("orgs", pa.table({"org_code": pa.array(list(orgs), pa.string())}))
    con.register("elsewhere", pa.table({"appointment_id": pa.array(list(elsewhere), pa.int64())}))
    pctx = (
        "(SELECT patient_id, CAST(date_of_birth AS DATE) AS date_of_birth, "
        "CAST(date_of_death AS DATE) AS date_of_death, registered FROM praw)"
    )
    ctx = Context(
        as_of=AS_OF,
        practice=practice,
        practice_known=practice_known,
        practice_patients=pctx,
        patient_context=pctx,
        organisation_codes="orgs",
        appointment_ids_elsewhere="elsewhere",
    )
    rules = table_rules(table, ctx)
    names = [c.name for c in COLUMNS[table]]
    typed_names = ", ".join(f"t.{q(n)}" for n in names)
    result = con.execute(
        f"WITH t AS ({tag_sql(table, 'src', stored, ctx, rules)}), "
        f"f AS (SELECT t._row, t._mask, {failures_sql(rules)} AS failures, {typed_names} "
        "FROM t JOIN src AS s ON s._row = t._row) "
        f"SELECT _mask, failures, {reason_sql(rules, 'failures[1]')}, {', '.join(q(n) for n in names)} "
        "FROM f ORDER BY _row"
    ).fetchall()
    out = []
    for mask, failures, reason, *values in result:
        out.append(
            Judged(
                frozenset((r.name, r.field) for i, r in enumerate(rules) if mask & (1 << i)),
                [(f["rule"], f["field"], f["value"]) for f in failures],
                reason,
                dict(zip(names, values, strict=True)),
            )
        )
    return out


def one(table: str, changes: dict | None = None, **kwargs) -> Judged:
    return judge(table, [changes or {}], **kwargs)[0]


def broken(table: str, changes: dict | None = None, **kwargs) -> frozenset[tuple[str, str | None]]:
    return one(table, changes, **kwargs).broken


Expected = tuple[str, str | None] | set[tuple[str, str | None]] | None  # one rule, several, or none


def check(table: str, cases: list[tuple[dict, Expected]], **kwargs) -> list[Judged]:
    """Judge all `cases` of `table` in one query; each breaks exactly the rules expected."""
    judged = judge(table, [c for c, _ in cases], **kwargs)
    wrong = []
    for (case, expected), j in zip(cases, judged, strict=True):
        want = (
            frozenset()
            if expected is None
            else frozenset([expected] if isinstance(expected, tuple) else expected)
        )
        if j.broken != want:
            wrong.append((case, set(want), set(j.broken)))
    assert wrong == []
    return judged


def test_the_valid_rows_break_no_rule():
    for table in VALID:
        judged = one(table)
        assert judged.broken == EMPTY, table
        assert judged.failures == [] and judged.reason is None, table


# -- typing, required, present -------------------------------------------------------------


READ_AS_TYPE = [
    ("patients", "patient_id", "12", 12),
    ("patients", "patient_id", " 12 ", 12),  # surrounding blanks are not part of the value
    ("patients", "patient_id", "+12", 12),
    ("patients", "patient_id", "-12", -12),
    ("patients", "patient_id", "9223372036854775807", 9223372036854775807),  # 19 digits, the largest
    ("patients", "imd_decile", "10", 10),
    ("patients", "type1_opt_out", "true", True),
    ("patients", "type1_opt_out", " false ", False),
    ("patients", "given_name", "  Ann ", "  Ann "),  # text is kept as written
    ("clinical_events", "numeric_value", "0.25", 0.25),
    ("clinical_events", "numeric_value", " 3e2 ", 300.0),
    ("clinical_events", "date", "2024-05-01", date(2024, 5, 1)),
    ("appointments", "start_at", "2024-05-01 10:30:15", datetime(2024, 5, 1, 10, 30, 15)),
    ("appointments", "start_at", "2024-05-01T10:30", datetime(2024, 5, 1, 10, 30)),
    ("appointments", "start_at", "2024-05-01 10:30:15.25", datetime(2024, 5, 1, 10, 30, 15)),
]
NOT_OF_TYPE = [
    ("patients", "patient_id", "1.5"),
    ("patients", "patient_id", "1e3"),
    ("patients", "patient_id", "twelve"),
    ("patients", "patient_id", "1 2"),
    ("patients", "patient_id", "92233720368547758070"),  # 20 digits
    ("patients", "imd_decile", "128"),  # beyond a small integer (int8)
    ("patients", "type1_opt_out", "maybe"),
    ("clinical_events", "numeric_value", "high"),
    ("clinical_events", "numeric_value", "inf"),  # non-finite numbers are not numbers here
    ("clinical_events", "numeric_value", "NaN"),
    ("clinical_events", "date", "2024-02-30"),
    ("clinical_events", "date", "01/05/2024"),
    ("clinical_events", "date", "2024-5-1"),
    ("clinical_events", "date", "20240501"),
    ("appointments", "start_at", "2024-05-01"),  # a date is not a date and time
    ("appointments", "start_at", "2024-05-01 10"),
    ("appointments", "start_at", "01/05/2024 10:00:00"),
]


def test_values_that_read_as_their_type():
    for table in ("patients", "clinical_events", "appointments"):
        cases = [(column, text, typed) for t, column, text, typed in READ_AS_TYPE if t == table]
        judged = check(table, [({column: text}, None) for column, text, _ in cases])
        assert [j.typed[column] for (column, _, _), j in zip(cases, judged, strict=True)] == [
            t for *_, t in cases
        ]


def test_values_that_do_not_read_as_their_type():
    for table in ("patients", "clinical_events", "appointments"):
        cases = [(column, text) for t, column, text in NOT_OF_TYPE if t == table]
        judged = check(table, [({column: text}, ("type", column)) for column, text in cases])
        for (column, text), j in zip(cases, judged, strict=True):
            assert j.failures == [("type", column, text)]
            assert j.typed[column] is None


def test_type_reasons_name_the_type_in_words():
    words = {
        "patient_id": "a whole number",
        "imd_decile": "a whole number",
        "type1_opt_out": "true or false",
        "date_of_birth": "a date (YYYY-MM-DD)",
    }
    judged = judge("patients", [{column: "x"} for column in words])
    assert [j.reason for j in judged] == [f"{column} is not {word}" for column, word in words.items()]
    assert one("clinical_events", {"numeric_value": "x"}).reason == "numeric_value is not a finite number"
    assert one("appointments", {"booked_at": "x"}).reason == (
        "booked_at is not a date and time (YYYY-MM-DD HH:MM:SS)"
    )


def test_required_values_missing_and_optional_ones_absent():
    check(
        "patients",
        [
            ({"patient_id": None}, ("required", "patient_id")),
            ({"date_of_birth": None}, ("required", "date_of_birth")),
            ({"type1_opt_out": None}, ("required", "type1_opt_out")),
            ({"nhs_number": None}, ("required", "nhs_number")),
            ({"nhs_number": ""}, ("required", "nhs_number")),  # empty or blank text counts as missing
            ({"sex": "   "}, ("required", "sex")),
            ({"given_name": None, "imd_decile": None, "date_of_death": None}, None),  # optional
        ],
    )
    judged = check(
        "clinical_events",
        [({"code": " "}, ("required", "code")), ({"numeric_value": None, "unit": None}, None)],
    )
    assert judged[0].reason == "code is missing"
    assert judged[0].failures == [("required", "code", " ")]
    assert broken("appointments", {"booked_at": None}) == EMPTY


def test_present_flags_are_named_after_their_column():
    assert present("date") == "date__present"


def test_typed_source_columns_are_kept_and_non_finite_numbers_refused():
    """A Parquet source has typed columns: they are cast, not matched as text."""
    types = {"numeric_value": "DOUBLE", "date": "DATE", "patient_id": "BIGINT"}
    good = {"numeric_value": 120.5, "date": date(2024, 5, 1), "patient_id": 1}
    judged = check(
        "clinical_events",
        [(good, None), ({**good, "numeric_value": float("inf")}, ("type", "numeric_value"))],
        types=types,
    )
    assert judged[0].typed["numeric_value"] == 120.5 and judged[0].typed["date"] == date(2024, 5, 1)
    decimal = check("medications", [({"quantity": Decimal("2.5")}, None)], types={"quantity": "DECIMAL(9,2)"})
    assert decimal[0].typed["quantity"] == 2.5
    # an integer column stored as a wider integer: a value that does not fit is not of the type
    check(
        "patients",
        [({"imd_decile": 3}, None), ({"imd_decile": 300}, ("type", "imd_decile"))],
        types={"imd_decile": "INTEGER"},
    )


def test_a_column_of_no_type_at_all_is_missing():
    """A column DuckDB reads as type NULL (every value empty) holds no value."""
    judged = check(
        "registrations",
        [({"end_date": None, "start_date": None}, ("required", "start_date"))],
        types={"end_date": "NULL", "start_date": "NULL"},
    )
    assert judged[0].typed["end_date"] is None


# -- codes, NHS numbers, enumerations, control characters ---------------------------------

CLINICAL_CODES = [
    ("123456", True),  # 6 digits, the shortest
    ("12345", False),
    ("123456789012345678", True),  # 18 digits, the longest
    ("1234567890123456789", False),
    ("0123456", False),  # a leading zero
    ("1023456", True),  # zeros elsewhere are digits like any other
    ("12345a", False),
    ("123 456", False),
    ("-123456", False),
]


def test_clinical_codes_are_6_to_18_digits_without_a_leading_zero():
    for table in ("clinical_events", "medications", "vaccinations"):
        judged = check(
            table, [({"code": c}, None if ok else ("code_format", "code")) for c, ok in CLINICAL_CODES]
        )
    assert judged[1].reason == "code is not a SNOMED CT / dm+d identifier (6-18 digits, no leading zero)"


def test_practice_codes_are_letters_digits_dashes_and_underscores():
    codes = [
        ("P1", True),
        ("a", True),
        ("A" + "b" * 30 + "9", True),  # 32 characters, the most
        ("A" + "b" * 31 + "9", False),
        ("Z-0_9", True),
        ("-P1", False),  # must start with a letter or digit
        ("_P1", False),
        ("P 1", False),
        ("P1.", False),
        ("P1/2", False),
    ]
    judged = check(
        "practices",
        [({"practice_code": c}, None if ok else ("code_format", "practice_code")) for c, ok in codes],
    )
    assert judged[3].reason == "practice_code is not letters, digits, '-' or '_' (at most 32)"


def nhs_check_digit(nine: str) -> int | None:
    """The modulus 11 check digit of nine digits (weights 10 down to 2), None if there is none."""
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


def test_nhs_numbers_pass_the_modulus_11_check():
    prefixes = [f"{(n * 7919) % 10**9:09d}" for n in range(1, 151)] + ["943476591", "401023213", "000000000"]
    # each outcome of the check occurs: remainder 0 (check digit 0) and 1 (no valid number)
    assert any(nhs_check_digit(p) == 0 for p in prefixes) and any(
        nhs_check_digit(p) is None for p in prefixes
    )
    cases = [
        ({"nhs_number": p + last}, None if nhs_check_digit(p) == int(last) else ("nhs_number", "nhs_number"))
        for p in prefixes
        for last in "0123456789"
    ]
    assert sum(e is None for _, e in cases) > 100
    judged = check("patients", cases)
    assert judged[0].reason == "nhs_number is not 10 digits passing the modulus 11 check"


def test_nhs_numbers_are_exactly_ten_digits():
    numbers = [
        "943476591",
        "94347659190",
        "943 476 5919",
        "943476591X",
        "x943476591",
        "-943476591",
        "\uff19434765919",
    ]
    check("patients", [({"nhs_number": n}, ("nhs_number", "nhs_number")) for n in numbers])


def test_enumerations_are_exact_and_lower_case():
    wrong = ["Female", "FEMALE", " female", "f", "other"]
    judged = check(
        "patients",
        [({"sex": "male"}, None), ({"sex": "unknown"}, None), ({"sex": None}, ("required", "sex"))]
        + [({"sex": v}, ("enumeration", "sex")) for v in wrong],
    )
    assert [j.failures for j in judged[3:]] == [[("enumeration", "sex", v)] for v in wrong]
    assert judged[3].reason == "sex is not one of: female, male, unknown"
    check("organisations", [({"type": "practice"}, None), ({"type": "pcn"}, ("enumeration", "type"))])
    check(
        "appointments",
        [({"status": s}, None) for s in ("attended", "did_not_attend", "cancelled", "unknown")]
        + [
            ({"status": "booked"}, ("enumeration", "status")),
            ({"mode": "unknown", "booking_channel": "unknown", "clinician_type": "unknown"}, None),
        ],
    )
    check("practices", [({"ehr_system": "EMIS"}, ("enumeration", "ehr_system"))])


CONTROL = ["\t", "\n", "\r", "\x01", "\x1b", "\x1f", "\x7f"]


def test_control_characters_in_free_text():
    check("patients", [({"given_name": f"An{c}n"}, ("control_character", "given_name")) for c in CONTROL])
    check("clinical_events", [({"unit": f"mm[Hg]{c}"}, ("control_character", "unit")) for c in CONTROL])
    judged = check("organisations", [({"name": f"{c}=1+1"}, ("control_character", "name")) for c in CONTROL])
    assert (
        judged[0].reason
        == "name holds a control character (a tab, line break, NUL or other non-printing character)"
    )


def test_printable_characters_are_not_control_characters():
    texts = ["O'Neil", "Zoë", "Anne-Marie ", "~!@#", "a b"]  # space (U+0020) and ~ (U+007E) border the range
    check("patients", [({"given_name": t, "family_name": t}, None) for t in texts])
    # codes and enumerations have their own, stricter rules: a control character breaks only those
    check("clinical_events", [({"code": "123456\t"}, ("code_format", "code"))])
    check("patients", [({"sex": "female\n"}, ("enumeration", "sex"))])


# -- ranges and units -----------------------------------------------------------------------


def test_deprivation_ranges_include_their_ends():
    deciles = [("1", True), ("10", True), ("0", False), ("11", False), ("-1", False)]
    judged = check(
        "patients", [({"imd_decile": d}, None if ok else ("range", "imd_decile")) for d, ok in deciles]
    )
    assert judged[2].reason == "imd_decile is not between 1 and 10"
    scores = [("0", True), ("100", True), ("-0.01", False), ("100.01", False), ("55.5", True)]
    judged = check(
        "practices", [({"imd_score": s}, None if ok else ("range", "imd_score")) for s, ok in scores]
    )
    assert judged[2].reason == "imd_score is not between 0 and 100"


def test_a_medication_quantity_must_be_above_zero():
    quantities = [("0", False), ("-1", False), ("0.01", True), ("1", True), (None, True)]
    judged = check(
        "medications", [({"quantity": v}, None if ok else ("range", "quantity")) for v, ok in quantities]
    )
    assert judged[0].reason == "quantity is not more than 0"


UNIT_CASES = [
    # (unit, value, allowed): mm[Hg] above 0; mmol/mol above 0 up to 1000; % from 0 to 100
    ("mm[Hg]", "0", False),
    ("mm[Hg]", "-5", False),
    ("mm[Hg]", "0.001", True),
    ("mm[Hg]", "100000", True),  # no upper bound by definition of the unit
    ("mmHg", "0", False),
    ("mmHg", "0.5", True),
    ("MMHG", "0", False),  # matched case-insensitively
    (" mm[hg] ", "0", False),  # and without surrounding blanks
    ("mmol/mol", "0", False),
    ("mmol/mol", "0.1", True),
    ("mmol/mol", "1000", True),
    ("mmol/mol", "1000.1", False),
    ("MMOL/MOL", "1001", False),
    ("%", "0", True),
    ("%", "-0.1", False),
    ("%", "100", True),
    ("%", "100.5", False),
    ("%", "50", True),
    ("%", None, True),  # a unit without a value is not checked
    ("kg", "-5", True),  # other units are not checked
    ("mmol/L", "0", True),
    (None, "-5", True),  # nor values without a unit
]


def test_values_outside_what_their_unit_allows():
    judged = check(
        "clinical_events",
        [
            ({"unit": u, "numeric_value": v}, None if ok else ("implausible_value", "numeric_value"))
            for u, v, ok in UNIT_CASES
        ],
    )
    for (_, value, allowed), j in zip(UNIT_CASES, judged, strict=True):
        if not allowed:
            assert j.failures == [("implausible_value", "numeric_value", value)]
            assert j.reason == (
                "numeric_value is outside what its unit allows (mm[Hg] above 0; mmol/mol above 0 to 1000; % from 0 to 100)"
            )


# -- dates ----------------------------------------------------------------------------------


def test_dates_from_1900_are_plausible():
    judged = check(
        "clinical_events",
        [
            ({"date": "1900-01-01", "_dob": "1900-01-01"}, None),
            ({"date": "1899-12-31", "_dob": "1899-01-01"}, ("implausible_date", "date")),
        ],
    )
    assert judged[1].reason == "date is before 1900-01-01"
    check(
        "patients",
        [
            ({"date_of_birth": "1900-01-01"}, None),
            ({"date_of_birth": "1899-12-31"}, ("implausible_date", "date_of_birth")),
            ({"date_of_birth": "0001-01-01"}, ("implausible_date", "date_of_birth")),
        ],
    )
    # timestamps are compared by their day
    check(
        "appointments",
        [
            ({"booked_at": "1900-01-01 00:00:00", "_dob": None}, None),
            ({"booked_at": "1899-12-31 23:59:59", "_dob": None}, ("implausible_date", "booked_at")),
        ],
    )


def test_dates_up_to_the_as_of_date_are_not_in_the_future():
    judged = check(
        "clinical_events",
        [({"date": AS_OF.isoformat()}, None), ({"date": "2026-04-01"}, ("future_date", "date"))],
    )
    assert judged[1].reason == "date is after the as-of date 2026-03-31"
    check("patients", [({"date_of_birth": "2026-04-01"}, ("future_date", "date_of_birth"))])
    check("practices", [({"opened": "2026-04-01"}, ("future_date", "opened"))])
    # a timestamp on the as-of day, however late, is that day; an appointment's start may be later
    check(
        "appointments",
        [
            ({"booked_at": "2026-03-31 23:59:59", "start_at": "2026-03-31 23:59:59"}, None),
            (
                {"booked_at": "2026-04-01 00:00:00", "start_at": "2026-04-02 10:00:00", "status": "unknown"},
                ("future_date", "booked_at"),
            ),
        ],
    )


def test_an_appointment_may_start_after_the_as_of_date_without_an_outcome():
    judged = check(
        "appointments",
        [
            ({"start_at": "2026-06-01 10:00:00", "status": "cancelled"}, None),
            ({"start_at": "2026-06-01 10:00:00", "status": "unknown"}, None),
            ({"start_at": "2026-04-01 00:00:00", "status": "attended"}, ("outcome_in_future", "status")),
            (
                {"start_at": "2026-04-01 00:00:00", "status": "did_not_attend"},
                ("outcome_in_future", "status"),
            ),
            ({"start_at": "2026-03-31 23:59:59", "status": "attended"}, None),
        ],
    )
    assert judged[2].reason == "the appointment starts after the as-of date 2026-03-31 but has an outcome"


def test_a_date_may_equal_the_date_it_must_not_precede():
    judged = check(
        "patients",
        [
            ({"date_of_death": DOB}, None),
            ({"date_of_death": "1950-06-14"}, ("death_before_birth", "date_of_death")),
        ],
    )
    assert judged[1].reason == "date_of_death is before date_of_birth"
    judged = check(
        "registrations",
        [({"end_date": "2000-01-01"}, None), ({"end_date": "1999-12-31"}, ("end_before_start", "end_date"))],
    )
    assert judged[1].reason == "end_date is before start_date"
    judged = check(
        "practices",
        [({"closed": "1990-01-01"}, None), ({"closed": "1989-12-31"}, ("closed_before_opened", "closed"))],
    )
    assert judged[1].reason == "closed is before opened"
    judged = check(
        "appointments",
        [
            ({"booked_at": "2024-05-01 10:00:00"}, None),  # booked at its start
            ({"booked_at": "2024-05-01 10:00:01"}, ("booked_after_start", "booked_at")),
        ],
    )
    assert judged[1].reason == "booked_at is after start_at"


BIRTH_AND_DEATH = [
    ("clinical_events", "date", "2024-05-01", "date"),
    ("medications", "date", "2024-05-01", "date"),
    ("vaccinations", "date", "2024-05-01", "date"),
    ("registrations", "start_date", "2024-05-01", "start_date"),
]


def test_records_from_the_day_of_birth():
    for table, column, day, _ in [*BIRTH_AND_DEATH, ("appointments", "start_at", "2024-05-01 08:00:00", "")]:
        record = (
            {column: day, "booked_at": "2024-04-01 09:00:00"} if table == "appointments" else {column: day}
        )
        judged = check(
            table,
            [
                ({**record, "_dob": "2024-05-01"}, None),
                ({**record, "_dob": "2024-05-02"}, ("before_birth", column)),
                ({**record, "_dob": None}, None),  # no date of birth known: nothing to compare
            ],
        )
        assert judged[1].reason == f"{column} is before the patient's date of birth"


def test_records_on_the_day_of_death_but_not_after():
    for table, column, day, field in BIRTH_AND_DEATH:
        judged = check(
            table,
            [
                ({column: day, "_dod": "2024-05-01"}, None),  # the tolerance after death is 0 days
                ({column: day, "_dod": "2024-04-30"}, ("after_death", column)),
                ({column: day, "_dod": None}, None),
            ],
        )
        assert judged[1].reason == f"{field} is after the patient's date of death"


def test_a_registration_may_end_after_death():
    check("registrations", [({"end_date": "2024-06-01", "_dod": "2024-05-01"}, None)])


def test_appointments_after_death():
    died = "2024-05-01"
    late = {"booked_at": "2024-05-01 23:59:59", "start_at": "2024-05-02 10:00:00", "_dod": died}
    judged = check(
        "appointments",
        [
            # booked on the day of death (any time that day) is fine; the day after is not
            ({**late, "status": "cancelled"}, None),
            (
                {
                    "booked_at": "2024-05-02 00:00:00",
                    "start_at": "2024-05-03 10:00:00",
                    "status": "cancelled",
                    "_dod": died,
                },
                ("after_death", "booked_at"),
            ),
            # an appointment after death with an outcome is wrong; cancelled or unknown is fine
            ({**late, "status": "attended"}, ("after_death", "start_at")),
            ({**late, "status": "did_not_attend"}, ("after_death", "start_at")),
            ({**late, "status": "unknown"}, None),
            (
                {
                    "booked_at": "2024-04-01 09:00:00",
                    "start_at": "2024-05-01 23:00:00",
                    "status": "attended",
                    "_dod": died,
                },
                None,
            ),
            (
                {"booked_at": "2024-05-02 09:00:00", "start_at": "2024-05-02 10:00:00", "_dod": died},
                {("after_death", "booked_at"), ("after_death", "start_at")},
            ),
        ],
    )
    assert judged[1].reason == "booked_at is after the patient's date of death"
    assert judged[2].reason == "the appointment is after the patient's date of death but has an outcome"
    # the first failure in rule order gives the reason
    assert [f[:2] for f in judged[6].failures] == [("after_death", "booked_at"), ("after_death", "start_at")]
    assert judged[6].reason == "booked_at is after the patient's date of death"


# -- references -----------------------------------------------------------------------------


def test_rows_of_another_practice_and_an_unknown_practice():
    judged = check("clinical_events", [({"practice_code": "P2"}, ("wrong_practice", "practice_code"))])
    assert judged[0].reason == "practice_code is not P1, the practice whose extract holds this row"
    assert judged[0].failures == [("wrong_practice", "practice_code", "P2")]
    check("registrations", [({"practice_code": "p1"}, ("wrong_practice", "practice_code"))])
    # a practice whose code holds a quote is still compared as text
    check("appointments", [({"practice_code": "O'P"}, None)], practice="O'P")
    judged = check("vaccinations", [({}, ("unknown_practice", "practice_code"))], practice_known=False)
    assert judged[0].reason == "practice P1 is not in the practices reference table"
    # a patients file has no practice column: the rule has no field
    judged = check("patients", [({}, ("unknown_practice", None))], practice_known=False)
    assert judged[0].failures == [("unknown_practice", None, None)]
    assert judged[0].reason == "practice P1 is not in the practices reference table"


def test_patients_unknown_or_not_registered():
    for table in ("registrations", "clinical_events", "appointments"):
        judged = check(table, [({"_known": False}, ("unknown_patient", "patient_id"))])
        assert judged[0].reason == "patient_id is not in this practice's patients file"
    for table in ("clinical_events", "medications", "vaccinations", "appointments"):
        judged = check(table, [({"_registered": False}, ("not_registered", "patient_id"))])
        assert judged[0].reason == "the patient has no registration at this practice"
    # a registration is what registers the patient: the rule does not apply to registrations
    check("registrations", [({"_registered": False}, None)])


def test_organisation_references():
    judged = check(
        "organisations",
        [
            ({"org_code": "R1", "type": "region", "parent_code": None}, None),
            ({"org_code": "I1", "type": "icb", "parent_code": "R1"}, None),  # a parent in the same file
            (
                {"org_code": "S1", "type": "sub_icb", "parent_code": "I9"},
                ("unknown_reference", "parent_code"),
            ),
        ],
    )
    assert judged[2].reason == "parent_code is not an org_code in the organisations table"
    judged = check(
        "practices",
        [
            ({"network_code": "N9"}, ("unknown_reference", "network_code")),
            ({"sub_icb_code": "S9"}, ("unknown_reference", "sub_icb_code")),
            ({"network_code": "S1", "sub_icb_code": "N1"}, None),  # any organisation in the table
        ],
    )
    assert judged[0].reason == "network_code is not an org_code in the organisations table"
    assert judged[1].reason == "sub_icb_code is not an org_code in the organisations table"


def test_appointment_ids_used_by_another_practice():
    judged = check(
        "appointments", [({}, None), ({}, ("duplicate_key_other_practice", "appointment_id"))], elsewhere=(2,)
    )
    assert judged[1].reason == "appointment_id is also used by another practice's appointments"


# -- the mask, the failures list and the reason ---------------------------------------------


def test_every_failure_of_a_row_is_listed_in_rule_order_with_its_value():
    case = {"code": "0123", "date": "1899-12-31", "unit": "%", "numeric_value": "101", "_dob": "1890-01-01"}
    expected = {("code_format", "code"), ("implausible_date", "date"), ("implausible_value", "numeric_value")}
    judged = check("clinical_events", [(case, expected)])
    assert judged[0].failures == [
        ("implausible_date", "date", "1899-12-31"),
        ("code_format", "code", "0123"),
        ("implausible_value", "numeric_value", "101"),
    ]
    assert judged[0].reason == "date is before 1900-01-01"


def test_the_last_rule_has_its_own_bit():
    rules = table_rules("appointments", Context(as_of=AS_OF, practice="P1"))
    assert (rules[-1].name, rules[-1].field) == ("duplicate_key_other_practice", "appointment_id")
    judged = check("appointments", [({}, ("duplicate_key_other_practice", "appointment_id"))], elsewhere=(1,))
    assert judged[0].failures == [("duplicate_key_other_practice", "appointment_id", "1")]


def test_no_rules_tag_nothing():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT 1 AS _row, 'N1' AS org_code, 'x' AS name, 'icb' AS type, NULL AS parent_code"
    )
    ctx = Context(as_of=AS_OF)
    types = {c.name: "VARCHAR" for c in COLUMNS["organisations"]}
    assert con.execute(
        f"SELECT _mask FROM ({tag_sql('organisations', 'src', types, ctx, [])})"
    ).fetchall() == [(0,)]
    assert con.execute(f"SELECT {failures_sql([], 't._mask')} FROM (SELECT 0 AS _mask) AS t").fetchall() == [
        ([],)
    ]
    assert con.execute(f"SELECT {reason_sql([], 'f')} FROM (SELECT 1 AS f)").fetchall() == [(None,)]


def test_the_reason_is_the_first_rules_for_a_rule_and_field():
    rules = [
        Rule("range", "x", "TRUE", "first reason"),
        Rule("range", "x", "TRUE", "second reason"),  # same rule and field: the first reason stands
        Rule("range", "y", "TRUE", "y's reason"),
        Rule("unknown_practice", None, "TRUE", "no field"),
    ]
    con = _CON
    cases = [
        ("range", "x", "first reason"),
        ("range", "y", "y's reason"),
        ("unknown_practice", None, "no field"),
    ]
    for rule, field, reason in cases:
        first = (
            "{'rule': " + lit(rule) + ", 'field': " + (lit(field) if field else "CAST(NULL AS VARCHAR)") + "}"
        )
        assert con.execute(f"SELECT {reason_sql(rules, first)}").fetchall() == [(reason,)]
    # a rule met with another field than any listed has no reason rather than a wrong one
    other = "{'rule': 'range', 'field': 'z'}"
    assert con.execute(f"SELECT {reason_sql(rules, other)}").fetchall() == [(None,)]


def test_failures_read_values_from_the_raw_row():
    rules = [Rule("range", "x", "", ""), Rule("unknown_practice", None, "", "")]
    con = _CON
    raw = "(SELECT 42 AS x)"
    sql = f"SELECT {failures_sql(rules, 'm.mask', 'r')} FROM {raw} AS r, (SELECT 3 AS mask) AS m"
    assert con.execute(sql).fetchall() == [
        (
            [
                {"rule": "range", "field": "x", "value": "42"},
                {"rule": "unknown_practice", "field": None, "value": None},
            ],
        )
    ]
    sql = f"SELECT {failures_sql(rules, 'm.mask', 'r')} FROM {raw} AS r, (SELECT 2 AS mask) AS m"
    assert con.execute(sql).fetchall() == [([{"rule": "unknown_practice", "field": None, "value": None}],)]


def test_quoting_of_names_and_literals():
    text = "'it's'"
    assert _CON.execute(f"SELECT {lit(text)}").fetchall() == [(text,)]
    name = 'a "b" c'
    result = _CON.execute(f"SELECT 1 AS {q(name)}")
    assert result.description[0][0] == name and result.fetchall() == [(1,)]
    assert q("date") == '"date"' and lit("x") == "'x'"


def test_a_rule_must_be_documented():
    with pytest.raises(AssertionError, match="no_such_rule"):
        Rule("no_such_rule", None, "TRUE", "")
    assert all(r.name in RULES for t in VALID for r in table_rules(t, Context(as_of=AS_OF, practice="P1")))


def test_quarantine_schema_is_the_failure_then_the_row_as_text():
    schema = quarantine_schema("vaccinations")
    assert schema.names == [
        "file", "row", "rule", "field", "value", "reason", "failures",
        "patient_id", "practice_code", "date", "code",
    ]  # fmt: skip
    assert schema.field("row").type == pa.int64()
    assert schema.field("failures").type == pa.list_(
        pa.struct([("rule", pa.string()), ("field", pa.string()), ("value", pa.string())])
    )
    assert all(schema.field(n).type == pa.string() for n in ("patient_id", "date", "code", "file", "reason"))
