"""Column buffers that collect generated rows for one network before they are split by practice."""

from __future__ import annotations

import numpy as np

UNITS = (None, "mm[Hg]", "mmol/mol", "%")
MMHG, MMOL_MOL, PERCENT = 1, 2, 3


class Buffer:
    """Append column chunks (all the same length); `practice` < 0 rows are dropped."""

    def __init__(self, *columns: str) -> None:
        self.columns = columns
        self.chunks: dict[str, list[np.ndarray]] = {c: [] for c in columns}

    def add(self, **cols: np.ndarray | int | float) -> None:
        n = None
        for v in cols.values():
            if isinstance(v, np.ndarray) and v.ndim == 1:
                n = len(v)
                break
        if n is None or n == 0:
            return
        keep = np.asarray(cols["practice"]) >= 0
        if not keep.all() and isinstance(cols["practice"], np.ndarray):
            for k, v in cols.items():
                if isinstance(v, np.ndarray) and v.ndim == 1:
                    cols[k] = v[keep]
            n = int(keep.sum())
        for c in self.columns:
            v = cols.get(c)
            if v is None:
                raise KeyError(f"missing column {c}")
            self.chunks[c].append(np.broadcast_to(np.asarray(v), (n,)).copy())

    def arrays(self) -> dict[str, np.ndarray]:
        out = {}
        for c, parts in self.chunks.items():
            out[c] = np.concatenate(parts) if parts else np.zeros(0)
        return out


def clinical_buffer() -> Buffer:
    return Buffer("person", "practice", "day", "code", "value", "unit")


def medication_buffer() -> Buffer:
    return Buffer("person", "practice", "day", "code", "quantity")


def vaccination_buffer() -> Buffer:
    return Buffer("person", "practice", "day", "code")
