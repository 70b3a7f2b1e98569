"""SystmOne Strategic Reporting (SR) extract: `SR<Table>.csv` files, Windows-1252.

Column layouts are those published in endeavourhealth/Transforms (`transform/tpp/csv/schema/`,
every version listed there); a file whose header is none of them is refused. Dates are
`dd MMM yyyy` (`01 Apr 2024`), date-times `dd MMM yyyy HH:mm:ss` (or without seconds). Files may
be split or sent again (`SRCode.csv`, `SRCode_2.csv`, ...): they are applied in name order, the
latest row of each RowIdentifier wins, and a row whose latest state has `RemovedData` set is
dropped (and counted).

Mapping: SRPatient -> patients (RowIdentifier is the IDPatient other files name);
SRPatientRegistration -> registrations; SRCode -> clinical events (SNOMEDCode; a row with only a
CTV3 code is quarantined: gpqi does not map CTV3); SRImmunisation -> vaccinations
(ImmsSNOMEDCode); SRPrimaryCareMedication -> medications (IDMultiLexDMD is the dm+d code; the
leading number of MedicationQuantity); SRAppointment -> appointments, with AppointmentStatus
looked up in SRMapping (finished, arrived, waiting, in progress: attended; did not attend, no
access visit: did not attend; cancelled...: cancelled; otherwise unknown) and mode from
TelephoneAppointment or the rota type's name. No booking channel or clinician role.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa

from gpqi.cdm.sources import SYSTMONE_ENCODING as ENCODING
from gpqi.cdm.sources import SYSTMONE_LAYOUTS as LAYOUTS
from gpqi.ingest.errors import IngestError
from gpqi.ingest.formats import csvfiles
from gpqi.ingest.formats.records import PracticeRecords

FILE_NAME = re.compile(r"SR([A-Za-z]+)(?:[_-][A-Za-z0-9]+)*\.csv", re.IGNORECASE)


SEX = {"M": "male", "F": "female"}  # U, I -> unknown
TRUE = "lower(trim(coalesce({}, ''))) IN ('true', '1', 'y', 'yes')"


def _date(column: str) -> str:
    """`dd MMM yyyy` (with or without a time) as YYYY-MM-DD; the text as sent if it is not one."""
    parsed = f"coalesce(try_strptime(trim({column}), '%d %b %Y'), try_strptime(trim({column}), '%d %b %Y %H:%M:%S'), try_strptime(trim({column}), '%d %b %Y %H:%M'))"
    return f"coalesce(strftime({parsed}, '%Y-%m-%d'), {column})"


def _timestamp(column: str) -> str:
    parsed = f"coalesce(try_strptime(trim({column}), '%d %b %Y %H:%M:%S'), try_strptime(trim({column}), '%d %b %Y %H:%M'), try_strptime(trim({column}), '%d %b %Y'))"
    return f"coalesce(strftime({parsed}, '%Y-%m-%d %H:%M:%S'), {column})"


def _status(mapping: str) -> str:
    m = f"lower(trim(coalesce({mapping}, '')))"
    return (
        f"CASE WHEN {m} LIKE 'did not attend%' OR {m} LIKE '%no access visit%' THEN 'did_not_attend' "
        f"WHEN {m} LIKE 'cancelled%' THEN 'cancelled' "
        f"WHEN {m} IN ('finished', 'arrived', 'waiting', 'in progress') THEN 'attended' "
        "ELSE 'unknown' END"
    )


def _mode(telephone: str, rota_type: str) -> str:
    text = f"lower(coalesce({rota_type}, ''))"
    return (
        f"CASE WHEN {TRUE.format(telephone)} OR {text} LIKE '%telephone%' THEN 'telephone' "
        f"WHEN {text} LIKE '%video%' THEN 'video_online' "
        f"WHEN {text} LIKE '%home visit%' THEN 'home_visit' "
        f"WHEN {text} LIKE '%face to face%' OR {text} LIKE '%face-to-face%' THEN 'face_to_face' "
        "ELSE 'unknown' END"
    )


class _Reader:
    def __init__(self, folder: Path, root: Path) -> None:
        self.folder, self.root = folder, root
        self.out = PracticeRecords("systmone")
        self.con = duckdb.connect()

    def files(self) -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        for path in sorted(self.folder.iterdir()):
            m = FILE_NAME.fullmatch(path.name) if path.is_file() else None
            if not m:
                if path.is_file():
                    self.out.notes.append(f"ignored {path.name}: not named like a SystmOne SR file")
                continue
            found.setdefault(f"SR{m.group(1)}", []).append(path)
        return found

    def load(self, table: str, paths: list[Path]) -> str:
        parts = []
        for order, path in enumerate(paths):
            rel = path.relative_to(self.root).as_posix()
            data, bad = csvfiles.read(path, table, LAYOUTS[table], ENCODING)
            for b in bad:
                self.out.reject(
                    rel, b.row, "malformed_row", None, None,
                    f"the row has {b.fields} fields; the header has {b.expected}", b.text[:2000],
                )  # fmt: skip
            self.out.read[table] += data.num_rows + len(bad)
            for column in ("RemovedData", "SNOMEDCode", "ImmsSNOMEDCode", "CTV3Code"):
                if column not in data.column_names:
                    data = data.append_column(column, pa.nulls(data.num_rows, pa.string()))
            data = data.append_column("_file", pa.array([rel] * data.num_rows, pa.string()))
            data = data.append_column("_order", pa.array([order] * data.num_rows, pa.int64()))
            parts.append(data)
        names = sorted(set().union(*(p.column_names for p in parts)))
        combined = pa.concat_tables([p.select(names) for p in parts])
        name = f"t_{table}"
        self.con.register(f"{name}_raw", combined)
        self.con.execute(f"""
            CREATE TEMP TABLE {name} AS SELECT * FROM {name}_raw
            QUALIFY row_number() OVER (PARTITION BY trim(RowIdentifier) ORDER BY _order DESC, _row DESC) = 1
        """)
        (removed,) = self.con.execute(
            f"SELECT count(*) FROM {name} WHERE {TRUE.format('RemovedData')}"
        ).fetchone()
        if removed:
            self.out.dropped[f"{table} removed"] += removed
        self.con.execute(f"DELETE FROM {name} WHERE {TRUE.format('RemovedData')}")
        return name

    def rows(self, sql: str) -> list[dict]:
        result = self.con.execute(sql)
        names = [d[0] for d in result.description]
        return [dict(zip(names, values, strict=True)) for values in result.fetchall()]

    def raw(self, r: dict) -> str:
        return ",".join("" if v is None else str(v) for k, v in r.items() if not k.startswith("_"))

    def read(self) -> PracticeRecords:
        files = self.files()
        if "SRPatient" not in files:
            raise IngestError(f"{self.folder}: no SRPatient file (a SystmOne practice extract needs one)")
        for table in sorted(files):
            if table not in LAYOUTS:
                for path in files[table]:
                    with path.open("rb") as fh:
                        self.out.skipped[table] += max(sum(1 for _ in fh) - 1, 0)
        t = {table: self.load(table, paths) for table, paths in files.items() if table in LAYOUTS}
        if "SRAppointment" in t and "SRMapping" not in t:
            raise IngestError(
                f"{self.folder}: SRAppointment needs SRMapping to say what each AppointmentStatus means, "
                "and there is no SRMapping file"
            )
        for r in self.rows(f"""
            SELECT trim(RowIdentifier) AS k, replace(NHSNumber, ' ', '') AS nhs, FirstName, Surname,
                {_date("DateBirth")} AS dob,
                CASE upper(trim(Gender)) {" ".join(f"WHEN '{k}' THEN '{v}'" for k, v in SEX.items())} ELSE 'unknown' END AS sex,
                {_date("DateDeath")} AS dod, _file, _row
            FROM {t["SRPatient"]} ORDER BY _order, _row
        """):
            self.out.add(
                "patients", (r["k"], r["nhs"], r["FirstName"], r["Surname"], r["dob"], r["sex"], r["dod"], None, "false"),
                r["_file"], r["_row"],
            )  # fmt: skip
        if "SRPatientRegistration" in t:
            for r in self.rows(f"""
                SELECT trim(IDPatient) AS k, {_date("DateRegistration")} AS s, {_date("DateDeRegistration")} AS e, _file, _row
                FROM {t["SRPatientRegistration"]} ORDER BY _order, _row
            """):
                self.out.add("registrations", (r["k"], r["s"], r["e"]), r["_file"], r["_row"])
            self.out.registration_from = "resource"
        if "SRCode" in t:
            self._coded(t["SRCode"], "SNOMEDCode", "clinical_events")
        if "SRImmunisation" in t:
            self._coded(t["SRImmunisation"], "ImmsSNOMEDCode", "vaccinations")
        if "SRPrimaryCareMedication" in t:
            for r in self.rows(f"""
                SELECT *, trim(IDPatient) AS _k, {_date("DateEvent")} AS _d,
                    nullif(regexp_extract(coalesce(MedicationQuantity, ''), '^\\s*([0-9]+(\\.[0-9]+)?)', 1), '') AS _q
                FROM {t["SRPrimaryCareMedication"]} ORDER BY _order, _row
            """):
                if not (r["IDMultiLexDMD"] or "").strip():
                    self.out.reject(
                        r["_file"], r["_row"], "no_snomed_code", "IDMultiLexDMD", None,
                        "the medication has no dm+d code (IDMultiLexDMD)", self.raw(r),
                    )  # fmt: skip
                    continue
                self.out.add(
                    "medications",
                    (r["_k"], r["_d"], r["IDMultiLexDMD"].strip(), r["_q"]),
                    r["_file"],
                    r["_row"],
                )
        if "SRAppointment" in t:
            self._appointments(t["SRAppointment"], t["SRMapping"])
        self.con.close()
        return self.out

    def _coded(self, table: str, snomed: str, target: str) -> None:
        ctv3 = "CTV3Code" if target == "clinical_events" else "ImmsReadCode"
        value = ", NumericValue AS _v, NumericUnit AS _u" if target == "clinical_events" else ""
        for r in self.rows(f"""
            SELECT *, trim(IDPatient) AS _k, {_date("DateEvent")} AS _d {value}
            FROM {table} ORDER BY _order, _row
        """):
            code = (r[snomed] or "").strip()
            if not code:
                old = (r.get(ctv3) or "").strip()
                if old:
                    self.out.reject(
                        r["_file"], r["_row"], "ctv3_only", snomed, old,
                        f"the row has only a CTV3 code ({ctv3}) and no SNOMED CT code ({snomed})", self.raw(r),
                    )  # fmt: skip
                else:
                    self.out.reject(
                        r["_file"], r["_row"], "no_snomed_code", snomed, None,
                        f"the row has no SNOMED CT code ({snomed})", self.raw(r),
                    )  # fmt: skip
                continue
            if target == "clinical_events":
                numeric = r["_v"] if (r["_v"] or "").strip() else None
                values = (r["_k"], r["_d"], code, numeric, r["_u"] if numeric is not None else None)
            else:
                values = (r["_k"], r["_d"], code)
            self.out.add(target, values, r["_file"], r["_row"])

    def _appointments(self, table: str, mapping: str) -> None:
        for r in self.rows(f"""
            SELECT a.*, m.Mapping AS _mapping, m.RowIdentifier AS _known, trim(a.IDPatient) AS _k,
                {_timestamp("a.DateAppointmentBooked")} AS _booked, {_timestamp("a.DateStart")} AS _start,
                {_status("m.Mapping")} AS _status, {_mode("a.TelephoneAppointment", "a.RotaType")} AS _mode
            FROM {table} AS a LEFT JOIN {mapping} AS m ON trim(m.RowIdentifier) = trim(a.AppointmentStatus)
            ORDER BY a._order, a._row
        """):
            if r["_known"] is None:
                self.out.reject(
                    r["_file"], r["_row"], "unknown_code_id", "AppointmentStatus", r["AppointmentStatus"],
                    f"AppointmentStatus {r['AppointmentStatus']} is not in the SRMapping file", self.raw(r),
                )  # fmt: skip
                continue
            self.out.add(
                "appointments",
                (
                    r["RowIdentifier"].strip(),
                    r["_k"],
                    r["_booked"],
                    r["_start"],
                    r["_status"],
                    r["_mode"],
                    "unknown",
                    "unknown",
                ),
                r["_file"],
                r["_row"],
            )


def read_practice(folder: Path, root: Path, manifest: dict | None) -> PracticeRecords:
    """Read one practice folder of SystmOne SR files."""
    return _Reader(folder, root).read()
