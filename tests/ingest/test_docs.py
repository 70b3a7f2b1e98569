"""docs/ingest.md documents every rule the ingest applies, with the reason it gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gpqi.cdm import TABLES
from gpqi.ingest.rules import RULES, Context, table_rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "ingest.md"


def test_every_rule_is_documented_with_an_example_reason():
    text = DOC.read_text()
    rows = {
        line.split("|")[1].strip().strip("`"): line for line in text.splitlines() if line.startswith("| `")
    }
    assert set(RULES) <= set(rows), set(RULES) - set(rows)
    ctx = Context(
        as_of=date(2026, 3, 31),
        practice="ZZ0009",
        practice_known=False,
        practice_patients="p",
        patient_context="c",
        organisation_codes="o",
        appointment_ids_elsewhere="a",
    )
    for table in TABLES:
        for rule in table_rules(table, ctx):
            # at least one reason of each rule appears word for word in its row
            examples = [r.reason for t in TABLES for r in table_rules(t, ctx) if r.name == rule.name]
            assert any(e in rows[rule.name] for e in examples), rule.name
