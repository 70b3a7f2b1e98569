"""Adapters for the formats English GP data arrives in: FHIR R4 UK Core, EMIS Web, SystmOne.

Each adapter reads one practice folder into CDM rows (`records.PracticeRecords`); `convert`
turns a whole extract into the CDM layout the ingest validates, with the patient key map
(`keymap`). docs/ingest.md describes every format.
"""
