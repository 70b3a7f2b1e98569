"""Turning caller input (lists, NumPy arrays, pandas Series) into float arrays, with errors that
say which argument and which position is wrong. Messages carry positions and argument names only,
never the values themselves: counts can be small enough to identify patients."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def as_float_array(values: Any, name: str) -> np.ndarray:
    """A 1-d float64 copy of `values`; None and pandas NA become NaN."""
    if isinstance(values, pd.Series | pd.Index):
        values = values.to_numpy(dtype="float64", na_value=np.nan)
    try:
        arr = np.array(values, dtype="float64", ndmin=1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional sequence, got {arr.ndim} dimensions")
    return arr


def index_of(values: Any) -> pd.Index | None:
    """The pandas index of a Series input, so result tables can keep the caller's labels."""
    return values.index if isinstance(values, pd.Series) else None


def same_length(**arrays: np.ndarray) -> int:
    lengths = {name: len(arr) for name, arr in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"inputs differ in length: {described}")
    return next(iter(lengths.values()))


def first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def check_counts(numerators: np.ndarray, denominators: np.ndarray) -> None:
    """Numerators and denominators are non-negative and numerator <= denominator (NaN allowed)."""
    for name, arr in (("numerators", numerators), ("denominators", denominators)):
        bad = arr < 0
        if bad.any():
            raise ValueError(f"{name}: negative count at position {first_bad(bad)}")
        bad = np.isinf(arr)
        if bad.any():
            raise ValueError(f"{name}: infinite value at position {first_bad(bad)}")
    bad = numerators > denominators
    if bad.any():
        raise ValueError(f"numerator is greater than denominator at position {first_bad(bad)}")


def check_proportion(value: float | None, name: str) -> None:
    if value is None:
        return
    if not np.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{name}: must be a proportion between 0 and 1")


def all_scalar(*values: Any) -> bool:
    return all(np.ndim(v) == 0 and not isinstance(v, list | tuple) for v in values)


def unwrap(result: np.ndarray, scalar: bool) -> Any:
    """A scalar answer for scalar questions, the array otherwise."""
    return result[0].item() if scalar else result


def labels(values: Any) -> pd.Series:
    """A column of labels that keeps None for "no label" (pandas 3 would otherwise infer its
    string dtype and turn None into NaN)."""
    return pd.Series(list(values), dtype="object")


def frame(columns: dict[str, Any], index: pd.Index | None) -> pd.DataFrame:
    """A result table: columns are positional; the caller's index, if any, is put on afterwards."""
    out = pd.DataFrame(columns)
    if index is not None:
        out.index = index
    return out
