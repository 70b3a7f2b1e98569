"""CSV extracts: every value read as text, codes kept exactly, malformed rows quarantined."""

from __future__ import annotations

from datetime import date

import pytest

from gpqi.ingest import IngestError, ingest
from gpqi.workspace import open_workspace
from tests.ingest.extracts import AS_OF, baseline, event
from tests.ingest.helpers import quarantined, rows, run

LONG_CODES = ["999791000000106", "123456789012345678", "1000000"]  # 15 and 18 digits: a float keeps 15-17


def test_long_codes_survive_exactly(tmp_path):
    ex = baseline()
    ex.practices["P1"]["clinical_events"] += [
        event(1, "P1", date(2024, 4, i + 1), code=c) for i, c in enumerate(LONG_CODES)
    ]
    run(tmp_path, ex, "csv")
    loaded = {r["code"] for r in rows(tmp_path, "clinical_events", "patient_id = 1")}
    assert set(LONG_CODES) <= loaded
    assert float(LONG_CODES[1]) != int(LONG_CODES[1])  # the reason this matters: a float would change it


def test_leading_zero_is_kept_in_the_quarantine(tmp_path):
    ex = baseline()
    ex.practices["P1"]["clinical_events"].append(event(1, "P1", date(2024, 4, 1), code="00123456"))
    run(tmp_path, ex, "csv")
    (q,) = quarantined(tmp_path, "clinical_events")
    assert (q["value"], q["code"]) == ("00123456", "00123456")


def test_malformed_rows_are_quarantined_with_their_numbers(tmp_path):
    src = baseline().write(tmp_path / "src", "csv")
    path = src / "practices" / "P1" / "clinical_events.csv"
    lines = path.read_text().splitlines()
    # header, 4 good rows: break data rows 2 (too few fields) and 5 (too many, appended)
    lines[2] = "1,P1,2024-01-10"
    lines.append("3,P1,2015-06-01,38341003,,,extra")
    lines.append("1,P1,2024-05-05,38341003,,")
    path.write_text("\n".join(lines) + "\n")

    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    q = quarantined(tmp_path, "clinical_events")
    assert [(r["row"], r["rule"], r["value"]) for r in q] == [
        (2, "malformed_row", "1,P1,2024-01-10"),
        (5, "malformed_row", "3,P1,2015-06-01,38341003,,,extra"),
    ]
    assert q[0]["reason"] == "the row has 3 fields; the header has 6"
    counts = outcome.report["practices"]["P1"]["tables"]["clinical_events"]
    assert (counts["read"], counts["loaded"], counts["quarantined"]) == (6, 4, 2)
    # a bad row before the malformed ones keeps its own number, as do the good rows after them
    lines[1] = "1,P1,2024-01-10,1,,"
    path.write_text("\n".join(lines) + "\n")
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    q = quarantined(tmp_path, "clinical_events")
    assert [(r["row"], r["rule"]) for r in q] == [
        (1, "code_format"),
        (2, "malformed_row"),
        (5, "malformed_row"),
    ]


def test_bom_and_spaces_in_the_header_are_tolerated(tmp_path):
    src = baseline().write(tmp_path / "src", "csv")
    path = src / "practices" / "P2" / "vaccinations.csv"
    text = path.read_text().replace("patient_id,practice_code", "patient_id, practice_code", 1)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert outcome.report["practices"]["P2"]["tables"]["vaccinations"]["loaded"] == 1


def test_text_that_looks_like_null_is_a_value(tmp_path):
    ex = baseline()
    ex.practices["P2"]["patients"][1]["family_name"] = "Null"
    ex.practices["P2"]["patients"][1]["given_name"] = "NA"
    run(tmp_path, ex, "csv")
    (p,) = rows(tmp_path, "patients", "patient_id = 4")
    assert (p["given_name"], p["family_name"]) == ("NA", "Null")


def test_a_header_only_csv_is_an_empty_table_with_or_without_a_final_newline(tmp_path):
    ex = baseline()
    src = ex.write(tmp_path / "src", "csv")
    medications = src / "practices" / "P2" / "medications.csv"  # P2 has no medications
    assert medications.read_text().count("\n") == 1
    medications.write_text(medications.read_text().rstrip("\n"))  # no final newline
    (src / "practices" / "P2" / "vaccinations.csv").write_text(
        "patient_id,practice_code,date,code\r\n"  # Windows line end
    )
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert outcome.report["practices"]["P2"]["tables"]["medications"]["read"] == 0
    assert outcome.report["practices"]["P2"]["tables"]["vaccinations"]["read"] == 0
    assert rows(tmp_path, "vaccinations", "practice_code = 'P2'") == []


def test_a_50_mb_field_is_refused_naming_the_row_and_column(tmp_path):
    src = baseline().write(tmp_path / "src", "csv")
    path = src / "practices" / "P1" / "patients.csv"
    lines = path.read_text().splitlines()
    fields = lines[2].split(",")
    fields[3] = "A" * (50 << 20)  # family_name of data row 2
    lines[2] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(IngestError) as err:
        ingest(src, tmp_path / "ws", as_of=AS_OF)
    message = str(err.value)
    assert message.startswith(f"{path}: row 2, family_name: a value of 52,428,800 characters")
    assert "at most 16 MB" in message and "AAAA" not in message
    assert open_workspace(tmp_path / "ws").current_snapshot_id() is None
