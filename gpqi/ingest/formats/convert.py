"""Turn an extract whose practice folders are FHIR, EMIS or SystmOne into the CDM layout.

`convert(source, forced, work, previous)` reads each practice folder with its adapter (the
format given, or detected per folder), gives patients their ids through the key map, and writes
`work/extract/`: the reference tables and CDM practice folders linked as they are, and each
adapted practice as CDM tables of text. The ingest then validates that folder like any other,
so every CDM rule and guarantee applies to every format. `Conversion.finish` adds to the staged
snapshot what only the conversion knows: the key map, the rows no adapter could map, each
quarantined row's source file and row, and the format of each practice in the report.

Converted files are a pure function of the source files and the key map, so re-ingesting the
same export produces the same files, the same fingerprints, and so "unchanged".
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.cdm import COLUMNS as CDM_COLUMNS
from gpqi.ingest.errors import IngestError
from gpqi.ingest.formats import emis, fhir, systmone
from gpqi.ingest.formats.keymap import KEYMAP_FILE, KeyMap
from gpqi.ingest.formats.records import ADAPTER_RULES, COLUMNS, PracticeRecords, opt_out_flags
from gpqi.ingest.rules import RULES_VERSION

FORMATS = ("cdm", "fhir", "emis", "systmone")
ADAPTERS: dict[str, Callable[[Path, Path, dict | None], PracticeRecords]] = {
    "fhir": fhir.read_practice,
    "emis": emis.read_practice,
    "systmone": systmone.read_practice,
}
_CDM_NAMES = {f"{t}{ext}" for t in ("patients",) for ext in (".parquet", ".csv")}
SOURCE_QUARANTINE = "source"  # quarantine/source/<practice>.parquet: rows no adapter could map
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("file", pa.string()),
        pa.field("row", pa.int64()),
        pa.field("rule", pa.string()),
        pa.field("field", pa.string()),
        pa.field("value", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("record", pa.string()),
    ]
)
PROVENANCE_SCHEMA = pa.schema([pa.field("_file", pa.string()), pa.field("_line", pa.int64())])


def detect(folder: Path) -> str:
    """The format of one practice folder, from the names of its files."""
    names = [p.name for p in folder.iterdir() if p.is_file()]
    if any(n in _CDM_NAMES for n in names):
        return "cdm"
    if any(emis.FILE_NAME.fullmatch(n) for n in names):
        return "emis"
    if any(systmone.FILE_NAME.fullmatch(n) for n in names):
        return "systmone"
    if fhir.is_fhir_folder(folder):
        return "fhir"
    raise IngestError(
        f"{folder}: cannot tell the format of this practice folder (expected CDM tables, FHIR .ndjson/.json, "
        "EMIS <ProcessingId>_<Schema>_<Table>_<timestamp>_<GUID>.csv files, or SystmOne SR*.csv files); "
        "give --format"
    )


def appointment_id(practice: str, source_id: str) -> int:
    """A stable appointment id from the practice and the source's own id (63-bit, never 0)."""
    digest = hashlib.blake2b(f"{practice}\x1f{source_id}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") & ((1 << 62) - 1)) + 1


@dataclass
class Adapted:
    code: str
    format: str
    detected: bool
    records: PracticeRecords
    quarantined: Counter = field(default_factory=Counter)


