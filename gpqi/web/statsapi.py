"""The statistics the pages use, from gpqi.stats.

gpqi.stats (issue 4) owns every statistical method. Until its API is importable this module
supplies an INTERIM minimal version of the few functions the pages call, written from
DESIGN.md section 6, so the dashboard and its tests run; `INTERIM` says which is in use, the
about page and docs/dashboard.md say so, and the interim code is to be deleted once gpqi.stats
lands (nothing else imports it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

_NAMES = ("disclose", "wilson_interval", "funnel", "funnel_limits", "spc", "variation", "opportunity")

try:  # the real API, when it has landed
    from gpqi import stats as _stats

    INTERIM = not all(hasattr(_stats, n) for n in _NAMES)
except ImportError:  # pragma: no cover
    INTERIM = True
    _stats = None


# --- interim implementations (DESIGN.md section 6) ----------------------------------------------


def _disclose(counts: Any, redact_at_or_below: int = 7, round_to: int = 5) -> np.ndarray:
    c = np.asarray(counts, dtype="float64")
    out = np.floor(c / round_to + 0.5) * round_to  # nearest multiple, halves rounded up
    return np.where(np.isnan(c) | (c <= redact_at_or_below), np.nan, out)


def _wilson(num: Any, den: Any, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(num, dtype="float64")
    n = np.asarray(den, dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)
    return np.clip(lo, 0, 1), np.clip(hi, 0, 1)


def _limits(
    n: np.ndarray, target: float, method: str, tau2: float, z: float
) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(n, dtype="float64")
    if method == "spiegelhalter":
        centre = math.asin(math.sqrt(target))
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.sqrt(1 / (4 * n) + tau2)
        return (
            np.sin(np.clip(centre - z * sd, 0, math.pi / 2)) ** 2,
            np.sin(np.clip(centre + z * sd, 0, math.pi / 2)) ** 2,
        )
    # Wilson score interval inverted around the comparator (OHID/Fingertips)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = 1 + z * z / n
        centre = (target + z * z / (2 * n)) / a
        half = z / a * np.sqrt(target * (1 - target) / n + z * z / (4 * n * n))
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


@dataclass
class _Funnel:
    target: float
    phi: float
    tau2: float
    table: pd.DataFrame


def _funnel(num: Any, den: Any, target: float | None = None, method: str = "wilson") -> _Funnel:
    x = np.asarray(num, dtype="float64")
    n = np.asarray(den, dtype="float64")
    ok = n > 0
    p_bar = float(x[ok].sum() / n[ok].sum()) if target is None and ok.any() else float(target or 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(ok, x / n, np.nan)
    phi, tau2 = 1.0, 0.0
    if method == "spiegelhalter" and ok.sum() > 1:
        y = np.arcsin(np.sqrt(p[ok]))
        s = 1 / (2 * np.sqrt(n[ok]))
        zs = (y - math.asin(math.sqrt(p_bar))) / s
        lo, hi = np.quantile(zs, [0.1, 0.9])
        zw = np.clip(zs, lo, hi)
        phi = float(np.mean(zw**2))
        w = 1 / s**2
        i = len(zs)
        tau2 = max(0.0, (i * phi - (i - 1)) / (w.sum() - (w**2).sum() / w.sum())) if phi > 1 else 0.0
    rows: dict[str, Any] = {"proportion": p}
    for level, z in (("95", 1.959964), ("998", 3.090232)):
        lo, hi = _limits(np.where(ok, n, np.nan), p_bar, method, tau2, z)
        rows[f"lower_{level}"], rows[f"upper_{level}"] = lo, hi
        rows[f"outlier_{level}"] = np.where(
            ~ok, None, np.where(p > hi, "high", np.where(p < lo, "low", None))
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        rows["z"] = (p - p_bar) / np.sqrt(p_bar * (1 - p_bar) / n)
    return _Funnel(p_bar, phi, tau2, pd.DataFrame(rows))


def _funnel_limits(den: Any, target: float, method: str = "wilson", tau2: float = 0.0) -> pd.DataFrame:
    n = np.asarray(den, dtype="float64")
    out = {"denominator": n}
    for level, z in (("95", 1.959964), ("998", 3.090232)):
        out[f"lower_{level}"], out[f"upper_{level}"] = _limits(n, target, method, tau2, z)
    return pd.DataFrame(out)


@dataclass
class _Spc:
    table: pd.DataFrame
    variation: str | None
    assurance: str | None


def _spc(values: Any, improvement: str = "increase", target: float | None = None, **_: Any) -> _Spc:
    v = np.asarray(values, dtype="float64")
    mean = float(np.mean(v))
    mr = np.abs(np.diff(v))
    if len(mr):
        keep = mr < 3.267 * mr.mean()  # screening: drop large moving ranges, recompute once
        amr = float(mr[keep].mean()) if keep.any() else float(mr.mean())
    else:
        amr = 0.0
    upl, lpl = mean + 2.66 * amr, mean - 2.66 * amr
    side = np.sign(v - mean)
    types = []
    for i, x in enumerate(v):
        high = low = False
        if x > upl:
            high = True
        elif x < lpl:
            low = True
        else:
            start = max(0, i - 6)
            run = side[start : i + 1]
            if len(run) == 7 and (np.all(run > 0) or np.all(run < 0)):
                high, low = bool(run[0] > 0), bool(run[0] < 0)
            seg = v[max(0, i - 6) : i + 1]
            if len(seg) == 7 and (np.all(np.diff(seg) > 0) or np.all(np.diff(seg) < 0)):
                high, low = bool(seg[-1] > seg[0]), bool(seg[-1] < seg[0])
        if not (high or low):
            types.append("common_cause")
        elif improvement == "neutral":
            types.append("special_cause_neutral_high" if high else "special_cause_neutral_low")
        else:
            good = high if improvement == "increase" else low
            types.append("special_cause_improvement" if good else "special_cause_concern")
    assurance = None
    if target is not None:
        if improvement == "increase":
            assurance = (
                "consistent_fail" if target > upl else ("consistent_pass" if target < lpl else "inconsistent")
            )
        elif improvement == "decrease":
            assurance = (
                "consistent_fail" if target < lpl else ("consistent_pass" if target > upl else "inconsistent")
            )
    table = pd.DataFrame(
        {
            "value": v,
            "mean": mean,
            "lpl": lpl,
            "upl": upl,
            "near_lpl": mean - 2 / 3 * 2.66 * amr,
            "near_upl": mean + 2 / 3 * 2.66 * amr,
            "point_type": types,
        }
    )
    return _Spc(table, types[-1] if types else None, assurance)


def _variation(rates: Any, weights: Any = None) -> dict[str, float]:
    r = np.asarray(rates, dtype="float64")
    w = None if weights is None else np.asarray(weights, dtype="float64")
    ok = ~np.isnan(r)
    r = r[ok]
    w = None if w is None else w[ok]
    if not len(r):
        return {"n": 0}
    if w is None or w.sum() <= 0:
        q1, med, q3 = np.quantile(r, [0.25, 0.5, 0.75])
        mean, sd = float(r.mean()), float(r.std(ddof=1)) if len(r) > 1 else 0.0
    else:
        order = np.argsort(r)
        cw = np.cumsum(w[order]) / w.sum()
        q1, med, q3 = (float(r[order][np.searchsorted(cw, q)]) for q in (0.25, 0.5, 0.75))
        mean = float(np.average(r, weights=w))
        sd = float(np.sqrt(np.average((r - mean) ** 2, weights=w)))
    return {
        "median": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "iqr": float(q3 - q1),
        "min": float(r.min()),
        "max": float(r.max()),
        "sd": sd,
        "cv": sd / mean if mean else float("nan"),
        "n": int(len(r)),
    }


def _opportunity(num: Any, den: Any, target: float) -> np.ndarray:
    x = np.asarray(num, dtype="float64")
    n = np.asarray(den, dtype="float64")
    return np.maximum(0, np.ceil(target * n - x - 1e-9)).astype("int64")


# --- the functions pages call ---------------------------------------------------------------------

if INTERIM:
    disclose, wilson_interval, funnel, funnel_limits = _disclose, _wilson, _funnel, _funnel_limits
    spc, variation, opportunity = _spc, _variation, _opportunity
else:
    disclose, wilson_interval, funnel, funnel_limits = (
        _stats.disclose,
        _stats.wilson_interval,
        _stats.funnel,
        _stats.funnel_limits,
    )
    spc, variation, opportunity = _stats.spc, _stats.variation, _stats.opportunity
