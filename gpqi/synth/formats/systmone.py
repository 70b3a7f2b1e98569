"""systmone writer."""

from __future__ import annotations

from pathlib import Path


def write_practice(cdm: Path, out: Path, practice: str) -> None:
    raise NotImplementedError
