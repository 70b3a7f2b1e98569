"""Indicators: the definition model, the built-in library (YAML) and the compiler to Ibis.

    from gpqi.indicators import load_library, get
    for ind in load_library():
        print(ind.id, ind.title, ind.target.value if ind.target else None, ind.version)

`load_library()` is the metadata API the web dashboard and reports read; `load_file(path)`
validates a user's own definition (`gpqi indicators check FILE`).
"""

from __future__ import annotations

from gpqi.indicators.loader import IndicatorError, get, load_file, load_library, parse
from gpqi.indicators.model import AppointmentFilter, Group, Indicator, Target

__all__ = [
    "AppointmentFilter",
    "Group",
    "Indicator",
    "IndicatorError",
    "Target",
    "get",
    "load_file",
    "load_library",
    "parse",
]
