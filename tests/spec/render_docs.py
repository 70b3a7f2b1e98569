"""Render the spec cases as the worked examples of docs/indicator-language.md.

    .venv/bin/python -m tests.spec.render_docs     # rewrite the section between the markers

tests/spec/test_docs.py fails when the page is not current, so docs and tests cannot drift.
"""

from __future__ import annotations

import importlib
from pathlib import Path

CHAPTERS = {
    "population": "The population: registration, deaths, age, sex",
    "windows": "Windows and counts",
    "records": "Readings, registers, medications, vaccinations",
    "pregnancy": "Pregnancy",
    "groups": "Groups",
    "exceptions": "Exceptions in QOF's rule order",
    "appointments": "Appointments",
}
MODULES = [f"tests.spec.test_{name}" for name in CHAPTERS]
DOC = Path(__file__).resolve().parents[2] / "docs" / "indicator-language.md"
START, END = "<!-- spec-examples:start -->", "<!-- spec-examples:end -->"


def _table(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    header = [h.strip() for h in lines[0].split("|")]
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(c.strip() for c in line.split("|")) + " |" for line in lines[1:]]
    return "\n".join(out)


def render() -> str:
    from tests.spec.framework import ALL_CASES

    for module in MODULES:
        importlib.import_module(module)
    parts = [
        "## Worked examples (generated from tests/spec)\n",
        "Each example is one spec test, run on DuckDB and PySpark. Codes are written `@slug` "
        "(the first code of that bundled codelist; `@slug#2` the second). Unless a table says "
        "otherwise every patient is registered at P1 from 2000-01-01, alive, and female. The "
        "criterion under test is the numerator; the denominator is everyone registered unless "
        "shown.\n",
    ]
    for chapter, title in CHAPTERS.items():
        parts.append(f"### {title}\n")
        for case in [c for c in ALL_CASES if c.chapter == chapter]:
            parts.append(f"**{case.name}.** {case.rule}\n")
            for name, text in case.tables.items():
                parts.append(f"`{name}`\n\n{_table(text)}\n")
            if case.unit == "appointment":
                parts.append(
                    f"period: {case.period}; denominator:\n\n```yaml\n{case.denominator.strip()}\n```\n"
                )
            elif case.expect_denominator is not None or case.denominator != "all:\n  - registered: {}":
                parts.append(f"denominator:\n\n```yaml\n{case.denominator.strip()}\n```\n")
            parts.append(f"numerator:\n\n```yaml\n{case.numerator.strip()}\n```\n")
            for name in ("exceptions", "payment_exceptions"):
                if getattr(case, name):
                    parts.append(f"{name}:\n\n```yaml\n{getattr(case, name).strip()}\n```\n")
            unit = "appointments" if case.unit == "appointment" else "patients"
            rows = [
                f"| {day} | {', '.join(map(str, ids)) or '–'} |" for day, ids in sorted(case.expect.items())
            ]
            parts.append(f"| on | numerator {unit} |\n|---|---|\n" + "\n".join(rows) + "\n")
            for label, expect in (
                ("denominator", case.expect_denominator),
                ("worklist (needs care)", case.expect_needs_care),
            ):
                if expect:
                    rows = [f"| {d} | {', '.join(map(str, i)) or '–'} |" for d, i in sorted(expect.items())]
                    parts.append(f"| on | {label} {unit} |\n|---|---|\n" + "\n".join(rows) + "\n")
    return "\n".join(parts)


def updated(page: str) -> str:
    before, rest = page.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{render()}\n{END}{after}"


if __name__ == "__main__":
    DOC.write_text(updated(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {DOC}")