@dataclass
class Conversion:
    source: Path
    root: Path  # the CDM-layout extract the ingest reads
    practices: dict[str, Adapted]
    cdm_practices: dict[str, bool]  # CDM practice folders -> whether the format was detected
    keymap: KeyMap
    provenance: Path | None

    def summary(self) -> dict:
        out = {}
        for code, detected in self.cdm_practices.items():
            out[code] = {"format": "cdm", "detected": detected}
        for code, a in self.practices.items():
            r = a.records
            out[code] = {
                "format": a.format,
                "detected": a.detected,
                "read": dict(sorted(r.read.items())),
                "skipped": dict(sorted(r.skipped.items())),
                "dropped": dict(sorted(r.dropped.items())),
                "quarantined": dict(sorted(a.quarantined.items())),
                "registration_from": r.registration_from,
                "notes": r.notes[:20] + ([f"... and {len(r.notes) - 20} more"] if len(r.notes) > 20 else []),
            }
        return dict(sorted(out.items()))

    def finish(self, staged: Path, previous: Path | None, report: dict, manifest: dict) -> None:
        """Add the key map, the source quarantine and provenance to the staged snapshot."""
        kept = set(manifest["practices"])
        self.keymap.drop_practices(kept, set(self.practices))
        if self.keymap.by_key:
            path = staged / KEYMAP_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(self.keymap.table(), path, compression="zstd")
        for code, a in self.practices.items():
            if a.records.rejected:
                _write_rejected(a, staged / "quarantine" / SOURCE_QUARANTINE / f"{code}.parquet")
            self._trace(staged, code)
        formats = dict(report.get("formats", {}))
        carried = [c for c in kept if c not in self.practices and c not in self.cdm_practices]
        previous_formats = _previous_formats(previous)
        for code in carried:
            if previous is not None:
                old = previous / "quarantine" / SOURCE_QUARANTINE / f"{code}.parquet"
                if old.exists():
                    new = staged / "quarantine" / SOURCE_QUARANTINE / f"{code}.parquet"
                    new.parent.mkdir(parents=True, exist_ok=True)
                    os.link(old, new)
            if code in previous_formats:
                formats[code] = {**previous_formats[code], "status": "carried"}
        formats.update(self.summary())
        report["formats"] = dict(sorted(formats.items()))
        report["booking_time_unknown"] = _booking_time_unknown(staged, previous, kept, carried)
        report["source"] = str(self.source.resolve())
        manifest["source"]["path"] = str(self.source.resolve())
        for code in [*self.practices, *self.cdm_practices]:
            manifest["practices"][code]["source"] = str(self.source.resolve())
            manifest["practices"][code]["format"] = (
                self.practices[code].format if code in self.practices else "cdm"
            )
            if code in self.practices:
                manifest["practices"][code]["source_files"] = source_files(self.source / "practices" / code)

    def _trace(self, staged: Path, code: str) -> None:
        """Point each quarantined row of an adapted practice at its source file and row."""
        assert self.provenance is not None
        con = duckdb.connect()
        try:
            for table in COLUMNS:
                path = staged / "quarantine" / table / f"{code}.parquet"
                prov = self.provenance / code / f"{table}.parquet"
                if not path.exists() or not prov.exists():
                    continue
                rows = pq.read_table(path)
                con.register("q", rows)
                traced = con.execute(
                    "SELECT * REPLACE (coalesce(p._file, q.file) AS file, coalesce(p._line, q.row) AS row) "
                    "FROM q LEFT JOIN (SELECT _file, _line, file_row_number + 1 AS _n "
                    "FROM read_parquet(?, file_row_number = true)) AS p ON p._n = q.row ORDER BY q.row",
                    [str(prov)],
                ).to_arrow_table()
                con.unregister("q")
                traced = traced.select(rows.schema.names).cast(rows.schema)
                pq.write_table(traced, path, compression="zstd")
        finally:
            con.close()


def _booking_time_unknown(staged: Path, previous: Path | None, kept: set[str], carried: list[str]) -> dict:
    """Appointments per practice loaded without a booking time (lead-time indicators leave
    them out; the dashboard says how many and where)."""
    before = {}
    if previous is not None and (previous / "report.json").exists():
        before = json.loads((previous / "report.json").read_text(encoding="utf-8")).get(
            "booking_time_unknown", {}
        )
    out = {code: before[code] for code in carried if before.get(code)}
    con = duckdb.connect()
    try:
        for code in sorted(kept - set(carried)):
            path = staged / "appointments" / f"{code}.parquet"
            if path.exists():
                (n,) = con.execute(
                    "SELECT count(*) FROM read_parquet(?) WHERE booked_at IS NULL", [str(path)]
                ).fetchone()
                if n:
                    out[code] = n
    finally:
        con.close()
    return dict(sorted(out.items()))


def _previous_formats(previous: Path | None) -> dict:
    if previous is None or not (previous / "report.json").exists():
        return {}
    return json.loads((previous / "report.json").read_text(encoding="utf-8")).get("formats", {})


