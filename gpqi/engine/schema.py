"""The engine's outputs, as PyArrow schemas: the contract between the engine and everything
downstream (stats, web, reports). See docs/architecture.md.

- RESULTS: one row per indicator x reporting date x organisation. org_type is practice,
  network, sub_icb, icb or programme; roll-ups sum numerators and denominators (never an
  average of rates). value = numerator / denominator, null when the denominator is 0.
  Type 1 opt-outs are excluded from these aggregate counts.
- LIST_SIZES: registered patients per practice and reporting date (all registered, alive).
- WORKLIST: patient-identifiable rows for one practice and indicator at the latest reporting
  date: patients in the denominator and not in the numerator, with why. Stored per practice
  (workspace.worklist_path) so access can be enforced per practice. Includes type 1 opt-outs
  (direct care).
"""

from __future__ import annotations

import pyarrow as pa

ORG_LEVELS = ("practice", "network", "sub_icb", "icb", "programme")
WORKLIST_REASONS = ("never_recorded", "out_of_date", "above_target", "not_done")

RESULTS = pa.schema(
    [
        pa.field("indicator_id", pa.string(), nullable=False),
        pa.field("indicator_version", pa.string(), nullable=False),
        pa.field("reporting_date", pa.date32(), nullable=False),
        pa.field("org_type", pa.string(), nullable=False),
        pa.field("org_code", pa.string(), nullable=False),
        pa.field("numerator", pa.int64(), nullable=False),
        pa.field("denominator", pa.int64(), nullable=False),
        pa.field("excluded", pa.int64(), nullable=False),
        pa.field("value", pa.float64()),
    ]
)

LIST_SIZES = pa.schema(
    [
        pa.field("practice_code", pa.string(), nullable=False),
        pa.field("reporting_date", pa.date32(), nullable=False),
        pa.field("list_size", pa.int64(), nullable=False),
    ]
)

WORKLIST = pa.schema(
    [
        pa.field("practice_code", pa.string(), nullable=False),
        pa.field("indicator_id", pa.string(), nullable=False),
        pa.field("indicator_version", pa.string(), nullable=False),
        pa.field("reporting_date", pa.date32(), nullable=False),
        pa.field("patient_id", pa.int64(), nullable=False),
        pa.field("nhs_number", pa.string(), nullable=False),
        pa.field("given_name", pa.string()),
        pa.field("family_name", pa.string()),
        pa.field("date_of_birth", pa.date32(), nullable=False),
        pa.field("sex", pa.string(), nullable=False),
        pa.field("age", pa.int32(), nullable=False),
        pa.field("reason", pa.string(), nullable=False),  # one of WORKLIST_REASONS
        pa.field("last_date", pa.date32()),  # the most recent relevant event, if any
        pa.field("last_value", pa.float64()),  # its value, for value-based indicators
        pa.field("type1_opt_out", pa.bool_(), nullable=False),
    ]
)
