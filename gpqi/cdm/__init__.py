"""The common data model (CDM): the tables every practice extract is normalised to.

Schemas are PyArrow schemas (`SCHEMAS[name]`), with each column's meaning and allowed
values in `COLUMNS` (the source of docs/data-model.md). Codes and identifiers that are codes
(SNOMED CT, dm+d, NHS number, ODS-style org codes) are strings everywhere.
"""

from gpqi.cdm.schema import (
    APPOINTMENT_MODES,
    APPOINTMENT_STATUSES,
    BOOKING_CHANNELS,
    CLINICIAN_TYPES,
    COLUMNS,
    EHR_SYSTEMS,
    ORG_TYPES,
    PATIENT_TABLES,
    SCHEMAS,
    SEXES,
    TABLES,
    Column,
    empty_table,
)

__all__ = [
    "APPOINTMENT_MODES",
    "APPOINTMENT_STATUSES",
    "BOOKING_CHANNELS",
    "CLINICIAN_TYPES",
    "COLUMNS",
    "EHR_SYSTEMS",
    "ORG_TYPES",
    "PATIENT_TABLES",
    "SCHEMAS",
    "SEXES",
    "TABLES",
    "Column",
    "empty_table",
]
