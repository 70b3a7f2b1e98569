"""SystmOne Strategic Reporting extract."""

from __future__ import annotations

import re
from pathlib import Path

from gpqi.ingest.formats.records import PracticeRecords

FILE_NAME = re.compile(r"SR[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*\.csv", re.IGNORECASE)


def read_practice(folder: Path, root: Path, manifest: dict | None) -> PracticeRecords:
    raise NotImplementedError
