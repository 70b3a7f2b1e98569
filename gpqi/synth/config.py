"""`SynthConfig`: everything a synthetic run depends on. Same config (incl. seed) -> identical files."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SynthConfig(BaseModel):
    """Parameters of one synthetic population. The CLI `gpqi synth` is a thin layer over this."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    practices: int = Field(20, ge=1, le=9_999, description="Number of practices.")
    patients: int = Field(
        50_000,
        ge=100,
        le=100_000_000,
        description="Combined registered list size on the end date (the files also hold people who "
        "died or left during the period).",
    )
    start: dt.date = Field(dt.date(2016, 4, 1), description="First day of the history.")
    end: dt.date = Field(dt.date(2026, 3, 31), description="Last day of the history (the reference date).")
    seed: int = Field(42, ge=0, le=2**63 - 1)
    networks: int | None = Field(
        None, ge=1, description="Number of networks (default: groups of 4-6 practices)."
    )
    sub_icbs: int | None = Field(
        None, ge=1, description="Number of sub-ICBs (default: about 4 networks each)."
    )
    programme_networks: int | None = Field(
        None, ge=0, description="How many networks join the improvement programme (default about a quarter)."
    )
    programme_network_codes: tuple[str, ...] | None = Field(
        None,
        description="Explicit network codes in the improvement programme (overrides programme_networks).",
    )
    programme_start: dt.date | None = Field(
        None,
        description="Date the improvement programme starts (default: 1 April about four years before end).",
    )
    history_years: int = Field(
        5,
        ge=0,
        le=20,
        description="Years of clinical history recorded before `start` (for look-back windows).",
    )
    format: Literal["parquet", "csv"] = "parquet"
    workers: int = Field(1, ge=1, le=64, description="Processes generating networks in parallel.")

    @model_validator(mode="after")
    def _check(self) -> SynthConfig:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        if (self.end - self.start).days < 365:
            raise ValueError("the period from start to end must be at least one year")
        if self.patients < 50 * self.practices:
            raise ValueError(
                f"patients ({self.patients}) must be at least 50 per practice ({50 * self.practices})"
            )
        if self.programme_start is not None and not (self.start <= self.programme_start <= self.end):
            raise ValueError(f"programme_start ({self.programme_start}) must lie between start and end")
        return self
