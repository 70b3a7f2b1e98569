"""The bundled calibration tables (DERIVED from public files; see data/PROVENANCE.md), loaded once."""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np


def _data(name: str) -> Path:
    return Path(str(resources.files("gpqi.synth") / "data" / name))


def _read_csv(name: str) -> list[dict[str, str]]:
    with _data(name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class PracticeProfiles:
    """Real practices' list size (2022-23), age-band counts (Apr 2020) and IMD 2019 score, no identifiers."""

    list_size: np.ndarray  # int
    n_0_15: np.ndarray
    n_16_17: np.ndarray
    n_18_49: np.ndarray
    n_50_64: np.ndarray
    n_65_plus: np.ndarray
    n_30_74: np.ndarray
    imd_score: np.ndarray  # sorted ascending

    def __len__(self) -> int:
        return len(self.list_size)


@cache
def practice_profiles() -> PracticeProfiles:
    rows = _read_csv("practice_profiles.csv")
    col = {k: np.array([float(r[k]) for r in rows]) for k in rows[0]}
    order = np.argsort(col["imd_score"], kind="stable")
    return PracticeProfiles(
        list_size=col["list_size"][order].astype(np.int64),
        n_0_15=col["n_0_15"][order],
        n_16_17=col["n_16_17"][order],
        n_18_49=col["n_18_49"][order],
        n_50_64=col["n_50_64"][order],
        n_65_plus=col["n_65_plus"][order],
        n_30_74=col["n_30_74"][order],
        imd_score=col["imd_score"][order],
    )


@cache
def national_prevalence() -> dict[str, float]:
    """QOF 2019-20 England recorded prevalence (register / relevant list), by QOF group code."""
    return {r["group_code"]: float(r["prevalence"]) for r in _read_csv("qof1920_prevalence_england.csv")}


@cache
def prevalence_by_imd_decile() -> dict[str, np.ndarray]:
    """QOF 2019-20 prevalence by patient IMD decile (index 0 = decile 1, most deprived)."""
    out: dict[str, np.ndarray] = {}
    for r in _read_csv("qof1920_prevalence_by_imd_decile.csv"):
        arr = out.setdefault(r["group_code"], np.zeros(10))
        arr[int(r["imd_decile"]) - 1] = float(r["register"]) / float(r["list"])
    return out


@cache
def dna_rates() -> dict[tuple[str, str], dict[str, float]]:
    """NHS Digital appointments (49 CCGs, Mar 2019-Aug 2021): counts and DNA rates by dimension/value."""
    out = {}
    for r in _read_csv("dna_rates.csv"):
        out[(r["dimension"], r["value"])] = {
            k: float(r[k])
            for k in ("attended", "dna", "unknown", "total", "dna_pct_of_all", "dna_pct_of_known")
        }
    return out


@cache
def real_practices() -> tuple[frozenset[str], frozenset[str]]:
    """Real practice codes and lower-cased names (to make sure none is ever generated)."""
    codes: set[str] = set()
    names: set[str] = set()
    with gzip.open(_data("real_practices.txt.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            code, _, name = line.rstrip("\n").partition("\t")
            codes.add(code)
            if name:
                names.add(name)
    return frozenset(codes), frozenset(names)
