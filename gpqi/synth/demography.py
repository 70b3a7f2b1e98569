"""Age, sex, deprivation, mortality and turnover: the demographic model behind every practice.

Practice age structure comes from the published age bands of a real practice (drawn from the
bundled profiles); within a band ages are spread evenly, except 65+ which follows the survival
curve of the mortality model below (a stationary population). Mortality, turnover and the
within-practice spread of patient IMD deciles are modelling assumptions (documented in
docs/synthetic-data.md), not published figures.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.stats import norm

from gpqi.synth.reference import PracticeProfiles, practice_profiles

MAX_AGE = 104
AGES = np.arange(MAX_AGE + 1)
N_AGES = MAX_AGE + 1

# Mortality (per person-year): a Gompertz curve for adults with fixed childhood rates, sex ratios
# applied. ASSUMPTION approximating ONS national life tables (England 2017-19); not in the
# reference files.
_GOMPERTZ_A = 1.25e-5
_GOMPERTZ_B = 0.101
_MALE_RATIO = 1.3
_FEMALE_RATIO = 0.78


@cache
def mortality() -> np.ndarray:
    """Annual death probability by [sex (0 female, 1 male), age]."""
    base = np.where(AGES >= 30, np.maximum(6e-4, _GOMPERTZ_A * np.exp(_GOMPERTZ_B * AGES)), 4e-4)
    base = np.where(AGES < 15, 1.2e-4, base)
    base[0] = 4e-3
    out = np.vstack([base * _FEMALE_RATIO, base * _MALE_RATIO])
    out[:, MAX_AGE] = 1.0  # nobody outlives the table
    return np.minimum(out, 1.0)


@cache
def survival_from_65() -> np.ndarray:
    """Survival from 65 by [sex, age] (0 below 65): the 65+ age shape of a stationary population."""
    m = mortality()
    out = np.zeros((2, N_AGES))
    for s in (0, 1):
        surv = np.cumprod(np.concatenate([[1.0], 1 - m[s, 65:MAX_AGE]]))
        out[s, 65:] = surv
    return out


# Annual probability of leaving a practice (moving away), by age. ASSUMPTION: list turnover of
# roughly 6-8% a year, highest in young adults; not in the reference files.
_TURNOVER_BANDS = ((0, 0.06), (18, 0.15), (25, 0.13), (35, 0.08), (45, 0.05), (65, 0.03), (80, 0.04))


@cache
def turnover() -> np.ndarray:
    out = np.zeros(N_AGES)
    for lo, rate in _TURNOVER_BANDS:
        out[lo <= AGES] = rate
    return out


# A stationary population has too many very old people (older cohorts were smaller and died
# younger), so the 65+ shape is tilted by exp(-0.03 * (age - 65)). ASSUMPTION: this gives about
# 54% aged 65-74, 32% 75-84 and 14% 85+, close to ONS mid-2020 England (53/33/14; not in the
# reference files).
_OLD_AGE_TILT = 0.03


def age_sex_distribution(profiles: PracticeProfiles, rows: np.ndarray) -> np.ndarray:
    """pmf over [practice, sex, age] for the chosen profile rows (each practice sums to 1)."""
    surv = survival_from_65() * np.exp(-_OLD_AGE_TILT * np.maximum(AGES - 65, 0))[None, :]
    surv_both = surv.sum(axis=0)
    share_65_74 = surv_both[65:75].sum() / surv_both[65:].sum()
    n = len(rows)
    counts = np.zeros((n, N_AGES))
    n18_49 = profiles.n_18_49[rows]
    n30_49 = profiles.n_30_74[rows] - profiles.n_50_64[rows] - share_65_74 * profiles.n_65_plus[rows]
    n30_49 = np.clip(n30_49, 0.35 * n18_49, 0.85 * n18_49)
    bands = (
        (0, 16, profiles.n_0_15[rows]),
        (16, 18, profiles.n_16_17[rows]),
        (18, 30, n18_49 - n30_49),
        (30, 50, n30_49),
        (50, 65, profiles.n_50_64[rows]),
    )
    for lo, hi, total in bands:
        counts[:, lo:hi] = (total / (hi - lo))[:, None]
    counts[:, 65:] = profiles.n_65_plus[rows][:, None] * (surv_both[65:] / surv_both[65:].sum())[None, :]
    # Sex: even below 65 (51% boys among children); above 65 the ratio of the sexes' survival.
    male = np.full(N_AGES, 0.5)
    male[:18] = 0.51
    male[65:] = surv[1, 65:] / surv_both[65:]
    out = np.stack([counts * (1 - male)[None, :], counts * male[None, :]], axis=1)
    return out / out.sum(axis=(1, 2), keepdims=True)


# Within a practice, patients' home-LSOA IMD deciles spread around the decile implied by the
# practice's IMD score rank. ASSUMPTION (spread SD 1.6 deciles).
_DECILE_SD = 1.6


def imd_percentile(scores: np.ndarray) -> np.ndarray:
    """Rank of a practice IMD score among all English practices (0 = least deprived, 1 = most)."""
    ref = practice_profiles().imd_score
    return np.searchsorted(ref, scores, side="right") / len(ref)


def decile_distribution(scores: np.ndarray) -> np.ndarray:
    """pmf over [practice, decile 1..10] of patients' IMD deciles (decile 1 = most deprived)."""
    centre = 10.5 - 10.0 * imd_percentile(np.asarray(scores, dtype=float))
    edges = np.arange(1.5, 10.5, 1.0)  # 1.5 .. 9.5
    cdf = norm.cdf((edges[None, :] - centre[:, None]) / _DECILE_SD)
    cdf = np.hstack([np.zeros((len(centre), 1)), cdf, np.ones((len(centre), 1))])
    return np.diff(cdf, axis=1)
