"""What every dialect writer shares: reading one synthetic practice's CDM tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.cdm import PATIENT_TABLES

# A type 1 opt-out as a GP record holds it: a coded entry (dissent from secondary use of GP
# patient identifiable data). The ingest's adapters turn it back into the patients' flag.
TYPE1_DISSENT = "827241000000103"


def practice_tables(folder: Path) -> dict[str, pa.Table]:
    return {t: pq.read_table(folder / f"{t}.parquet") for t in ("patients", *PATIENT_TABLES)}
