"""What every view needs to know of an indicator: its title, direction, unit and target.

Built by the web app from the library and the programme's target overrides
(`gpqi.web.catalogue`), by reports and the API the same way; plain data, so the figures in
`gpqi.access.figures` can be computed without Django."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndicatorMeta:
    id: str
    title: str
    domain: str
    kind: str  # clinical | operational | campaign
    unit: str
    higher_is_better: bool
    target: float | None
    target_source: str
    reference: str
    description: str
    season_start: tuple[int, int] | None = None  # (month, day) its figures restart each year
    uses_lead_time: bool = False  # selects appointments by lead time (unknown without a booking time)

    @property
    def improvement(self) -> str:
        return "increase" if self.higher_is_better else "decrease"
