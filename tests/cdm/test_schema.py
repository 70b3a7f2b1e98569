from pathlib import Path

import pyarrow as pa

from gpqi.cdm import COLUMNS, SCHEMAS, TABLES
from gpqi.cdm.docs import render_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "data-model.md"


def test_design_tables_and_columns_are_present():
    assert set(TABLES) == {
        "organisations",
        "practices",
        "patients",
        "registrations",
        "clinical_events",
        "medications",
        "vaccinations",
        "appointments",
    }
    assert SCHEMAS["appointments"].names == [
        "appointment_id",
        "practice_code",
        "patient_id",
        "booked_at",
        "start_at",
        "status",
        "mode",
        "booking_channel",
        "clinician_type",
    ]


def test_codes_are_strings_everywhere():
    for table, columns in COLUMNS.items():
        for c in columns:
            if c.code or c.name in {"nhs_number", "practice_code", "org_code"}:
                assert c.type == pa.string(), (table, c.name)


def test_data_model_doc_is_generated_from_the_schema():
    assert DOCS.read_text() == render_markdown(), "run: python -m gpqi.cdm.docs > docs/data-model.md"
