"""Pregnancies (last-menstrual-period and pregnancy codes), pertussis vaccination in pregnancy,
seasonal flu vaccination by eligible group, and childhood MMR.

Uptake targets are published UKHSA figures (targets.py), reached in expectation through a
logistic model with practice-level variation (and, for flu, a per-person tendency that makes
the same people come back each year). Fertility and pregnancy outcomes are ASSUMPTIONS.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache

import numpy as np

from gpqi.synth import codes
from gpqi.synth.buffers import Buffer
from gpqi.synth.calibration import intercept_for, logistic
from gpqi.synth.exposure import Slices, poisson_events
from gpqi.synth.plan import EFFECT_SD, NetworkPlan, Plan
from gpqi.synth.population import Population, rng_for
from gpqi.synth.targets import (
    FLU_UPTAKE,
    FLU_UPTAKE_OTHER_ADULTS,
    MMR1_BY_24_MONTHS,
    MMR2_BY_5_YEARS,
    PERTUSSIS_UPTAKE,
)
from gpqi.synth.timeline import YEAR, to_day, whole_years

# Recorded pregnancies per woman-year by age. ASSUMPTION approximating ONS age-specific fertility
# (England ~ 57 births per 1,000 women aged 15-44) plus early losses.
PREGNANCY_RATE = ((15, 0.025), (20, 0.07), (25, 0.11), (30, 0.12), (35, 0.07), (40, 0.018), (45, 0.0))
# Pregnancy outcomes. ASSUMPTION: 15% end before 12 weeks, 5% between 12 and 28, the rest at term.
EARLY_LOSS, LATE_LOSS = 0.15, 0.05
# First antenatal contact, when the LMP is recorded: 8-12 weeks. ASSUMPTION. Pregnancies that end
# before it are never recorded.
BOOKING_DAYS = (56, 85)
FLU_PERSON_SD = 1.5  # the same people tend to be vaccinated every year
FLU_MONTH_SHARE = {9: 0.10, 10: 0.45, 11: 0.25, 12: 0.12, 1: 0.05, 2: 0.03}  # ASSUMPTION
FLU_RISK_REGISTERS = ("diabetes", "asthma", "copd", "chd", "ckd", "stroke-tia", "heart-failure")


def _effect(net: NetworkPlan, key: str) -> np.ndarray:
    return np.array([p.effects[key] for p in net.practices])


def _durations(rng: np.random.Generator, n: int) -> np.ndarray:
    u = rng.random(n)
    return np.where(
        u < EARLY_LOSS,
        rng.integers(49, 84, n),
        np.where(u < EARLY_LOSS + LATE_LOSS, rng.integers(84, 196, n), rng.integers(259, 295, n)),
    )


@cache
def _share_reaching_32_weeks() -> float:
    """Of recorded pregnancies (still ongoing at booking), the share that reach 32 weeks."""
    rng = np.random.default_rng(0)
    dur = _durations(rng, 200_000)
    booking = rng.integers(BOOKING_DAYS[0], BOOKING_DAYS[1], len(dur))
    recorded = booking < dur
    return float(np.mean(dur[recorded] >= 224))


class Pregnancies:
    def __init__(self, person: np.ndarray, lmp: np.ndarray, end: np.ndarray) -> None:
        self.person, self.lmp, self.end = person, lmp, end


def pregnancies(plan: Plan, net: NetworkPlan, pop: Population, sl: Slices, out: Buffer) -> Pregnancies:
    rng = rng_for(plan, net.index, "pregnancy")
    first = plan.start_day - 365
    age = sl.age(pop)
    rate = np.zeros(len(sl))
    for lo, r in PREGNANCY_RATE:
        rate[age >= lo] = r
    rate[(age < 15) | (pop.male[sl.person] == 1) | (sl.t1 < first)] = 0.0
    rows = np.flatnonzero(rate > 0)
    s_idx, lmp = poisson_events(rng, sl, rows, rate[rows])
    person = sl.person[s_idx]
    order = np.lexsort((lmp, person))
    person, lmp = person[order], lmp[order]
    # One pregnancy at a time: drop conceptions within 300 days of the previous one.
    same = np.r_[False, person[1:] == person[:-1]]
    gap = np.r_[np.inf, np.diff(lmp)]
    keep = ~(same & (gap < 300))
    person, lmp = person[keep], lmp[keep]
    n = len(person)
    dur = _durations(rng, n)
    booking = lmp + rng.integers(BOOKING_DAYS[0], BOOKING_DAYS[1], n)
    prac = pop.practice_at(person, booking)
    ok = (booking <= plan.end_day) & (prac >= 0) & (booking < lmp + dur)
    person, lmp, dur, booking, prac = person[ok], lmp[ok], dur[ok], booking[ok], prac[ok]
    out.add(
        person=person,
        practice=prac,
        day=lmp,
        code=codes.choice("last-menstrual-period").first,
        value=np.nan,
        unit=0,
    )
    out.add(
        person=person,
        practice=prac,
        day=booking,
        code=codes.choice("pregnancy").sample(rng, len(person)),
        value=np.nan,
        unit=0,
    )
    return Pregnancies(person, lmp, lmp + dur)


def pertussis(plan: Plan, net: NetworkPlan, pop: Population, preg: Pregnancies, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "pertussis")
    # Searches count pregnancies by LMP (no outcome codes), so some that "reach 32 weeks" were in
    # fact lost: uptake among real 32-week pregnancies is raised so the LMP-based share hits target.
    alpha = intercept_for(min(0.95, PERTUSSIS_UPTAKE / _share_reaching_32_weeks()), EFFECT_SD["pertussis"])
    reach32 = (preg.end - preg.lmp) >= 224
    weeks = 16 + 16 * rng.beta(2.0, 3.0, len(preg.person))
    day = preg.lmp + np.round(weeks * 7).astype(np.int64)
    prac = pop.practice_at(preg.person, day)
    eff = np.where(prac >= 0, _effect(net, "pertussis")[np.maximum(prac, 0)], 0.0)
    given = reach32 & (rng.random(len(day)) < logistic(alpha + eff)) & (day <= plan.end_day)
    out.add(
        person=preg.person[given],
        practice=prac[given],
        day=day[given],
        code=codes.choice("pertussis-vaccination-pregnancy").sample(rng, int(given.sum())),
    )


def _season_day(rng: np.random.Generator, year: int, n: int) -> np.ndarray:
    """Vaccination days in the season starting 1 Sep `year`, by the monthly shares."""
    months = list(FLU_MONTH_SHARE)
    p = np.array(list(FLU_MONTH_SHARE.values()))
    starts = [dt.date(year + (m < 9), m, 1) for m in months] + [dt.date(year + 1, 3, 1)]
    first = np.array([to_day(d) for d in starts])
    k = rng.choice(len(months), size=n, p=p / p.sum())
    return first[k] + np.floor(rng.random(n) * (first[k + 1] - first[k])).astype(np.int64)


def flu(plan: Plan, net: NetworkPlan, pop: Population, preg: Pregnancies, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "flu")
    person_u = rng_for(plan, net.index, "flu-latent").standard_normal(len(pop)) * FLU_PERSON_SD
    sd = math.hypot(EFFECT_SD["flu"], FLU_PERSON_SD)
    alpha = {g: intercept_for(t, sd) for g, t in FLU_UPTAKE.items()}
    alpha["other"] = intercept_for(FLU_UPTAKE_OTHER_ADULTS, sd)
    eff = _effect(net, "flu")
    first_start = pop.first_start.astype(np.int64)
    last = pop.ref.astype(np.int64)
    start_year = plan.config.start.year - 1
    for year in range(start_year, plan.config.end.year + 1):
        a = to_day(dt.date(year, 9, 1))
        b = to_day(dt.date(year + 1, 3, 1)) - 1
        if a > plan.end_day or b < plan.start_day:
            continue
        reg_a = np.maximum(first_start, a)
        reg_b = np.minimum.reduce([last, np.full(len(pop), b), np.full(len(pop), plan.end_day)])
        idx = np.flatnonzero(reg_a <= reg_b)
        age_mar = whole_years(pop.dob[idx], to_day(dt.date(year + 1, 3, 31)))
        age_aug = whole_years(pop.dob[idx], to_day(dt.date(year, 8, 31)))
        risk = np.zeros(len(idx), dtype=bool)
        for k in FLU_RISK_REGISTERS:
            risk |= pop.has(k, idx, np.full(len(idx), a))
        # pregnant at some time in the season
        overlap = (preg.lmp <= b) & (preg.end >= a)
        pregnant_people = np.unique(preg.person[overlap])
        pregnant = np.isin(idx, pregnant_people)
        group = np.select(
            [age_mar >= 65, pregnant, risk & (age_mar < 65), (age_aug >= 2) & (age_aug <= 3), age_mar >= 18],
            [1, 2, 3, 4, 5],
            0,
        )
        alphas = np.array(
            [-np.inf, alpha["65_plus"], alpha["pregnant"], alpha["at_risk"], alpha["age_2_3"], alpha["other"]]
        )
        home = pop.practice_at(idx, reg_a[idx])
        home = np.where(home >= 0, home, pop.prac1[idx])
        p = logistic(alphas[group] + eff[home] + person_u[idx])
        vacc = (group > 0) & (rng.random(len(idx)) < p)
        v = idx[vacc]
        day = _season_day(rng, year, len(v))
        lo, hi = reg_a[v], reg_b[v]
        # Pregnant women are vaccinated during the pregnancy.
        is_preg = group[vacc] == 2
        if is_preg.any():
            sel = np.flatnonzero(overlap)
            order = np.argsort(preg.person[sel], kind="stable")
            uniq, first_idx = np.unique(preg.person[sel][order], return_index=True)
            chosen = sel[order[first_idx[np.searchsorted(uniq, v[is_preg])]]]
            lo_p = np.maximum(lo[is_preg], preg.lmp[chosen] + 28)
            hi_p = np.minimum(hi[is_preg], preg.end[chosen])
            fits = lo_p <= hi_p
            lo, hi = lo.copy(), hi.copy()
            lo[is_preg] = np.where(fits, lo_p, lo[is_preg])
            hi[is_preg] = np.where(fits, hi_p, hi[is_preg])
        outside = (day < lo) | (day > hi)
        day = np.where(outside, lo + np.floor(rng.random(len(v)) * (hi - lo + 1)).astype(np.int64), day)
        prac = pop.practice_at(v, day)
        child = group[vacc] == 4
        code = np.where(
            child,
            codes.choice("flu-vaccination-child").first,
            codes.choice("flu-vaccination").sample(rng, len(v)),
        )
        out.add(person=v, practice=prac, day=day, code=code)


def mmr(plan: Plan, net: NetworkPlan, pop: Population, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "mmr")
    first = plan.start_day - round(10 * YEAR)
    idx = np.flatnonzero(pop.dob.astype(np.int64) + 365 >= first - 5 * 365)
    n = len(idx)
    eff = _effect(net, "mmr")[pop.first_practice[idx]]
    a1 = intercept_for(MMR1_BY_24_MONTHS, EFFECT_SD["mmr"])
    got1 = rng.random(n) < logistic(a1 + eff)
    got2 = got1 & (rng.random(n) < MMR2_BY_5_YEARS / MMR1_BY_24_MONTHS)
    dob = pop.dob[idx].astype(np.int64)
    d1 = dob + 365 + np.round(rng.exponential(45, n)).astype(np.int64)
    d2 = dob + round(40 / 12 * YEAR) + np.round(rng.exponential(60, n)).astype(np.int64)
    for got, day in ((got1, d1), (got2, d2)):
        ok = got & (day >= first) & (day <= plan.end_day)
        p, d = idx[ok], day[ok]
        out.add(
            person=p,
            practice=pop.recording_practice(p, d),
            day=d,
            code=codes.choice("mmr-vaccine").sample(rng, len(p)),
        )
