"""The patient key map: stable ids, matched on NHS number, and read by the ingest alone."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from gpqi.ingest.formats.keymap import FIRST_ID, KEYMAP_FILE, KeyMap

GPQI = Path(__file__).resolve().parents[3] / "gpqi"


def test_known_keys_keep_their_id_and_nhs_numbers_join_moves(tmp_path):
    km = KeyMap.load(None, {"9434765919": 42})  # a CDM practice's patient
    moved = km.assign("emis", "P2", "{G1}", "9434765919")
    assert moved == 42  # the same person, known from a CDM practice
    first = km.assign("fhir", "P1", "abc", "9876543210")
    assert first == FIRST_ID
    assert km.assign("systmone", "P3", "501", "9876543210") == first  # moved again: one id
    assert km.assign("fhir", "P1", "abc", None) == first  # a known key keeps its id
    assert km.assign("fhir", "P1", "no-number", None) == FIRST_ID + 1
    path = tmp_path / "snap" / KEYMAP_FILE
    path.parent.mkdir(parents=True)
    pq.write_table(km.table(), path)
    again = KeyMap.load(tmp_path / "snap", {})
    assert again.assign("fhir", "P1", "abc", None) == first
    assert again.assign("fhir", "P9", "new", None) == FIRST_ID + 2  # ids are never reused
    again.drop_practices(keep={"P1", "P3"}, replaced=set())
    assert {k[1] for k in again.by_key} == {"P1", "P3"}


def test_only_the_ingest_reads_the_key_map():
    readers = sorted(
        p.relative_to(GPQI).as_posix()
        for p in GPQI.rglob("*.py")
        if "keymap" in p.read_text(encoding="utf-8") and not p.is_relative_to(GPQI / "ingest")
    )
    assert readers == [], readers
