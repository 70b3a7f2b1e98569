"""Synthetic practices in the formats clinical systems export: FHIR R4, EMIS Web, SystmOne.

`rewrite(extract, formats)` turns practice folders of a CDM Parquet extract written by
`generate` into the given formats, in place, so one synthetic population can be ingested
through every adapter (and a demo can mix systems as real federations do).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.synth.formats import emis, fhir, systmone

DIALECTS = ("fhir", "emis", "systmone")
WRITERS: dict[str, Callable[[Path, Path, str], None]] = {
    "fhir": fhir.write_practice,
    "emis": emis.write_practice,
    "systmone": systmone.write_practice,
}
# The practices table says which clinical system each practice's extract came from.
EHR_SYSTEM = {"fhir": None, "emis": "emis", "systmone": "tpp"}
MIXED = ("cdm", "fhir", "emis", "systmone")  # the order practices are given formats in a mix


def mixed(codes: list[str]) -> dict[str, str]:
    """Formats for a mixed federation: practices take cdm, fhir, emis, systmone in turn."""
    return {code: MIXED[i % len(MIXED)] for i, code in enumerate(sorted(codes))}


def few_of_each(list_sizes: dict[str, int], each: int = 1) -> dict[str, str]:
    """Formats for a federation that is mostly on one system: the `each` smallest practices per
    dialect take fhir, emis and systmone in turn (smallest first), the rest stay CDM. Every
    adapter is exercised at a fraction of the cost of converting a third of the patients:
    reading a dialect takes many times the CDM path's CPU, and FHIR holds a practice's
    resources in memory."""
    by_size = sorted(list_sizes, key=lambda code: (list_sizes[code], code))
    chosen = by_size[: each * len(DIALECTS)]
    out = dict.fromkeys(list_sizes, "cdm")
    for i, code in enumerate(chosen):
        out[code] = DIALECTS[i % len(DIALECTS)]
    return out


def rewrite(extract: Path, formats: dict[str, str]) -> None:
    """Rewrite the named practice folders of `extract` (CDM Parquet) in their formats."""
    for code, fmt in sorted(formats.items()):
        if fmt == "cdm":
            continue
        folder = extract / "practices" / code
        tmp = folder.with_name(f".{code}.{fmt}")
        shutil.rmtree(tmp, ignore_errors=True)
        WRITERS[fmt](folder, tmp, code)
        shutil.rmtree(folder)
        tmp.rename(folder)
    practices = extract / "reference" / "practices.parquet"
    systems = {c: EHR_SYSTEM[f] for c, f in formats.items() if f != "cdm" and EHR_SYSTEM[f]}
    if practices.exists() and systems:
        table = pq.read_table(practices)
        codes = table.column("practice_code").to_pylist()
        current = table.column("ehr_system").to_pylist()
        column = [systems.get(c, s) for c, s in zip(codes, current, strict=True)]
        index = table.schema.get_field_index("ehr_system")
        field = table.schema.field(index)
        table = table.set_column(index, field, pa.array(column, field.type))
        pq.write_table(table, practices, compression="zstd")