def _write_rejected(a: Adapted, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = a.records.rejected
    table = pa.table(
        {
            "file": [r.file for r in rows],
            "row": [r.row for r in rows],
            "rule": [r.rule for r in rows],
            "field": [r.field for r in rows],
            "value": [r.value for r in rows],
            "reason": [r.reason for r in rows],
            "record": [r.record for r in rows],
        },
        schema=QUARANTINE_SCHEMA,
    )
    pq.write_table(table, path, compression="zstd")


def _link(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _cdm_nhs_numbers(con: duckdb.DuckDBPyConnection, files: list[Path]) -> dict[str, int]:
    """NHS number -> patient_id of CDM patients (the current snapshot's, a mixed extract's)."""
    out: dict[str, int] = {}
    for path in files:
        reader = "read_parquet" if path.suffix == ".parquet" else "read_csv"
        extra = ", all_varchar = true" if path.suffix == ".csv" else ""
        try:
            rows = con.execute(
                f"SELECT CAST(nhs_number AS VARCHAR), TRY_CAST(patient_id AS BIGINT) FROM {reader}(?{extra})",
                [str(path)],
            ).fetchall()
        except duckdb.Error:
            continue  # the ingest reports a bad CDM file itself, with its own message
        for number, pid in rows:
            if number and pid is not None:
                out.setdefault(number, pid)
    return out


def passthrough(source: Path, practices: list[str], detected: bool, previous: Path | None) -> Conversion:
    """A CDM extract needs no conversion, but its snapshot still carries the key map and the
    source quarantine of adapted practices kept from the current snapshot."""
    return Conversion(source, source, {}, dict.fromkeys(practices, detected), KeyMap.load(previous, {}), None)


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def source_files(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of an adapted practice folder, as recorded in the manifest."""
    return {p.name: _sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def unchanged_source(source: Path, forced: str | None, prev: dict | None, as_of, asked: list[str]) -> bool:  # noqa: ANN001
    """True when every practice folder is an adapted one whose files are those the current
    snapshot was built from (and the reference files too): then nothing would change, and the
    conversion can be skipped. Mixed with CDM folders, the usual check after conversion decides."""
    if not prev or prev.get("rules_version") != RULES_VERSION or asked:
        return False
    if as_of is not None and prev.get("as_of") != as_of.isoformat():
        return False
    if (source / "reference").is_dir():
        for path in sorted((source / "reference").iterdir()):
            before = prev.get("reference", {}).get(path.stem, {}).get("fingerprint")
            if path.is_file() and before != _sha256(path):
                return False
    folders = practice_folders(source)
    for folder in folders:
        entry = prev.get("practices", {}).get(folder.name, {})
        fmt = forced or detect(folder)
        if fmt == "cdm" or entry.get("format") != fmt or entry.get("source_files") != source_files(folder):
            return False
    return bool(folders)


def practice_folders(source: Path) -> list[Path]:
    folder = source / "practices"
    return sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def needs_conversion(source: Path, forced: str | None) -> bool:
    if forced not in (None, "cdm"):
        return True
    if forced == "cdm":
        return False
    return any(detect(folder) != "cdm" for folder in practice_folders(source))


def convert(
    source: Path, forced: str | None, work: Path, previous: Path | None, on_practice: Callable[[str], None]
) -> Conversion:
    """Read every practice folder with its adapter and write the CDM layout under `work`."""
    if forced is not None and forced not in FORMATS:
        raise IngestError(f"--format {forced}: not a format (choose one of {', '.join(FORMATS)})")
    root = work / "extract"
    provenance = work / "provenance"
    root.mkdir(parents=True)
    manifest = None
    if (source / "manifest.json").exists():
        try:
            manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise IngestError(f"{source / 'manifest.json'}: not valid JSON ({type(exc).__name__})") from None
        _link(source / "manifest.json", root / "manifest.json")
    if (source / "reference").is_dir():
        for path in sorted((source / "reference").iterdir()):
            if path.is_file():
                _link(path, root / "reference" / path.name)

    formats: dict[str, tuple[str, bool]] = {}
    for folder in practice_folders(source):
        if forced is None:
            formats[folder.name] = (detect(folder), True)
        else:
            formats[folder.name] = (forced, False)
    cdm_files: list[Path] = []
    if previous is not None and (previous / "patients").is_dir():
        cdm_files += sorted((previous / "patients").glob("*.parquet"))
    cdm_practices = {}
    for code, (fmt, detected) in formats.items():
        if fmt == "cdm":
            cdm_practices[code] = detected
            for path in sorted((source / "practices" / code).iterdir()):
                if path.is_file():
                    _link(path, root / "practices" / code / path.name)
                    if path.stem == "patients":
                        cdm_files.append(path)
    con = duckdb.connect()
    try:
        keymap = KeyMap.load(previous, _cdm_nhs_numbers(con, cdm_files))
    finally:
        con.close()

    adapted: dict[str, Adapted] = {}
    for code, (fmt, detected) in formats.items():
        if fmt == "cdm":
            continue
        folder = source / "practices" / code
        records = ADAPTERS[fmt](folder, source, manifest)
        opt_out_flags(records)
        a = Adapted(code, fmt, detected, records)
        _write_practice(a, keymap, root / "practices" / code, provenance / code)
        # The practice's rows are on disk now: let them go before the next practice is read
        # (kept, every practice's records were in memory at once: 5 GB for 100,000 patients).
        records.rows = {table: [] for table in COLUMNS}
        adapted[code] = a
        on_practice(f"read {code} ({fmt}{', detected' if detected else ''})")
    return Conversion(source, root, adapted, cdm_practices, keymap, provenance)


def _write_practice(a: Adapted, keymap: KeyMap, out: Path, provenance: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    provenance.mkdir(parents=True, exist_ok=True)
    records = a.records
    ids: dict[str, int] = {}
    for row in records.rows["patients"]:
        key, nhs = row[0], row[1]
        if key and key not in ids:
            ids[key] = keymap.assign(a.format, a.code, key, nhs)
    for table, names in COLUMNS.items():
        key_at = names.index("patient_key")
        kept = []
        for row in records.rows[table]:
            key = row[key_at]
            if key not in ids:
                a.records.reject(
                    row[-2], row[-1], "unknown_patient", "patient", None,
                    "the record's patient is not in this practice's patients", "",
                )  # fmt: skip
                continue
            kept.append(row)
        _write_table(table, kept, ids, a.code, out / f"{table}.parquet", provenance / f"{table}.parquet")
    for r in records.rejected:
        a.quarantined[r.rule] += 1


def _write_table(
    table: str, rows: list[tuple], ids: dict[str, int], practice: str, path: Path, provenance: Path
) -> None:
    names = COLUMNS[table]
    # Column by column (one pass over the rows per column, no dict per row): the adapted
    # practice's whole table at once, so this is where the time goes.
    source = dict(zip(names, zip(*rows, strict=True), strict=False)) if rows else {}
    n = len(rows)
    labels = {key: str(pid) for key, pid in ids.items()}
    given: dict[str, list] = {name: _text(values) for name, values in source.items()}
    given["patient_id"] = [labels[key] for key in source.get("patient_key", ())]
    given["practice_code"] = [practice] * n
    if table == "appointments":
        given["appointment_id"] = [str(appointment_id(practice, sid)) for sid in source.get("source_id", ())]
    columns = {c.name: given.get(c.name, [None] * n) for c in CDM_COLUMNS[table]}
    pq.write_table(
        pa.table({name: pa.array(v, pa.string()) for name, v in columns.items()}), path, compression="zstd"
    )
    pq.write_table(
        pa.table({"_file": [r[-2] for r in rows], "_line": [r[-1] for r in rows]}, schema=PROVENANCE_SCHEMA),
        provenance,
        compression="zstd",
    )


def _text(values: tuple) -> list:
    return [v if v is None or type(v) is str else str(v) for v in values]


__all__ = [
    "ADAPTER_RULES",
    "FORMATS",
    "Conversion",
    "convert",
    "detect",
    "needs_conversion",
    "passthrough",
    "unchanged_source",
]
