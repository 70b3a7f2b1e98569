"""Long-term conditions: who is on each register, since when, and the calibration that sets it.

Model: the chance that a person of age a, sex s and IMD decile d is on a register is
logistic(alpha + beta*(a-60) + gamma*male + delta[d] + sigma*z), with z a per-person latent risk
shared by the cardiometabolic conditions (so they cluster). The age slope and sex effect are
ASSUMPTIONS (shape only); the level alpha is solved for every run so the expected whole-programme
recorded prevalence equals the QOF 2019-20 England figure, and the decile effects delta are
solved once so that, on England's own practice mix, prevalence by patient IMD decile reproduces
the published QOF 2019-20 deprivation gradient.

Read as a cumulative incidence, the same curve gives each person's diagnosis age: conditional on
being on the register at age a, the onset age x solves p(x) = U*p(a).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import brentq

from gpqi.synth.demography import AGES, age_sex_distribution, decile_distribution
from gpqi.synth.reference import national_prevalence, practice_profiles, prevalence_by_imd_decile


@dataclass(frozen=True)
class Condition:
    key: str  # CDM codelist slug of the register
    qof: str  # QOF group code in the reference tables
    min_age: int  # youngest age anyone is on the register
    denominator_min_age: int  # the QOF list the prevalence is measured on (0 = whole list)
    beta: float  # log-odds per year of age (ASSUMPTION)
    gamma_male: float  # log-odds male vs female (ASSUMPTION)
    sigma: float  # SD of the shared cardiometabolic latent risk on this condition (0 = independent)
    death_odds: float  # odds multiplier for people who died in the period (ASSUMPTION)
    resolved: str | None = None  # codelist slug of the resolved code
    resolved_ratio: float = 0.0  # resolved people per person on the register (ASSUMPTION)


CONDITIONS: tuple[Condition, ...] = (
    Condition("hypertension", "HYP", 18, 0, 0.075, 0.10, 0.7, 1.3, "hypertension-resolved", 0.03),
    Condition("diabetes", "DM", 17, 17, 0.045, 0.30, 0.7, 1.5, "diabetes-resolved", 0.01),
    Condition("asthma", "AST", 5, 0, -0.004, -0.10, 0.0, 1.2, "asthma-resolved", 0.25),
    Condition("chd", "CHD", 30, 0, 0.085, 0.70, 0.7, 1.8),
    Condition("atrial-fibrillation", "AF", 30, 0, 0.100, 0.40, 0.5, 1.8),
    Condition("copd", "COPD", 35, 0, 0.070, 0.10, 0.0, 2.0, "copd-resolved", 0.01),
    Condition("stroke-tia", "STIA", 30, 0, 0.085, 0.20, 0.7, 1.8),
    Condition("heart-failure", "HF", 40, 0, 0.100, 0.40, 0.7, 2.5),
    Condition("ckd", "CKD", 18, 18, 0.100, -0.20, 0.7, 1.8),
)
BY_KEY = {c.key: c for c in CONDITIONS}

_NODES, _WEIGHTS = hermegauss(12)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _cell_probability(c: Condition, alpha: float, delta: np.ndarray) -> np.ndarray:
    """Mean P(on register) over the latent risk, by [sex, age, decile]."""
    lin = (
        alpha
        + c.beta * (AGES + 0.5 - 60.0)[None, :, None]  # ages within a year average a + 0.5
        + c.gamma_male * np.array([0.0, 1.0])[:, None, None]
        + delta[None, None, :]
    )
    if c.sigma > 0:
        p = (_logistic(lin[..., None] + c.sigma * _NODES) * _WEIGHTS).sum(axis=-1)
    else:
        p = _logistic(lin)
    return np.where((c.min_age <= AGES)[None, :, None], p, 0.0)


def _prevalence(c: Condition, alpha: float, delta: np.ndarray, w: np.ndarray, axis=None) -> np.ndarray:
    """Register / relevant list for population weights w[sex, age, decile]."""
    in_list = (c.denominator_min_age <= AGES)[None, :, None]
    p = _cell_probability(c, alpha, delta)
    num = (w * p * in_list).sum(axis=axis)
    den = (w * in_list).sum(axis=axis)
    return num / den


def _solve_alpha(c: Condition, target: float, delta: np.ndarray, w: np.ndarray) -> float:
    return float(brentq(lambda a: _prevalence(c, a, delta, w) - target, -25.0, 15.0, xtol=1e-7))


def population_weights(rows: np.ndarray, list_sizes: np.ndarray, imd_scores: np.ndarray) -> np.ndarray:
    """Expected head-count by [sex, age, decile] for practices built from these profile rows."""
    pi = age_sex_distribution(practice_profiles(), rows)  # [p, s, a]
    q = decile_distribution(imd_scores)  # [p, d]
    return np.einsum("p,psa,pd->sad", list_sizes.astype(float), pi, q)


@cache
def england_weights() -> np.ndarray:
    """Head-count by [sex, age, decile] over all English practice profiles."""
    prof = practice_profiles()
    return population_weights(np.arange(len(prof)), prof.list_size, prof.imd_score)


@cache
def decile_effects() -> dict[str, np.ndarray]:
    """delta[d] per condition, fitted on all English practice profiles to the published gradient."""
    w = england_weights()
    targets = prevalence_by_imd_decile()
    national = national_prevalence()
    out = {}
    for c in CONDITIONS:
        delta = np.zeros(10)
        for _ in range(50):
            alpha = _solve_alpha(c, national[c.qof], delta, w)
            by_decile = _prevalence(c, alpha, delta, w, axis=(0, 1))
            step = _logit(targets[c.qof]) - _logit(by_decile)
            delta = delta + step - step.mean()
            if np.abs(step).max() < 1e-5:
                break
        out[c.key] = delta
    return out


@dataclass(frozen=True)
class Fit:
    alpha: float
    delta: np.ndarray  # by decile 1..10


def fit(w: np.ndarray) -> dict[str, Fit]:
    """Level and decile effects per condition for population w[sex, age, decile]: expected
    prevalence equals the England figure overall and follows the published gradient by decile.

    Starting from the England fit, the decile effects are re-fitted to this run's own practices
    (deciles holding under 0.5% of the people keep the England value), so the gradient holds in
    expectation even when a few practices with unusual age structures fill a decile.
    """
    national = national_prevalence()
    targets = prevalence_by_imd_decile()
    england = decile_effects()
    people = w.sum(axis=(0, 1))
    usable = people / people.sum() >= 0.005
    out = {}
    for c in CONDITIONS:
        in_list = (c.denominator_min_age <= AGES)[None, :, None]
        share = (w * in_list).sum(axis=(0, 1))
        share = share / share.sum()
        # The published gradient, rescaled so this run's decile mix averages the England figure.
        target = targets[c.qof] * national[c.qof] / float(share @ targets[c.qof])
        delta = england[c.key].copy()
        alpha = _solve_alpha(c, national[c.qof], delta, w)
        for _ in range(50):
            by_decile = _prevalence(c, alpha, delta, w, axis=(0, 1))
            step = np.where(usable, _logit(target) - _logit(by_decile), 0.0)
            delta = np.clip(delta + step, england[c.key] - 1.0, england[c.key] + 1.0)
            delta -= delta.mean() - england[c.key].mean()
            alpha = _solve_alpha(c, national[c.qof], delta, w)
            if np.abs(step).max() < 1e-4:
                break
        out[c.key] = Fit(alpha, delta)
    return out


def expected_prevalence(w: np.ndarray, fits: dict[str, Fit]) -> dict[str, float]:
    return {c.key: float(_prevalence(c, fits[c.key].alpha, fits[c.key].delta, w)) for c in CONDITIONS}


def probability(
    c: Condition, f: Fit, age: np.ndarray, male: np.ndarray, decile: np.ndarray, z: np.ndarray
) -> np.ndarray:
    """P(on register) for individuals (age in years, decile 1..10, latent z ~ N(0,1))."""
    lin = f.alpha + c.beta * (age - 60.0) + c.gamma_male * male + f.delta[decile - 1] + c.sigma * z
    return np.where(age >= c.min_age, _logistic(lin), 0.0)


def onset_age(rng: np.random.Generator, c: Condition, p_now: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Age at diagnosis for people on the register now (p_now = their current probability)."""
    u = rng.random(len(age))
    if c.beta <= 0.01:  # asthma: mostly diagnosed in childhood
        return np.clip(3.0 + (age - 3.0) * u**1.5, min(c.min_age, 3), age)
    x = age - (_logit(p_now) - _logit(u * p_now)) / c.beta
    return np.clip(x, min(c.min_age, 3), age)
