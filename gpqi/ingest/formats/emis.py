"""EMIS Web bulk extract: one CSV per table, named
`<ProcessingId>_<Schema>_<Table>_<yyyyMMddHHmmss>_<SharingAgreementGuid>.csv`.

Column layouts are those published in endeavourhealth/Transforms
(`transform/emis/csv/schema/`, versions 5.0 to 5.4); a file whose header is none of them is
refused. EMIS quotes every field, wraps GUIDs in braces (`{...}`, removed here), writes dates
`yyyy-MM-dd` and times `HH:mm:ss`. Extracts are deltas: when a folder holds several extracts of
a table they are applied in processing order, the latest row of each GUID wins, and a row whose
latest state is `Deleted` is dropped (and counted).

Mapping: Admin_Patient -> patients and one registration (DateOfRegistration to
DateOfDeactivation; dummy patients are dropped); CareRecord_Observation -> clinical events, or
vaccinations when the code's EMIS category is Immunisations, with CodeId turned into a SNOMED
CT concept id by Coding_ClinicalCode; Prescribing_IssueRecord -> medications, CodeId -> dm+d
by Coding_DrugCode; Appointment_Slot (with its Appointment_Session) -> appointments. A slot
holds no booking time (`booked_at` stays empty), no booking channel and no clinician role; a
cancelled booking frees the slot, so cancelled appointments are not in the extract. Mode comes
from the session type's name (telephone, video, home visit, face to face; otherwise unknown).
CareRecord_Problem and Admin_Organisation are checked and counted; other tables are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa

from gpqi.cdm.sources import EMIS_LAYOUTS as LAYOUTS
from gpqi.ingest.errors import IngestError
from gpqi.ingest.formats import csvfiles
from gpqi.ingest.formats.records import PracticeRecords

FILE_NAME = re.compile(r"(\d+)_([A-Za-z]+)_([A-Za-z]+)_(\d{14})_(\{?[0-9A-Fa-f-]+\}?)\.csv", re.IGNORECASE)

SEX = {"M": "male", "F": "female"}  # U (unknown) and I (indeterminate) -> unknown
IMMUNISATIONS = "Immunisations"
TRUE = "lower(trim({})) IN ('true', '1', 'yes', 'y')"


def _guid(column: str) -> str:
    return f"upper(trim(BOTH '{{}}' FROM trim({column})))"


def _mode(column: str) -> str:
    text = f"lower(coalesce({column}, ''))"
    return (
        f"CASE WHEN {text} LIKE '%telephone%' OR {text} LIKE '%phone%' THEN 'telephone' "
        f"WHEN {text} LIKE '%video%' THEN 'video_online' "
        f"WHEN {text} LIKE '%home visit%' THEN 'home_visit' "
        f"WHEN {text} LIKE '%face to face%' OR {text} LIKE '%face-to-face%' THEN 'face_to_face' "
        "ELSE 'unknown' END"
    )


class _Reader:
    def __init__(self, folder: Path, root: Path) -> None:
        self.folder, self.root = folder, root
        self.out = PracticeRecords("emis")
        self.con = duckdb.connect()

    def files(self) -> dict[str, list[tuple[int, str, Path]]]:
        found: dict[str, list[tuple[int, str, Path]]] = {}
        for path in sorted(self.folder.iterdir()):
            if not path.is_file():
                continue
            m = FILE_NAME.fullmatch(path.name)
            if not m:
                self.out.notes.append(f"ignored {path.name}: not named like an EMIS extract file")
                continue
            key = f"{m.group(2)}_{m.group(3)}"
            found.setdefault(key, []).append((int(m.group(1)), m.group(4), path))
        return {k: sorted(v) for k, v in found.items()}

    def load(self, key: str, files: list[tuple[int, str, Path]]) -> str:
        """All extracts of one table, latest row per GUID, as DuckDB table `t_<key>`; deleted dropped."""
        guid, layouts = LAYOUTS[key]
        parts = []
        for order, (_, _, path) in enumerate(files):
            rel = path.relative_to(self.root).as_posix()
            data, bad = csvfiles.read(path, key, layouts)
            for b in bad:
                self.out.reject(
                    rel, b.row, "malformed_row", None, None,
                    f"the row has {b.fields} fields; the header has {b.expected}", b.text[:2000],
                )  # fmt: skip
            if "Deleted" not in data.column_names:
                data = data.append_column("Deleted", pa.nulls(data.num_rows, pa.string()))
            data = data.append_column("_file", pa.array([rel] * data.num_rows, pa.string()))
            data = data.append_column("_order", pa.array([order] * data.num_rows, pa.int64()))
            parts.append(data.select(sorted(set(data.column_names))))
            self.out.read[key] += data.num_rows + len(bad)
        names = sorted(set().union(*(p.column_names for p in parts)))
        combined = pa.concat_tables([p.select(names) for p in parts], promote_options="default")
        name = f"t_{key}"
        self.con.register(f"{name}_raw", combined)
        self.con.execute(f"""
            CREATE TEMP TABLE {name} AS
            SELECT * FROM {name}_raw
            QUALIFY row_number() OVER (PARTITION BY {_guid(guid)} ORDER BY _order DESC, _row DESC) = 1
        """)
        (deleted,) = self.con.execute(
            f"SELECT count(*) FROM {name} WHERE {TRUE.format('Deleted')}"
        ).fetchone()
        if deleted:
            self.out.dropped[f"{key} deleted"] += deleted
        self.con.execute(f"DELETE FROM {name} WHERE {TRUE.format('Deleted')}")
        return name

    def read(self) -> PracticeRecords:
        files = self.files()
        if "Admin_Patient" not in files:
            raise IngestError(f"{self.folder}: no Admin_Patient file (an EMIS practice extract needs one)")
        for key in sorted(files):
            if key not in LAYOUTS:
                for _, _, path in files[key]:
                    with path.open("rb") as fh:
                        self.out.skipped[key] += max(sum(1 for _ in fh) - 1, 0)
        tables = {key: self.load(key, v) for key, v in files.items() if key in LAYOUTS}
        for needed, by in (
            ("Coding_ClinicalCode", "CareRecord_Observation"),
            ("Coding_DrugCode", "Prescribing_IssueRecord"),
        ):
            if by in tables and needed not in tables:
                raise IngestError(
                    f"{self.folder}: {by} needs {needed} to turn EMIS CodeIds into codes, and there is no {needed} file"
                )
        self._patients(tables["Admin_Patient"])
        if "CareRecord_Observation" in tables:
            self._observations(tables["CareRecord_Observation"], tables["Coding_ClinicalCode"])
        if "Prescribing_IssueRecord" in tables:
            self._issues(tables["Prescribing_IssueRecord"], tables["Coding_DrugCode"])
        if "Appointment_Slot" in tables:
            self._slots(tables["Appointment_Slot"], tables.get("Appointment_Session"))
        self.out.registration_from = "resource"
        self.con.close()
        return self.out

    def _patients(self, t: str) -> None:
        (dummies,) = self.con.execute(f"SELECT count(*) FROM {t} WHERE {TRUE.format('DummyType')}").fetchone()
        if dummies:
            self.out.dropped["Admin_Patient dummy patient"] += dummies
        rows = self.con.execute(f"""
            SELECT {_guid("PatientGuid")}, replace(NhsNumber, ' ', ''), GivenName, Surname, DateOfBirth,
                CASE upper(trim(Sex)) {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SEX.items())} ELSE 'unknown' END,
                DateOfDeath, DateOfRegistration, DateOfDeactivation, _file, _row
            FROM {t} WHERE NOT coalesce({TRUE.format("DummyType")}, false) ORDER BY _order, _row
        """).fetchall()
        for key, nhs, given, family, dob, sex, dod, start, end, file, row in rows:
            self.out.add("patients", (key, nhs, given, family, dob, sex, dod, None, "false"), file, row)
            self.out.add("registrations", (key, start, end), file, row)

    def _coded(self, t: str, codes: str, code_column: str, kind: str) -> list[tuple]:
        """Rows joined to their coding file; CodeIds missing from it, or with no code, rejected."""
        rows = self.con.execute(f"""
            SELECT t.*, c.CodeId AS _known, c.{code_column} AS _code
                {", c.EmisCodeCategoryDescription AS _category" if kind == "clinical" else ", NULL AS _category"}
            FROM {t} AS t LEFT JOIN {codes} AS c ON trim(c.CodeId) = trim(t.CodeId)
            ORDER BY t._order, t._row
        """)
        names = [d[0] for d in rows.description]
        out = []
        coding = "Coding_ClinicalCode" if kind == "clinical" else "Coding_DrugCode"
        system = "SNOMED CT concept id" if kind == "clinical" else "dm+d product code"
        for values in rows.fetchall():
            r = dict(zip(names, values, strict=True))
            raw = ",".join("" if r[n] is None else str(r[n]) for n in names if not n.startswith("_"))
            if r["_known"] is None:
                self.out.reject(
                    r["_file"], r["_row"], "unknown_code_id", "CodeId", r["CodeId"],
                    f"CodeId {r['CodeId']} is not in the {coding} file", raw,
                )  # fmt: skip
                continue
            if not (r["_code"] or "").strip():
                self.out.reject(
                    r["_file"], r["_row"], "no_snomed_code", "CodeId", r["CodeId"],
                    f"CodeId {r['CodeId']} has no {system} in the {coding} file", raw,
                )  # fmt: skip
                continue
            out.append(r)
        return out

    def _observations(self, t: str, codes: str) -> None:
        for r in self._coded(t, codes, "SnomedCTConceptId", "clinical"):
            key = (r["PatientGuid"] or "").strip("{} ").upper()
            code = r["_code"].strip()
            if r["_category"] == IMMUNISATIONS:
                self.out.add("vaccinations", (key, r["EffectiveDate"], code), r["_file"], r["_row"])
            else:
                value = r["Value"]
                self.out.add(
                    "clinical_events",
                    (key, r["EffectiveDate"], code, value, r["NumericUnit"] if value is not None else None),
                    r["_file"],
                    r["_row"],
                )

    def _issues(self, t: str, codes: str) -> None:
        for r in self._coded(t, codes, "DmdProductCodeId", "drug"):
            key = (r["PatientGuid"] or "").strip("{} ").upper()
            self.out.add(
                "medications",
                (key, r["EffectiveDate"], r["_code"].strip(), r["Quantity"]),
                r["_file"],
                r["_row"],
            )

    def _slots(self, t: str, sessions: str | None) -> None:
        (empty,) = self.con.execute(
            f"SELECT count(*) FROM {t} WHERE coalesce(trim(PatientGuid), '') = ''"
        ).fetchone()
        if empty:
            self.out.dropped["Appointment_Slot without a patient (free or cancelled)"] += empty
        join = (
            f"LEFT JOIN {sessions} AS s ON {_guid('s.AppointmentSessionGuid')} = {_guid('t.SessionGuid')}"
            if sessions
            else ""
        )
        session_type = "s.SessionTypeDescription" if sessions else "NULL"
        rows = self.con.execute(f"""
            SELECT {_guid("t.SlotGuid")}, {_guid("t.PatientGuid")},
                CASE WHEN t.AppointmentStartTime IS NULL THEN t.AppointmentDate
                     ELSE t.AppointmentDate || ' ' || t.AppointmentStartTime END,
                CASE WHEN {TRUE.format("t.DidNotAttend")} THEN 'did_not_attend'
                     WHEN coalesce(t.LeftTime, '') <> '' OR coalesce(t.SendInTime, '') <> '' THEN 'attended'
                     ELSE 'unknown' END,
                {_mode(session_type)}, t._file, t._row
            FROM {t} AS t {join}
            WHERE coalesce(trim(t.PatientGuid), '') <> ''
            ORDER BY t._order, t._row
        """).fetchall()
        for slot, patient, start, status, mode, file, row in rows:
            self.out.add(
                "appointments", (slot, patient, None, start, status, mode, "unknown", "unknown"), file, row
            )


def read_practice(folder: Path, root: Path, manifest: dict | None) -> PracticeRecords:
    """Read one practice folder of EMIS extract files."""
    return _Reader(folder, root).read()


__all__ = ["FILE_NAME", "LAYOUTS", "read_practice"]
