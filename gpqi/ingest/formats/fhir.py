"""FHIR R4 (UK Core) practice folders: Bulk Data NDJSON and .json resources or Bundles.

Files: `<ResourceType>.ndjson`, possibly split (`Observation.2.ndjson`, `Observation.003.ndjson`),
one resource a line; and `*.json` holding one resource or a Bundle (any type; its entries'
resources are read). The folder is read twice: first the Patients, Medications and panel
Observations (so references resolve by logical id, `Patient/<id>`), then everything else.

Mapped (docs/ingest.md has the table): Patient, Observation (its components each become their
own record; a panel's members that lack a subject or date take the panel's), Condition,
AllergyIntolerance, Immunization, MedicationRequest / Statement / Dispense (a code inline or by
reference to a Medication), Appointment. Other resource types are counted as skipped. Records
entered in error, and immunisations not done, are dropped and counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from orjson import loads as parse_json  # several times faster than json.loads on NDJSON lines

from gpqi.ingest.errors import IngestError
from gpqi.ingest.formats.records import PracticeRecords

SNOMED = "http://snomed.info/sct"
DMD = {"https://dmd.nhs.uk", "http://dmd.nhs.uk", "https://fhir.nhs.uk/Id/dmd"}
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
DELIVERY_CHANNEL = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeliveryChannel"
# The procedure code beside an Immunization's vaccineCode (national immunisation systems write
# e.g. 822851000000102 "Seasonal influenza vaccination" here): UK Core's own extension.
VACCINATION_PROCEDURE = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-VaccinationProcedure"
# A Patient's registration at the practice: GP Connect's registration details extension as
# published (nhsconnect/STU3-FHIR-Assets), whose `registrationPeriod` is the period registered.
# UK Core has no registration extension of its own; GP systems' FHIR exports use this one.
REGISTRATION_DETAILS = {
    "https://fhir.nhs.uk/STU3/StructureDefinition/Extension-CareConnect-GPC-RegistrationDetails-1",
    "https://fhir.nhs.uk/StructureDefinition/Extension-CareConnect-GPC-RegistrationDetails-1",
}
CLINIC_TIME = ZoneInfo("Europe/London")

USED = (
    "Patient",
    "Observation",
    "Condition",
    "AllergyIntolerance",
    "Immunization",
    "MedicationRequest",
    "MedicationStatement",
    "MedicationDispense",
    "Appointment",
    "Medication",
)
APPOINTMENT_STATUS = {
    "fulfilled": "attended",
    "noshow": "did_not_attend",
    "cancelled": "cancelled",
}  # booked, pending, arrived, checked-in, proposed, waitlist: no outcome yet -> unknown
DELIVERY_MODE = {"in-person": "face_to_face", "telephone": "telephone", "video": "video_online"}
SEX = {"female": "female", "male": "male"}  # other, unknown -> unknown
_NDJSON_NAME = re.compile(r"([A-Za-z]+)(?:[._-]\d+)?\.ndjson")


def is_fhir_folder(folder: Path) -> bool:
    return any(p.suffix in (".ndjson", ".json") for p in folder.iterdir() if p.is_file())


def _list(value) -> list:
    # Cardinality as published is a list; accept a single object too (hand-written files).
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _ref_id(reference: dict | None, kind: str) -> str | None:
    if not isinstance(reference, dict):
        return None
    ref = reference.get("reference")
    if not isinstance(ref, str):
        return None
    if ref.startswith(kind) and ref.count("/") == 1 and ref[len(kind)] == "/":
        return ref[len(kind) + 1 :] or None  # the common "Patient/123": no split needed
    # "Patient/123", a full URL ".../Patient/123", or "Patient/123/_history/2"
    parts = ref.split("/")
    for i, part in enumerate(parts[:-1]):
        if part == kind:
            return parts[i + 1]
    return None


def _local(value: str) -> datetime | None:
    """A FHIR dateTime or instant as local clinic time (naive)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(CLINIC_TIME).replace(tzinfo=None)
    return moment


