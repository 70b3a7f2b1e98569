"""Repeat prescriptions: statins for people with CVD (and many with diabetes or hypertension),
antidiabetic drugs for type 2 diabetes, insulin for type 1 (and some type 2), inhalers for
asthma, issued every 28 to 84 days while registered. Treatment shares are ASSUMPTIONS
(docs/synthetic-data.md).

The asthma register's prevalence is calibrated to QOF's (which counts only people prescribed an
asthma-related drug in the last 12 months), so nearly everyone with an unresolved asthma diagnosis
is treated; people whose asthma is later resolved are left untreated (a simplification)."""

from __future__ import annotations

import numpy as np

from gpqi.synth import codes
from gpqi.synth.buffers import Buffer
from gpqi.synth.calibration import logistic, logit
from gpqi.synth.plan import NetworkPlan, Plan
from gpqi.synth.population import Population, rng_for
from gpqi.synth.timeline import NEVER, YEAR

STATIN_SHARE = {"cvd": 0.80, "diabetes_40": 0.65, "hypertension_50": 0.25}
ANTIDIABETIC_SHARE_T2 = 0.85
INSULIN_SHARE_T2 = 0.12
ASTHMA_TREATED_SHARE = 0.95  # of people with unresolved asthma (ASSUMPTION, see the docstring)
MEDICATION_HISTORY_DAYS = 365  # issues recorded from a year before the start (for "current" look-backs)


def _first(*days: np.ndarray) -> np.ndarray:
    return np.minimum.reduce([d.astype(np.int64) for d in days])


def _issues(
    rng: np.random.Generator,
    pop: Population,
    person: np.ndarray,
    therapy_start: np.ndarray,
    code: np.ndarray,
    interval: np.ndarray,
    quantity: np.ndarray,
    first_day: int,
    last_day: int,
    out: Buffer,
) -> None:
    """Issue every `interval` days from therapy start (or registration) to the end of each registration."""
    for prac, s, e in ((pop.prac1, pop.s1, pop.ref), (pop.prac0, pop.s0, pop.e0)):
        a = np.maximum.reduce([s[person].astype(np.int64), np.full(len(person), first_day), therapy_start])
        b = np.minimum(e[person].astype(np.int64), last_day)
        ok = (prac[person] >= 0) & (a <= b)
        p, a, b, iv = person[ok], a[ok], b[ok], interval[ok]
        # Already on treatment when the registration (or the record) starts: a random phase.
        already = therapy_start[ok] < a
        first = a + np.where(already, np.floor(rng.random(len(p)) * iv).astype(np.int64), 0)
        n = np.where(first <= b, (b - first) // iv + 1, 0)
        rep = np.repeat(np.arange(len(p)), n)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(n) - n, n)
        day = first[rep] + k * iv[rep] + rng.integers(-3, 4, len(rep))
        day = np.clip(day, a[rep], b[rep])
        out.add(
            person=p[rep],
            practice=prac[p[rep]],
            day=day,
            code=code[ok][rep],
            quantity=quantity[ok][rep],
        )


def prescriptions(plan: Plan, net: NetworkPlan, pop: Population, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "medications")
    first_day = plan.start_day - MEDICATION_HISTORY_DAYS
    last_day = plan.end_day
    n = len(pop)
    all_codes = codes.all_codes()
    statin_effect = np.array([p.effects["statin"] for p in net.practices])[pop.prac1]
    u = rng.random(n)

    def share(p: float) -> np.ndarray:
        return logistic(logit(p) + statin_effect)

    cvd_day = _first(pop.diag["chd"], pop.diag["stroke-tia"])
    dm_day = pop.diag["diabetes"].astype(np.int64)
    hyp_day = pop.diag["hypertension"].astype(np.int64)
    age40 = pop.dob.astype(np.int64) + round(40 * YEAR)
    age50 = pop.dob.astype(np.int64) + round(50 * YEAR)
    delay = rng.integers(0, 365, n)
    start = np.full(n, NEVER, dtype=np.int64)
    cvd = (cvd_day != NEVER) & (u < share(STATIN_SHARE["cvd"]))
    start[cvd] = cvd_day[cvd] + delay[cvd] // 6
    dm = (start == NEVER) & (dm_day != NEVER) & (u < share(STATIN_SHARE["diabetes_40"]))
    start[dm] = np.maximum(dm_day[dm], age40[dm]) + delay[dm]
    hyp = (start == NEVER) & (hyp_day != NEVER) & (u < share(STATIN_SHARE["hypertension_50"]))
    start[hyp] = np.maximum(hyp_day[hyp], age50[hyp]) + 2 * delay[hyp]
    person = np.flatnonzero((start != NEVER) & (start <= pop.ref))
    code = codes.choice("statins").sample(rng, len(person))
    interval = np.where(rng.random(len(person)) < 0.6, 28, 56).astype(np.int64)
    _issues(rng, pop, person, start[person], code, interval, interval.astype(float), first_day, last_day, out)

    # Diabetes medicines.
    t1 = pop.type1 & (dm_day != NEVER)
    t2 = ~pop.type1 & (dm_day != NEVER) & (pop.resolved["diabetes"] == NEVER)
    oral = t2 & (rng.random(n) < ANTIDIABETIC_SHARE_T2)
    start = dm_day + rng.integers(0, 180, n)
    person = np.flatnonzero(oral & (start <= pop.ref))
    code = codes.choice("antidiabetic-drugs").sample(rng, len(person))
    qty = np.array([codes.QUANTITY.get(all_codes[c], 28.0) for c in code])
    interval = np.full(len(person), 28, dtype=np.int64)
    _issues(rng, pop, person, start[person], code, interval, qty, first_day, last_day, out)

    insulin = t1 | (t2 & (rng.random(n) < INSULIN_SHARE_T2))
    start = np.where(t1, dm_day, dm_day + rng.integers(2 * 365, 10 * 365, n))
    person = np.flatnonzero(insulin & (start <= pop.ref))
    code = codes.choice("insulin").sample(rng, len(person))
    interval = np.full(len(person), 56, dtype=np.int64)
    _issues(
        rng, pop, person, start[person], code, interval, np.full(len(person), 5.0), first_day, last_day, out
    )

    # Asthma: a reliever or preventer inhaler every 28, 56 or 84 days from diagnosis.
    asthma_day = pop.diag["asthma"].astype(np.int64)
    treated = (
        (asthma_day != NEVER) & (pop.resolved["asthma"] == NEVER) & (rng.random(n) < ASTHMA_TREATED_SHARE)
    )
    start = asthma_day + rng.integers(0, 30, n)
    person = np.flatnonzero(treated & (start <= pop.ref))
    code = codes.choice("asthma-drugs").sample(rng, len(person))
    interval = rng.choice(np.array([28, 56, 84], dtype=np.int64), size=len(person), p=[0.3, 0.4, 0.3])
    _issues(rng, pop, person, start[person], code, interval, np.ones(len(person)), first_day, last_day, out)
