"""Small numerical helpers for calibrating logistic models to published rates."""

from __future__ import annotations

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import brentq

_NODES, _WEIGHTS = hermegauss(16)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def logistic(x: np.ndarray | float) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def mean_logistic(x: np.ndarray | float, sd: float) -> np.ndarray:
    """E[logistic(x + sd*Z)], Z ~ N(0, 1) (Gauss-Hermite)."""
    x = np.asarray(x, dtype=float)
    if sd <= 0:
        return logistic(x)
    return (logistic(x[..., None] + sd * _NODES) * _WEIGHTS).sum(axis=-1)


def intercept_for(target: float, sd: float) -> float:
    """The intercept a with E[logistic(a + sd*Z)] = target: a mean rate under random variation."""
    return float(brentq(lambda a: float(mean_logistic(a, sd)) - target, -30.0, 30.0, xtol=1e-9))
