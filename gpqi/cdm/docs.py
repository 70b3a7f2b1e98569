"""Render docs/data-model.md from the schema, so the documentation cannot drift from the code.

Regenerate with `python -m gpqi.cdm.docs > docs/data-model.md`; a test fails when it is stale.
"""

from __future__ import annotations

from gpqi.cdm.schema import COLUMNS

_INTRO = """# The common data model

Every practice extract, whatever clinical system it came from, is normalised to these tables.
A published snapshot holds each table as Parquet under `snapshots/<id>/<table>/` in the
workspace (see [workspace.md](workspace.md)).

Rules that apply to every table:

- Codes are strings, always. SNOMED CT and dm+d identifiers are 6-18 digits; read as numbers
  they lose digits through floating point (see the bundled codelists' PROVENANCE.md).
- Dates are calendar dates (no time); `booked_at`/`start_at` are local clinic times to the second.
- A date range is inclusive at both ends: a registration with `end_date` 2024-03-31 covers
  31 March 2024.
- `patient_id` is the same patient in every practice's extract, so a patient who moves keeps
  their history.

This page is generated from `gpqi/cdm/schema.py` by `python -m gpqi.cdm.docs`.
"""


def _type_name(column) -> str:
    text = str(column.type)
    names = {
        "string": "string",
        "date32[day]": "date",
        "timestamp[s]": "timestamp",
        "bool": "boolean",
        "double": "float64",
    }
    return names.get(text, text)


def render_markdown() -> str:
    parts = [_INTRO]
    for table, columns in COLUMNS.items():
        parts.append(
            f"\n## {table}\n\n| column | type | required | meaning | allowed values |\n|---|---|---|---|---|"
        )
        for c in columns:
            allowed = (
                ", ".join(f"`{v}`" for v in c.allowed)
                if c.allowed
                else ("digits only, 6-18 long" if c.code else "")
            )
            parts.append(
                f"| `{c.name}` | {_type_name(c)} | {'no' if c.nullable else 'yes'} | {c.meaning} | {allowed} |"
            )
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
