"""The FHIR adapter on NHS England's official UK Core examples, and on bad input.

The examples (fixtures/ukcore/, provenance in fixtures/PROVENANCE.md) are published in XML;
`fhir_xml` turns them into the JSON a FHIR server exports. Each clinical fact must land in the
CDM with its code, date and value; what cannot land is quarantined with its reason.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from gpqi.codelists import load
from gpqi.ingest import IngestError, ingest
from tests.ingest.extracts import Extract, baseline
from tests.ingest.formats import fhir_xml
from tests.ingest.helpers import quarantined, rows

FIXTURES = Path(__file__).parent / "fixtures"
UKCORE = FIXTURES / "ukcore"
AS_OF = date(2025, 6, 30)
PATIENT = "UKCore-Patient-RichardSmith-Example"


def _source(tmp_path: Path, registered_from: str | None = "2010-01-01") -> Path:
    src = tmp_path / "src"
    Extract(reference=baseline().reference).write(src)
    if registered_from:
        (src / "manifest.json").write_text(json.dumps({"registered_from": registered_from}))
    (src / "practices" / "P1").mkdir(parents=True)
    return src


def _official(src: Path, *names: str, bundle: bool = False) -> None:
    resources = [fhir_xml.read(UKCORE / f"{n}.xml") for n in names]
    folder = src / "practices" / "P1"
    if bundle:
        entries = [{"fullUrl": f"urn:uuid:{i}", "resource": r} for i, r in enumerate(resources)]
        (folder / "bundle.json").write_text(
            json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})
        )
    else:
        for name, resource in zip(names, resources, strict=True):
            (folder / f"{name}.json").write_text(json.dumps(resource))


ALL = (
    PATIENT,
    "UKCore-Observation-VitalSigns-BloodPressure-Example",
    "UKCore-Immunization-InfluenzaVaccine-Example",
    "UKCore-MedicationRequest-Amoxicillin-Example",
    "UKCore-MedicationStatement-Amoxicillin-Example",
    "UKCore-MedicationDispense-Amoxicillin-Example",
    "UKCore-AllergyIntolerance-Amoxicillin-Example",
    "UKCore-Condition-BleedingFromEar-Example",
    "UKCore-Condition-HipReplacement-Example",
    "UKCore-Appointment-OrthopaedicSurgery-Example",
    "UKCore-Observation-Group-FullBloodCount-Example",
    "UKCore-Observation-Lab-WhiteCellCount-Example",
)


@pytest.mark.parametrize("bundle", [False, True], ids=["resources", "bundle"])
def test_official_examples_land_with_codes_dates_and_values(tmp_path, bundle):
    src = _source(tmp_path)
    _official(src, *ALL, bundle=bundle)
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert outcome.status == "published"
    fmt = outcome.report["formats"]["P1"]
    assert fmt["format"] == "fhir" and fmt["detected"] is True
    assert fmt["registration_from"] == "manifest"

    (patient,) = rows(tmp_path, "patients")
    assert (patient["nhs_number"], patient["sex"], patient["date_of_birth"]) == (
        "9912003888",
        "male",
        date(1970, 9, 11),
    )
    assert (patient["given_name"], patient["family_name"]) == ("Richard", "SMITH")
    (registration,) = rows(tmp_path, "registrations")
    assert registration["start_date"] == date(2010, 1, 1) and registration["end_date"] is None

    events = {
        (r["code"], r["date"], r["numeric_value"], r["unit"]) for r in rows(tmp_path, "clinical_events")
    }
    assert events == {
        # blood pressure: the panel's own code, then each component with its own code and value
        ("75367002", date(2023, 8, 10), None, None),
        ("72313002", date(2023, 8, 10), 142.0, "millimeter of mercury"),
        ("1091811000000102", date(2023, 8, 10), 94.0, "millimeter of mercury"),
        # the allergy, as a coded record on its recorded date
        ("372687004", date(2019, 12, 10), None, None),
    }
    (vaccination,) = rows(tmp_path, "vaccinations")
    assert (vaccination["code"], vaccination["date"]) == ("11278411000001109", date(2013, 1, 10))
    medications = {(r["code"], r["date"], r["quantity"]) for r in rows(tmp_path, "medications")}
    assert ("39732411000001106", date(2023, 6, 15), None) in medications  # MedicationRequest (dm+d)
    assert ("22608811000001102", date(2023, 6, 15), 21.0) in medications  # MedicationDispense, whenPrepared
    (appointment,) = rows(tmp_path, "appointments")
    assert appointment["start_at"] == datetime(2022, 3, 11, 10, 46)
    assert appointment["booked_at"] == datetime(2022, 2, 14, 0, 0)  # `created`
    assert (appointment["status"], appointment["mode"]) == ("unknown", "face_to_face")  # booked; In-person

    rejected = {(q["rule"], q["field"]) for q in quarantined(tmp_path, "source")}
    # no onset or recorded date: never a guessed one
    assert ("no_date", "onset[x]") in rejected
    # the full blood count panel and its member carry no effective date either
    assert ("no_date", "effective[x]") in rejected
    reasons = [q["reason"] for q in quarantined(tmp_path, "source")]
    assert any("Condition has no onset or recorded date" in r for r in reasons)


def _ndjson(src: Path, name: str, lines: list[str | dict]) -> None:
    path = src / "practices" / "P1" / name
    with path.open("a", encoding="utf-8") as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line)) + "\n")


def _patient(pid: str, nhs: str = "9912003888") -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs}],
        "gender": "female",
        "birthDate": "1960-01-01",
    }


def _obs(oid: str, patient: str, codings: list[dict], value: float | None = None) -> dict:
    res = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": codings},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": "2024-05-01T09:30:00+01:00",
    }
    if value is not None:
        res["valueQuantity"] = {"value": value, "unit": "mmol/mol"}
    return res


SNOMED = "http://snomed.info/sct"


def test_bad_lines_are_quarantined_with_file_line_and_reason(tmp_path):
    src = _source(tmp_path)
    _ndjson(src, "Patient.ndjson", [_patient("a")])
    _ndjson(
        src,
        "Observation.ndjson",
        [
            _obs(
                "o1",
                "a",
                [
                    {"system": "http://loinc.org", "code": "4548-4"},
                    {"system": SNOMED, "code": "1049301000000100"},
                ],
                48,
            ),
            '{"resourceType": "Observation", "id": "o2", ',  # line 2: malformed
            _patient("b"),  # line 3: a Patient in the Observation file
            _obs("o4", "missing", [{"system": SNOMED, "code": "1049301000000100"}], 50),  # unknown patient
            _obs("o5", "a", [{"system": "http://loinc.org", "code": "4548-4"}], 51),  # LOINC only
        ],
    )
    _ndjson(src, "Observation.2.ndjson", [_obs("o6", "a", [{"system": SNOMED, "code": "271649006"}], 130)])
    _ndjson(
        src, "Device.ndjson", [{"resourceType": "Device", "id": "d"}, {"resourceType": "Device", "id": "e"}]
    )
    _ndjson(src, "CarePlan.ndjson", [{"resourceType": "CarePlan", "id": "c"}])
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    events = {(r["code"], r["numeric_value"]) for r in rows(tmp_path, "clinical_events")}
    # LOINC ignored beside SNOMED CT; a split file read too
    assert events == {("1049301000000100", 48.0), ("271649006", 130.0)}
    got = {(q["file"], q["row"], q["rule"]) for q in quarantined(tmp_path, "source")}
    assert got == {
        ("practices/P1/Observation.ndjson", 2, "malformed_json"),
        ("practices/P1/Observation.ndjson", 3, "wrong_resource_type"),
        ("practices/P1/Observation.ndjson", 4, "unknown_patient"),
        ("practices/P1/Observation.ndjson", 5, "no_snomed_code"),
    }
    by_rule = {q["rule"]: q["reason"] for q in quarantined(tmp_path, "source")}
    assert by_rule["unknown_patient"] == "Patient/missing is not a Patient in this practice's export"
    assert "http://loinc.org" in by_rule["no_snomed_code"]
    report = outcome.report["formats"]["P1"]
    assert report["skipped"] == {"CarePlan": 1, "Device": 2}  # counted, never an error
    assert report["quarantined"] == {
        "malformed_json": 1,
        "no_snomed_code": 1,
        "unknown_patient": 1,
        "wrong_resource_type": 1,
    }


def test_a_cdm_rule_broken_in_fhir_names_the_ndjson_line(tmp_path):
    src = _source(tmp_path)
    _ndjson(src, "Patient.ndjson", [_patient("a")])
    future = _obs("late", "a", [{"system": SNOMED, "code": "271649006"}], 120)
    future["effectiveDateTime"] = "2030-01-01"
    _ndjson(
        src, "Observation.ndjson", [_obs("ok", "a", [{"system": SNOMED, "code": "271649006"}], 120), future]
    )
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    (q,) = quarantined(tmp_path, "clinical_events")
    assert (q["file"], q["row"], q["rule"], q["field"]) == (
        "practices/P1/Observation.ndjson",
        2,
        "future_date",
        "date",
    )


def test_a_broken_json_file_changes_nothing(tmp_path):
    src = _source(tmp_path)
    _official(src, PATIENT, "UKCore-Immunization-InfluenzaVaccine-Example")
    first = ingest(src, tmp_path / "ws", as_of=AS_OF)
    shutil.rmtree(src / "practices" / "P1")
    (src / "practices" / "P1").mkdir()
    (src / "practices" / "P1" / "bundle.json").write_text('{"resourceType": "Bundle", "entry": [')
    with pytest.raises(IngestError, match=r"bundle.json: not valid JSON \(line 1"):
        ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert (tmp_path / "ws" / "CURRENT").read_text().strip() == first.snapshot_id
    assert len(rows(tmp_path, "vaccinations")) == 1


# GP Connect's registration details extension, as its published StructureDefinition
# (nhsconnect/STU3-FHIR-Assets, StructureDefinitions/Extension-CareConnect-GPC-RegistrationDetails-1.xml)
# defines it: the URL, and a `registrationPeriod` sub-extension holding a valuePeriod.
GPC_REGISTRATION = (
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-RegistrationDetails-1"
)


def _registered(patient: dict, url: str, start: str, end: str | None = None) -> dict:
    period = {"start": start} | ({"end": end} if end else {})
    patient["extension"] = [
        {
            "url": url,
            "extension": [
                {"url": "registrationPeriod", "valuePeriod": period},
                {
                    "url": "registrationType",
                    "valueCodeableConcept": {
                        "coding": [
                            {
                                "system": "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-RegistrationType-1",
                                "code": "R",
                            }
                        ]
                    },
                },
            ],
        }
    ]
    return patient


def test_registration_from_the_resource_before_the_manifest(tmp_path):
    src = _source(tmp_path)
    patient = _registered(_patient("a"), GPC_REGISTRATION, "2019-04-01T00:00:00+01:00", "2023-03-31")
    _ndjson(src, "Patient.ndjson", [patient, _patient("b", "9434765919")])
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    got = sorted((r["start_date"], r["end_date"]) for r in rows(tmp_path, "registrations"))
    assert got == [(date(2010, 1, 1), None), (date(2019, 4, 1), date(2023, 3, 31))]
    assert outcome.report["formats"]["P1"]["registration_from"] == "resource"


def test_an_extension_that_is_not_the_published_one_does_not_register(tmp_path):
    # a look-alike URL (no such StructureDefinition is published) is not read as registration details
    src = _source(tmp_path)
    lookalike = "https://fhir.nhs.uk/StructureDefinition/Extension-UKCore-RegistrationDetails"
    _ndjson(src, "Patient.ndjson", [_registered(_patient("a"), lookalike, "2019-04-01")])
    outcome = ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert [(r["start_date"], r["end_date"]) for r in rows(tmp_path, "registrations")] == [
        (date(2010, 1, 1), None)
    ]
    assert outcome.report["formats"]["P1"]["registration_from"] == "manifest"


def test_official_vaccination_procedure_lands_beside_the_vaccine(tmp_path):
    # UK Core's example of the VaccinationProcedure extension: a procedure code beside the dm+d product
    src = _source(tmp_path)
    _official(src, PATIENT, "Extension-UKCore-VaccinationProcedure-Example")
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    got = sorted((r["code"], r["date"]) for r in rows(tmp_path, "vaccinations"))
    assert got == [("11278411000001109", date(2013, 1, 10)), ("73701000119109", date(2013, 1, 10))]
    assert quarantined(tmp_path, "source") == []


def test_national_flu_immunisation_counts_for_the_flu_indicator(tmp_path):
    """NHS England's immunisation API example: the procedure 822851000000102 "Seasonal influenza
    vaccination" in the extension, a product code (Supemtek) in vaccineCode that is not in this
    season's product list. Its patient is contained in the example (`#Pat1`); here it points at the
    practice's Patient, as a GP system's export would."""
    src = _source(tmp_path)
    imm = json.loads(
        (FIXTURES / "immunisation-fhir-api" / "POST-822851000000102-FLU-Immunization.json").read_text()
    )
    imm.pop("contained")
    imm["patient"] = {"reference": "Patient/a"}
    patient = _patient("a")
    patient["birthDate"] = "1950-02-01"
    _ndjson(src, "Patient.ndjson", [patient])
    _ndjson(src, "Immunization.ndjson", [imm])
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    got = sorted((r["code"], r["date"]) for r in rows(tmp_path, "vaccinations"))
    assert got == [("39566211000001103", date(2021, 2, 14)), ("822851000000102", date(2021, 2, 14))]
    # the flu indicators read these three codelists: the vaccination counts through its procedure
    flu = {
        c
        for name in ("flu-vaccination", "flu-vaccination-procedure", "flu-vaccine-products")
        for c in load(name).codes
    }
    assert "822851000000102" in flu and "39566211000001103" not in flu


def test_an_immunization_with_neither_code_is_quarantined(tmp_path):
    src = _source(tmp_path)
    _ndjson(src, "Patient.ndjson", [_patient("a")])
    imm = {
        "resourceType": "Immunization",
        "id": "i1",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "141"}]},
        "patient": {"reference": "Patient/a"},
        "occurrenceDateTime": "2024-10-01",
    }
    _ndjson(src, "Immunization.ndjson", [imm])
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    assert rows(tmp_path, "vaccinations") == []
    (q,) = quarantined(tmp_path, "source")
    assert (q["file"], q["row"], q["rule"], q["field"]) == (
        "practices/P1/Immunization.ndjson",
        1,
        "no_snomed_code",
        "vaccineCode",
    )
    assert "http://hl7.org/fhir/sid/cvx" in q["reason"] and "VaccinationProcedure" in q["reason"]


def test_the_same_patient_at_two_practices_keeps_one_id(tmp_path):
    src = _source(tmp_path)
    (src / "practices" / "P2").mkdir()
    _ndjson(src, "Patient.ndjson", [_patient("local-1")])
    with (src / "practices" / "P2" / "Patient.ndjson").open("w") as fh:
        fh.write(json.dumps(_patient("other-system-77")) + "\n")
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    (patient,) = rows(tmp_path, "patients")
    assert {r["patient_id"] for r in rows(tmp_path, "registrations")} == {patient["patient_id"]}
    # sent again alone, P2 keeps the id
    shutil.rmtree(src / "practices" / "P1")
    (src / "reference").rename(tmp_path / "ref-aside")
    ingest(src, tmp_path / "ws", as_of=date(2025, 7, 1))
    assert [r["patient_id"] for r in rows(tmp_path, "patients")] == [patient["patient_id"]]


def test_panel_members_take_the_panels_patient_and_date(tmp_path):
    src = _source(tmp_path)
    _ndjson(src, "Patient.ndjson", [_patient("a")])
    panel = _obs("panel", "a", [{"system": SNOMED, "code": "26604007"}])
    panel["hasMember"] = [{"reference": "Observation/m1"}]
    member = _obs("m1", "a", [{"system": SNOMED, "code": "767002"}], 6.1)
    del member["subject"], member["effectiveDateTime"]
    _ndjson(src, "Observation.ndjson", [member, panel])  # the member comes first: resolved anyway
    ingest(src, tmp_path / "ws", as_of=AS_OF)
    got = sorted((r["code"], r["date"], r["numeric_value"]) for r in rows(tmp_path, "clinical_events"))
    assert got == [("26604007", date(2024, 5, 1), None), ("767002", date(2024, 5, 1), 6.1)]
    assert quarantined(tmp_path, "source") == []


def test_clinic_time_fast_path_agrees_with_full_parsing():
    # Instants already written in London time are read by slicing; every minute around both
    # 2024 clock changes, and a year of hours in each offset, must give what parsing gives.
    from datetime import timedelta, timezone

    from gpqi.ingest.formats.fhir import CLINIC_TIME, _timestamp

    checked = 0
    starts = [datetime(2024, 3, 30, 22, 0), datetime(2024, 10, 26, 22, 0)]
    moments = [s + timedelta(minutes=m) for s in starts for m in range(0, 6 * 60)]
    moments += [datetime(2024, 1, 1) + timedelta(hours=h, minutes=7) for h in range(0, 366 * 24, 5)]
    for utc in moments:
        for hours in (0, 1):
            moment = utc.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=hours)))
            text = moment.isoformat()
            want = moment.astimezone(CLINIC_TIME).strftime("%Y-%m-%d %H:%M:%S")
            assert _timestamp(text) == want, text
            checked += 1
    assert checked == 2 * (2 * 6 * 60 + len(range(0, 366 * 24, 5)))
