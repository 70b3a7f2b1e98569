"""What every dialect writer shares: reading one synthetic practice's CDM tables."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from gpqi.cdm import PATIENT_TABLES


def practice_tables(folder: Path) -> dict[str, pa.Table]:
    return {t: pq.read_table(folder / f"{t}.parquet") for t in ("patients", *PATIENT_TABLES)}