def _date(value) -> str | None:
    """The calendar date of a FHIR date or dateTime; the text as given if it is not one (the CDM
    rules then quarantine it as not a date)."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 10:
        return value
    return _day_of(value)


@lru_cache(maxsize=1 << 16)  # the same instants recur (clinic sessions): convert each once
def _day_of(value: str) -> str:
    if len(value) in (4, 7):  # partial dates (year, year-month): no day to give
        return value
    moment = _local(value)
    return moment.date().isoformat() if moment else value


def _timestamp(value) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return _timestamp_of(value)


def _timestamp_of(value: str) -> str:
    if len(value) == 10:
        return value + " 00:00:00"
    if len(value) == 25 and value[10] == "T" and value[19] in "+-" and _wall_clock(value[:13], value[19:]):
        # "YYYY-MM-DDThh:mm:ss+hh:mm" already in clinic time (the offset is London's at that
        # hour, as exports write it): the wall-clock text is the answer, no parsing needed
        return f"{value[:10]} {value[11:19]}"
    moment = _local(value)
    return moment.isoformat(" ", "seconds") if moment else value


@lru_cache(maxsize=1 << 16)
def _wall_clock(hour: str, offset: str) -> bool:
    """Whether a time written in `hour` (YYYY-MM-DDThh) with `offset` is London's wall clock
    throughout that hour (clocks change on the hour, so one check per hour and offset)."""
    try:
        start = datetime.fromisoformat(f"{hour}:00:00{offset}")
    except ValueError:
        return False
    end = start.replace(minute=59, second=59)
    return all(m.astimezone(CLINIC_TIME).replace(tzinfo=None) == m.replace(tzinfo=None) for m in (start, end))


def _number(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(value)


def _codings(concept) -> list[dict]:
    return [c for c in _list((concept or {}).get("coding")) if isinstance(c, dict)]


def _code(concept, systems: tuple[set[str], ...]) -> tuple[str | None, str]:
    """The first code from the first of `systems` that the concept has; and the systems seen."""
    codings = _codings(concept)
    for wanted in systems:
        for c in codings:
            if str(c.get("system", "")).rstrip("/") in wanted and c.get("code"):
                return str(c["code"]), ""
    seen = sorted({str(c.get("system")) for c in codings})
    return None, ", ".join(seen) or "no coding"


CLINICAL = ({SNOMED},)
MEDICINE = (DMD, {SNOMED})  # dm+d ids are SNOMED CT identifiers too


class _Reader:
    def __init__(self, folder: Path, root: Path, manifest: dict | None, practice: str) -> None:
        self.folder, self.root, self.practice = folder, root, practice
        self.out = PracticeRecords("fhir")
        self.patients: set[str] = set()
        self.medications: dict[str, dict] = {}
        self.panels: dict[str, tuple[str | None, str | None]] = {}  # member id -> (patient, date)
        self.registered_from = _registered_from(manifest, practice)
        self.registration_details = 0
        self.handlers = {kind: getattr(self, f"_{kind}") for kind in USED}

    # -- reading files ---------------------------------------------------------------------

    def files(self) -> list[Path]:
        found = sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix in (".ndjson", ".json"))
        others = sorted(p.name for p in self.folder.iterdir() if p.is_file() and p not in found)
        if others:
            self.out.notes.append(f"ignored {len(others)} file(s) that are not .ndjson or .json")
        return found

    def resources(self, path: Path, first_pass: bool) -> Iterator[tuple[int, dict, str]]:
        """(line or entry number, resource, raw text) of each resource in the file."""
        rel = path.relative_to(self.root).as_posix()
        if path.suffix == ".ndjson":
            named = _NDJSON_NAME.fullmatch(path.name)
            expected = named.group(1) if named else None
            if not first_pass and expected and expected not in USED:
                # a whole file of a type gpqi does not use: count its lines, do not parse them
                with path.open("rb") as fh:
                    self.out.skipped[expected] += sum(1 for line in fh if line.strip())
                return
            if first_pass and expected not in (None, "Patient", "Medication", "Observation"):
                return
            try:
                with path.open(encoding="utf-8-sig") as fh:
                    panels_only = first_pass and expected == "Observation"
                    for number, line in enumerate(fh, start=1):
                        if panels_only and '"hasMember"' not in line:
                            continue  # the first pass wants only panels of Observations: skip parsing
                        if line.isspace():
                            continue
                        try:
                            resource = parse_json(line)
                        except json.JSONDecodeError as exc:  # orjson's error is a subclass
                            if not first_pass:
                                self.out.reject(
                                    rel, number, "malformed_json", None, None,
                                    f"line {number} is not valid JSON ({exc.msg})", line.strip()[:2000],
                                )  # fmt: skip
                            continue
                        if not isinstance(resource, dict) or "resourceType" not in resource:
                            if not first_pass:
                                self.out.reject(
                                    rel, number, "malformed_json", "resourceType", None,
                                    "the line is not a FHIR resource (no resourceType)", line.strip()[:2000],
                                )  # fmt: skip
                            continue
                        kind = resource.get("resourceType")
                        if expected and kind != expected:
                            if not first_pass:
                                self.out.reject(
                                    rel, number, "wrong_resource_type", "resourceType", str(kind),
                                    f"a {kind} in a file of {expected} resources", line.strip()[:2000],
                                )  # fmt: skip
                            continue
                        yield number, resource, line
            except UnicodeDecodeError:
                raise IngestError(f"{path}: not UTF-8 text (FHIR JSON is UTF-8)") from None
            return
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise IngestError(f"{path}: not UTF-8 text (FHIR JSON is UTF-8)") from None
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        if not isinstance(data, dict) or "resourceType" not in data:
            raise IngestError(f"{path}: not a FHIR resource or Bundle (no resourceType)")
        if data["resourceType"] == "Bundle":
            for number, entry in enumerate(_list(data.get("entry")), start=1):
                resource = entry.get("resource") if isinstance(entry, dict) else None
                if isinstance(resource, dict) and "resourceType" in resource:
                    yield number, resource, ""
        else:
            yield 1, data, ""

    # -- the two passes --------------------------------------------------------------------

    def read(self) -> PracticeRecords:
        files = self.files()
        for path in files:
            for _, resource, _ in self.resources(path, first_pass=True):
                kind = resource["resourceType"]
                rid = resource.get("id")
                if kind == "Patient" and rid:
                    self.patients.add(str(rid))
                elif kind == "Medication" and rid:
                    self.medications[str(rid)] = resource
                elif kind == "Observation" and resource.get("hasMember"):
                    patient = _ref_id(resource.get("subject"), "Patient")
                    day = _date(_effective(resource))
                    for member in _list(resource.get("hasMember")):
                        mid = _ref_id(member, "Observation")
                        if mid:
                            self.panels[mid] = (patient, day)
        for path in files:
            rel = path.relative_to(self.root).as_posix()
            for number, resource, line in self.resources(path, first_pass=False):
                self.resource(resource, rel, number, line)
        if self.registration_details:
            self.out.registration_from = "resource"
        elif self.registered_from:
            self.out.registration_from = "manifest"
        return self.out

    def resource(self, res: dict, rel: str, row: int, line: str) -> None:
        kind = res["resourceType"]
        self.out.read[kind] += 1
        handler = self.handlers.get(kind)
        if handler is None:
            self.out.skipped[kind] += 1
            return
        if _entered_in_error(res):
            self.out.dropped[f"{kind} entered in error"] += 1
            return
        handler(res, rel, row, line or json.dumps(res)[:2000])

    def _patient_of(self, res: dict, field: str, rel: str, row: int, raw: str) -> str | None:
        ref = res.get(field)
        if field == "participant":
            ref = next(
                (p.get("actor") for p in _list(ref) if _ref_id(p.get("actor"), "Patient")),
                None,
            )
        pid = _ref_id(ref, "Patient")
        if pid is None and res.get("id") in self.panels:
            pid = self.panels[res["id"]][0]
        if pid is None:
            self.out.reject(
                rel, row, "no_patient", field, None, f"the {res['resourceType']} names no Patient", raw
            )
            return None
        if pid not in self.patients:
            self.out.reject(
                rel, row, "unknown_patient", field, f"Patient/{pid}",
                f"Patient/{pid} is not a Patient in this practice's export", raw,
            )  # fmt: skip
            return None
        return pid

    def _coded(self, concept, systems, res, field: str, rel: str, row: int, raw: str) -> str | None:
        code, seen = _code(concept, systems)
        if code is None:
            wanted = "SNOMED CT" if systems is CLINICAL else "dm+d or SNOMED CT"
            self.out.reject(
                rel,
                row,
                "no_snomed_code",
                field,
                seen,
                f"{field} has no {wanted} coding (systems: {seen})",
                raw,
            )
        return code

    def _event(self, res, rel, row, raw, concept, day, value=None, unit=None, field="code") -> None:
        patient = self._patient_of(res, "subject" if "subject" in res else "patient", rel, row, raw)
        if patient is None:
            return
        code = self._coded(concept, CLINICAL, res, field, rel, row, raw)
        if code is None:
            return
        self.out.add("clinical_events", (patient, day, code, value, unit), rel, row)

    # -- resource types ----------------------------------------------------------------------

    def _Patient(self, res, rel, row, raw) -> None:
        rid = str(res.get("id") or "")
        nhs = next(
            (str(i.get("value")) for i in _list(res.get("identifier")) if i.get("system") == NHS_NUMBER),
            None,
        )
        names = [n for n in _list(res.get("name")) if isinstance(n, dict)]
        name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
        given = next(iter(_list(name.get("given"))), None)
        death = res.get("deceasedDateTime")
        if death is None and res.get("deceasedBoolean") is True:
            self.out.notes.append(f"{rel} row {row}: deceased without a date of death (loaded as alive)")
        sex = SEX.get(res.get("gender"), "unknown")
        self.out.add(
            "patients",
            (
                rid,
                nhs,
                given,
                name.get("family"),
                _date(res.get("birthDate")),
                sex,
                _date(death),
                None,
                "false",
            ),
            rel,
            row,
        )
        periods = [
            sub.get("valuePeriod") or {}
            for ext in _list(res.get("extension"))
            if ext.get("url") in REGISTRATION_DETAILS
            for sub in _list(ext.get("extension"))
            if sub.get("url") == "registrationPeriod"
        ]
        if periods:
            self.registration_details += 1
            for period in periods:
                self.out.add(
                    "registrations", (rid, _date(period.get("start")), _date(period.get("end"))), rel, row
                )
        elif self.registered_from:
            self.out.add("registrations", (rid, self.registered_from, None), rel, row)

    def _Observation(self, res, rel, row, raw) -> None:
        panel = self.panels.get(str(res.get("id")), (None, None))
        day = _date(_effective(res)) or panel[1]
        if day is None:
            self.out.reject(
                rel, row, "no_date", "effective[x]", None, "the Observation has no effective date", raw
            )
            return
        components = [c for c in _list(res.get("component")) if isinstance(c, dict)]
        quantity = res.get("valueQuantity") or {}
        if "subject" not in res and panel[0]:
            res = {**res, "subject": {"reference": f"Patient/{panel[0]}"}}
        self._event(
            res, rel, row, raw, res.get("code"), day, _number(quantity.get("value")), quantity.get("unit")
        )
        for i, component in enumerate(components):
            q = component.get("valueQuantity") or {}
            self._event(
                res, rel, row, raw, component.get("code"), day, _number(q.get("value")), q.get("unit"),
                field=f"component[{i}].code",
            )  # fmt: skip

    def _Condition(self, res, rel, row, raw) -> None:
        day = _onset(res)
        if day is None:
            self.out.reject(
                rel, row, "no_date", "onset[x]", None, "the Condition has no onset or recorded date", raw
            )
            return
        self._event(res, rel, row, raw, res.get("code"), day)

    def _AllergyIntolerance(self, res, rel, row, raw) -> None:
        day = _onset(res)
        if day is None:
            self.out.reject(
                rel,
                row,
                "no_date",
                "recordedDate",
                None,
                "the AllergyIntolerance has no onset or recorded date",
                raw,
            )
            return
        self._event(res, rel, row, raw, res.get("code"), day)

    def _Immunization(self, res, rel, row, raw) -> None:
        if res.get("status") != "completed":
            self.out.dropped[f"Immunization {res.get('status') or 'without status'}"] += 1
            return
        day = _date(res.get("occurrenceDateTime"))
        if day is None:
            self.out.reject(
                rel, row, "no_date", "occurrence[x]", None, "the Immunization has no occurrence date", raw
            )
            return
        patient = self._patient_of(res, "patient", rel, row, raw)
        if patient is None:
            return
        product, seen = _code(res.get("vaccineCode"), MEDICINE)
        procedure = next(
            (
                _code(ext.get("valueCodeableConcept"), CLINICAL)[0]
                for ext in _list(res.get("extension"))
                if isinstance(ext, dict) and ext.get("url") == VACCINATION_PROCEDURE
            ),
            None,
        )
        if product is None and procedure is None:
            self.out.reject(
                rel, row, "no_snomed_code", "vaccineCode", seen,
                f"vaccineCode has no dm+d or SNOMED CT coding (systems: {seen}) and there is no "
                "VaccinationProcedure code",
                raw,
            )  # fmt: skip
            return
        # Both codes are facts of the one vaccination (codelists hold procedure codes, product
        # codes or both); one row each, unless they are the same code.
        for code in dict.fromkeys(c for c in (product, procedure) if c is not None):
            self.out.add("vaccinations", (patient, day, code), rel, row)

    def _medicine(self, res, rel, row, raw, day, quantity) -> None:
        if day is None:
            self.out.reject(rel, row, "no_date", "date", None, f"the {res['resourceType']} has no date", raw)
            return
        patient = self._patient_of(res, "subject", rel, row, raw)
        if patient is None:
            return
        concept = res.get("medicationCodeableConcept")
        if concept is None:
            medication = self.medications.get(_ref_id(res.get("medicationReference"), "Medication") or "")
            concept = (medication or {}).get("code")
        code = self._coded(concept, MEDICINE, res, "medication[x]", rel, row, raw)
        if code is not None:
            self.out.add("medications", (patient, day, code, _number(quantity)), rel, row)

    def _MedicationRequest(self, res, rel, row, raw) -> None:
        quantity = ((res.get("dispenseRequest") or {}).get("quantity") or {}).get("value")
        self._medicine(res, rel, row, raw, _date(res.get("authoredOn")), quantity)

    def _MedicationStatement(self, res, rel, row, raw) -> None:
        day = _date(res.get("effectiveDateTime")) or _date((res.get("effectivePeriod") or {}).get("start"))
        self._medicine(res, rel, row, raw, day or _date(res.get("dateAsserted")), None)

    def _MedicationDispense(self, res, rel, row, raw) -> None:
        day = _date(res.get("whenHandedOver")) or _date(res.get("whenPrepared"))
        self._medicine(res, rel, row, raw, day, (res.get("quantity") or {}).get("value"))

    def _Medication(self, res, rel, row, raw) -> None:
        pass  # read in the first pass; referred to by medicines

    def _Appointment(self, res, rel, row, raw) -> None:
        patient = self._patient_of(res, "participant", rel, row, raw)
        if patient is None:
            return
        channel = next(
            (
                _codings(ext.get("valueCodeableConcept"))
                for ext in _list(res.get("extension"))
                if ext.get("url") == DELIVERY_CHANNEL
            ),
            [],
        )
        mode = next((DELIVERY_MODE.get(str(c.get("code", "")).lower()) for c in channel), None) or "unknown"
        status = APPOINTMENT_STATUS.get(res.get("status"), "unknown")
        self.out.add(
            "appointments",
            (
                str(res.get("id") or f"{rel}:{row}"),
                patient,
                _timestamp(res.get("created")),
                _timestamp(res.get("start")),
                status,
                mode,
                "unknown",
                "unknown",
            ),
            rel,
            row,
        )


def _effective(res: dict):
    return (
        res.get("effectiveDateTime")
        or (res.get("effectivePeriod") or {}).get("start")
        or res.get("effectiveInstant")
    )


def _onset(res: dict) -> str | None:
    """A condition's or allergy's date: its onset (dateTime, or a period's start), else when recorded."""
    onset = res.get("onsetDateTime") or (res.get("onsetPeriod") or {}).get("start")
    return _date(onset) or _date(res.get("recordedDate"))


def _entered_in_error(res: dict) -> bool:
    if res.get("status") == "entered-in-error":
        return True
    if "verificationStatus" not in res:
        return False
    verification = _codings(res.get("verificationStatus"))
    return any(c.get("code") == "entered-in-error" for c in verification)


def _registered_from(manifest: dict | None, practice: str) -> str | None:
    value = (manifest or {}).get("registered_from")
    if isinstance(value, dict):
        value = value.get(practice)
    return str(value) if value else None


def read_practice(folder: Path, root: Path, manifest: dict | None) -> PracticeRecords:
    """Read one practice folder of FHIR resources."""
    return _Reader(folder, root, manifest, folder.name).read()
