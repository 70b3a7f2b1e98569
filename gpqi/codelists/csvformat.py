"""Reading an OpenCodelists-format CSV strictly: codes are text, and a spreadsheet's damage is refused.

OpenCodelists downloads name the code column `code` (SNOMED CT lists), `dmd_id` (dm+d lists) or,
in older lists, `snomedcode`; the term is `term`, `dmd_name` or `description`. A file that went
through a spreadsheet often comes back with its codes as numbers: `1.11552E+08` (scientific
notation, digits lost), `111552007.0` (a trailing `.0`) or with leading zeros dropped or padded.
SNOMED CT and dm+d identifiers (SCTIDs) are 6 to 18 digits, never start with 0, and end in a
partition identifier and a check digit; a concept's partition identifier is `00` or `10`. A
code that breaks that structure is refused with its row; a code whose Verhoeff check digit
does not match is only warned about, because published NHS refsets contain such identifiers.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from gpqi.codelists.errors import CodelistError

__all__ = [
    "CODE_COLUMNS",
    "TERM_COLUMNS",
    "ParsedCodes",
    "code_problem",
    "parse_codes",
    "read_codes",
    "verhoeff_ok",
]

CODE_COLUMNS = ("code", "dmd_id", "snomedcode", "snomed_code", "concept_id", "conceptid")
TERM_COLUMNS = ("term", "dmd_name", "description", "snomed_term", "name")

_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_DECIMAL = re.compile(r"^\d+\.\d+$")
_CONCEPT_PARTITIONS = ("00", "10")

# Verhoeff dihedral-group tables (the SNOMED CT check digit).
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 2, 4, 1),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_ok(code: str) -> bool:
    """True when the last digit of `code` is its Verhoeff check digit."""
    check = 0
    for position, digit in enumerate(reversed(code)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def code_problem(code: str) -> str | None:
    """Why `code` cannot be a SNOMED CT / dm+d concept identifier as written, or None."""
    if not code:
        return "is empty"
    if _SCIENTIFIC.match(code):
        return (
            f"{code!r} is in scientific notation: a spreadsheet turned the code into a number and "
            "lost digits; download the CSV again and do not open and save it in a spreadsheet"
        )
    if _DECIMAL.match(code):
        return (
            f"{code!r} has a decimal part (a trailing '.0' means a spreadsheet stored the code as a "
            "number); download the CSV again"
        )
    if not code.isdigit():
        return f"{code!r} is not a code: SNOMED CT and dm+d codes are digits only"
    if code.startswith("0"):
        return f"{code!r} starts with 0, which a SNOMED CT or dm+d code never does (padded or from another system)"
    if not 6 <= len(code) <= 18:
        return (
            f"{code!r} has {len(code)} digits; SNOMED CT and dm+d codes have 6 to 18 (a spreadsheet "
            "may have dropped leading digits or zeros)"
        )
    if code[-3:-1] not in _CONCEPT_PARTITIONS:
        return (
            f"{code!r} ends in partition identifier {code[-3:-1]!r}, not a concept's (00 or 10): "
            "digits were lost or changed, or it is a description id"
        )
    return None


@dataclass
class ParsedCodes:
    codes: list[str]
    terms: dict[str, str]
    code_column: str
    term_column: str | None
    rows: int
    warnings: list[str] = field(default_factory=list)


def _pick(fieldnames: list[str], wanted: tuple[str, ...]) -> str | None:
    lowered = {name.strip().lower(): name for name in fieldnames if name is not None}
    return next((lowered[w] for w in wanted if w in lowered), None)


def parse_codes(data: bytes, source: str) -> ParsedCodes:
    """Parse an OpenCodelists CSV given as bytes; CodelistError names source, row and field.

    Every problem is collected and reported at once (up to 20 rows, then a count)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodelistError(
            f"{source}: not a UTF-8 text file (byte {exc.start}): is it an Excel workbook rather than CSV?"
        ) from None
    if "\x00" in text:
        raise CodelistError(f"{source}: contains NUL bytes: not a CSV text file")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fieldnames = [name for name in (reader.fieldnames or []) if name]
    code_column = _pick(fieldnames, CODE_COLUMNS)
    if code_column is None:
        raise CodelistError(
            f"{source}: row 1: no code column (looked for {', '.join(CODE_COLUMNS)}; the columns are "
            f"{', '.join(fieldnames) or 'none'})"
        )
    term_column = _pick(fieldnames, TERM_COLUMNS)
    codes: list[str] = []
    terms: dict[str, str] = {}
    problems: list[str] = []
    unchecked: list[str] = []
    rows = 0
    try:
        for row_number, row in enumerate(reader, start=2):
            rows += 1
            code = (row.get(code_column) or "").strip()
            problem = code_problem(code)
            if problem:
                problems.append(f"{source}: row {row_number}, field {code_column!r}: {problem}")
                continue
            if not verhoeff_ok(code):
                unchecked.append(f"row {row_number} ({code})")
            if code not in terms:
                codes.append(code)
            terms[code] = (row.get(term_column) or "").strip() if term_column else ""
    except csv.Error as exc:
        raise CodelistError(f"{source}: row {reader.line_num}: not valid CSV: {exc}") from None
    if problems:
        shown = problems[:20]
        if len(problems) > 20:
            shown.append(f"{source}: ... and {len(problems) - 20} more rows with bad codes")
        raise CodelistError("\n".join(shown))
    if not codes:
        raise CodelistError(f"{source}: no codes (the file has a header but no rows)")
    warnings = []
    if unchecked:
        listed = ", ".join(unchecked[:5]) + (f" and {len(unchecked) - 5} more" if len(unchecked) > 5 else "")
        warnings.append(
            f"{len(unchecked)} code(s) fail the SNOMED CT check digit ({listed}); published refsets "
            "contain some such codes, but compare them with the source"
        )
    if rows > len(codes):
        warnings.append(f"{rows - len(codes)} duplicate row(s) counted once")
    return ParsedCodes(codes, terms, code_column, term_column, rows, warnings)


def read_codes(path: Path) -> ParsedCodes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CodelistError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_codes(data, str(path))
