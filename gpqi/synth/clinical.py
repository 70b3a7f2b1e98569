"""Clinical events: diagnoses and resolutions, BP and HbA1c with values, pulse-rhythm checks,
smoking status, asthma/COPD reviews, medication reviews, CVD risk scores, palliative care.

Rates are per person-year with practice-level variation (plan.EFFECT_SD); the improvement
programme raises pulse checks in people aged 65+ (and, a little, BP control in diabetes and CHD)
in the chosen networks from the programme start. Values and rates are ASSUMPTIONS except where
targets.py names a published figure; docs/synthetic-data.md lists them with measured results.
"""

from __future__ import annotations

import math

import numpy as np

from gpqi.synth import codes
from gpqi.synth.buffers import MMHG, MMOL_MOL, PERCENT, Buffer
from gpqi.synth.calibration import intercept_for, logistic
from gpqi.synth.conditions import CONDITIONS
from gpqi.synth.exposure import Slices, poisson_events, ramp
from gpqi.synth.plan import NetworkPlan, Plan
from gpqi.synth.population import DIED, Population, rng_for
from gpqi.synth.targets import (
    DM_HBA1C_CONTROLLED,
    HYP_BP_UNDER_80_CONTROLLED,
    PULSE_CHECK_BASELINE,
)
from gpqi.synth.timeline import NEVER, YEAR, to_day

BP_REGISTERS = (
    "hypertension",
    "diabetes",
    "chd",
    "stroke-tia",
    "ckd",
    "heart-failure",
    "atrial-fibrillation",
)
# BP readings per person-year. ASSUMPTION: people on a register ~2 a year (about 85% measured in
# any 12 months), others aged 45+ often enough that ~90% have one within 5 years.
BP_RATE_REGISTER = 1.9
BP_RATE_45_PLUS = 0.4
BP_RATE_18_44 = 0.12
BP_DECLINED_RATE = 0.02
BP_LATENT_SD = 0.8  # person-level tendency to be controlled
PROGRAMME_BP_UPLIFT = 0.4  # logit uplift in BP control for diabetes/CHD in programme practices
HBA1C_RATE_DIABETES = 2.0
HBA1C_RATE_SCREEN = 0.06  # others aged 40+
HBA1C_LATENT_SD = 0.8
PULSE_PROGRAMME_RATE = 1.0  # checks per person-year aged 65+ once the programme is under way
PULSE_PROGRAMME_RAMP_YEARS = 1.0
PULSE_TURNOVER_ALLOWANCE = 1.22
SMOKING_RATE_ADULT = 0.15
SMOKING_RATE_REGISTER = 0.9
ASTHMA_REVIEW_RATE = 1.0
COPD_REVIEW_RATE = 1.1
MEDICATION_REVIEW_RATE = 0.85
CVD_RISK_RATE_REGISTER = 0.3
CVD_RISK_RATE_OTHER = 0.03
PALLIATIVE_SHARE_OF_DEATHS = 0.35


def _measured_share(rate: float, sd_log: float) -> float:
    """P(at least one event in 12 months) for a Poisson rate with lognormal practice variation."""
    z = np.random.default_rng(0).standard_normal(20_000)
    return float(np.mean(1 - np.exp(-rate * np.exp(sd_log * z - sd_log**2 / 2))))


def control_intercepts() -> tuple[float, float]:
    """Intercepts so that QOF-style achievement (measured AND controlled) hits the targets."""
    from gpqi.synth.plan import EFFECT_SD

    bp_measured = _measured_share(BP_RATE_REGISTER, EFFECT_SD["bp_rate"])
    hb_measured = _measured_share(HBA1C_RATE_DIABETES, EFFECT_SD["hba1c_rate"])
    bp = intercept_for(
        min(0.95, HYP_BP_UNDER_80_CONTROLLED / bp_measured), math.hypot(EFFECT_SD["bp_control"], BP_LATENT_SD)
    )
    hb = intercept_for(
        min(0.95, DM_HBA1C_CONTROLLED / hb_measured), math.hypot(EFFECT_SD["hba1c_control"], HBA1C_LATENT_SD)
    )
    return bp, hb


def _effect(net: NetworkPlan, key: str) -> np.ndarray:
    return np.array([p.effects[key] for p in net.practices])


def _programme(net: NetworkPlan) -> np.ndarray:
    return np.array([p.in_programme for p in net.practices])


def diagnoses(plan: Plan, net: NetworkPlan, pop: Population, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "diagnoses")
    for c in CONDITIONS:
        diag = pop.diag[c.key]
        idx = np.flatnonzero(diag != NEVER)
        day = diag[idx].astype(np.int64)
        if c.key == "diabetes":
            t1 = pop.type1[idx]
            typed = rng.random(len(idx)) < 0.9
            code = np.where(
                t1,
                codes.choice("diabetes-type1").first,
                np.where(typed, codes.choice("diabetes-type2").first, codes.choice("diabetes").first),
            )
        elif c.key == "stroke-tia":
            code = np.where(
                pop.stroke[idx],
                codes.choice("stroke").sample(rng, len(idx)),
                codes.choice("tia").sample(rng, len(idx)),
            )
        else:
            code = codes.choice(c.key).sample(rng, len(idx))
        out.add(
            person=idx, practice=pop.recording_practice(idx, day), day=day, code=code, value=np.nan, unit=0
        )
        if c.resolved:
            res = pop.resolved[c.key]
            idx = np.flatnonzero(res != NEVER)
            day = res[idx].astype(np.int64)
            out.add(
                person=idx,
                practice=pop.recording_practice(idx, day),
                day=day,
                code=codes.choice(c.resolved).first,
                value=np.nan,
                unit=0,
            )


def _registers_at(pop: Population, person: np.ndarray, day: np.ndarray, keys) -> np.ndarray:
    on = np.zeros(len(person), dtype=bool)
    for k in keys:
        on |= pop.has(k, person, day)
    return on


def blood_pressure(plan: Plan, net: NetworkPlan, pop: Population, sl: Slices, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "blood-pressure")
    bp_alpha, _ = control_intercepts()
    rate_mult = _effect(net, "bp_rate")[sl.practice]
    age = sl.age(pop)
    on_reg = _registers_at(pop, sl.person, sl.mid, BP_REGISTERS)
    rate = np.where(
        on_reg, BP_RATE_REGISTER, np.where(age >= 45, BP_RATE_45_PLUS, np.where(age >= 18, BP_RATE_18_44, 0))
    )
    rows = np.flatnonzero(rate > 0)
    s_idx, day = poisson_events(rng, sl, rows, (rate * rate_mult)[rows])
    person = sl.person[s_idx]
    prac = sl.practice[s_idx]
    n = len(person)
    latent = rng_for(plan, net.index, "bp-latent").standard_normal(len(pop))[person] * BP_LATENT_SD
    managed = _registers_at(
        pop, person, day, ("hypertension", "diabetes", "chd", "stroke-tia", "ckd", "heart-failure")
    )
    uplift_keys = _registers_at(pop, person, day, ("diabetes", "chd"))
    uplift = np.where(
        _programme(net)[prac] & uplift_keys,
        PROGRAMME_BP_UPLIFT * ramp(day, to_day(plan.programme_start), 3.0),
        0.0,
    )
    p_ctrl = logistic(bp_alpha + _effect(net, "bp_control")[prac] + latent + uplift)
    controlled = rng.random(n) < p_ctrl
    a = (day - pop.dob[person]) / YEAR
    # Controlled: <= 140/90. Uncontrolled: mostly systolic above 140, some diastolic above 90.
    sys_c = np.clip(np.round(rng.normal(128, 7, n)), 95, 140)
    dia_c = np.clip(np.round(rng.normal(77, 6, n)), 50, 90)
    high_sys = rng.random(n) < 0.75
    sys_u = np.where(
        high_sys,
        np.minimum(141 + np.round(rng.exponential(13, n)), 230),
        np.clip(np.round(rng.normal(132, 6, n)), 100, 140),
    )
    dia_u = np.where(
        high_sys,
        np.clip(np.round(rng.normal(85, 9, n)), 55, 125),
        np.minimum(91 + np.round(rng.exponential(5, n)), 130),
    )
    sys_n = np.clip(np.round(rng.normal(112 + 0.45 * np.maximum(0, a - 30), 12)), 85, 200)
    dia_n = np.clip(np.round(rng.normal(72 + 0.12 * np.maximum(0, a - 30), 8)), 45, 115)
    systolic = np.where(managed, np.where(controlled, sys_c, sys_u), sys_n)
    diastolic = np.where(managed, np.where(controlled, dia_c, dia_u), dia_n)
    which = rng.choice(len(codes.choice("systolic-bp").index), size=n, p=codes.choice("systolic-bp").p)
    out.add(
        person=person,
        practice=prac,
        day=day,
        code=codes.choice("systolic-bp").index[which],
        value=systolic,
        unit=MMHG,
    )
    out.add(
        person=person,
        practice=prac,
        day=day,
        code=codes.choice("diastolic-bp").index[which],
        value=diastolic,
        unit=MMHG,
    )
    # BP declined (QOF exception) among people on a register.
    rows = np.flatnonzero(on_reg)
    s_idx, day = poisson_events(rng, sl, rows, np.full(len(rows), BP_DECLINED_RATE))
    out.add(
        person=sl.person[s_idx],
        practice=sl.practice[s_idx],
        day=day,
        code=codes.choice("bp-declined").first,
        value=np.nan,
        unit=0,
    )


def hba1c(plan: Plan, net: NetworkPlan, pop: Population, sl: Slices, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "hba1c")
    _, hb_alpha = control_intercepts()
    age = sl.age(pop)
    dm = pop.has("diabetes", sl.person, sl.mid)
    rate = np.where(dm, HBA1C_RATE_DIABETES, np.where(age >= 40, HBA1C_RATE_SCREEN, 0.0))
    rate = rate * np.where(dm, _effect(net, "hba1c_rate")[sl.practice], 1.0)
    rows = np.flatnonzero(rate > 0)
    s_idx, day = poisson_events(rng, sl, rows, rate[rows])
    person = sl.person[s_idx]
    prac = sl.practice[s_idx]
    n = len(person)
    dm_now = pop.has("diabetes", person, day)
    latent = rng_for(plan, net.index, "hba1c-latent").standard_normal(len(pop))[person] * HBA1C_LATENT_SD
    controlled = rng.random(n) < logistic(hb_alpha + _effect(net, "hba1c_control")[prac] + latent)
    v_c = np.clip(np.round(rng.normal(51, 4.5, n)), 38, 58)
    v_u = np.minimum(59 + np.round(rng.exponential(12, n)), 150)
    v_n = np.clip(np.round(rng.normal(38, 3.5, n)), 25, 47)
    value = np.where(dm_now, np.where(controlled, v_c, v_u), v_n)
    out.add(
        person=person, practice=prac, day=day, code=codes.choice("hba1c").first, value=value, unit=MMOL_MOL
    )


def pulse_checks(plan: Plan, net: NetworkPlan, pop: Population, sl: Slices, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "pulse")
    # A third checked within any 5 years; list turnover and people turning 65 dilute coverage, so
    # the rate is raised by PULSE_TURNOVER_ALLOWANCE (measured on a default run).
    base = -math.log(1 - PULSE_CHECK_BASELINE) / 5.0 * PULSE_TURNOVER_ALLOWANCE
    age = sl.age(pop)
    rows = np.flatnonzero(age >= 60)
    prac = sl.practice[rows]
    lam0 = base * _effect(net, "pulse_rate")[prac]
    # Programme practices converge on a common high rate (variation between them falls).
    target = PULSE_PROGRAMME_RATE * np.exp(
        rng_for(plan, net.index, "pulse-target").normal(0, 0.08, len(net.practices))
    )
    r = ramp(sl.mid[rows], to_day(plan.programme_start), PULSE_PROGRAMME_RAMP_YEARS)
    in_prog = _programme(net)[prac] & (age[rows] >= 65)
    lam = np.where(in_prog, lam0 + (target[prac] - lam0) * r, lam0)
    s_idx, day = poisson_events(rng, sl, rows, lam)
    person = sl.person[s_idx]
    af = pop.has("atrial-fibrillation", person, day)
    irregular = rng.random(len(person)) < np.where(af, 0.6, 0.04)
    code = np.where(irregular, codes.choice("pulse-irregular").first, codes.choice("pulse-regular").first)
    out.add(person=person, practice=sl.practice[s_idx], day=day, code=code, value=np.nan, unit=0)


def smoking(plan: Plan, net: NetworkPlan, pop: Population, sl: Slices, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "smoking-records")
    age = sl.age(pop)
    on_reg = _registers_at(pop, sl.person, sl.mid, BP_REGISTERS + ("asthma", "copd"))
    rate = np.where(age >= 16, np.where(on_reg, SMOKING_RATE_REGISTER, SMOKING_RATE_ADULT), 0.0)
    rate = rate * _effect(net, "smoking_rate")[sl.practice]
    rows = np.flatnonzero(rate > 0)
    s_idx, day = poisson_events(rng, sl, rows, rate[rows])
    person = sl.person[s_idx]
    status = pop.smoke[person]
    status = np.where((status == 1) & (day < pop.quit[person]), 2, status)
    n = len(person)
    code = np.select(
        [status == 2, status == 1],
        [codes.choice("smoking-current").sample(rng, n), codes.choice("smoking-ex").sample(rng, n)],
        codes.choice("smoking-never").sample(rng, n),
    )
    out.add(person=person, practice=sl.practice[s_idx], day=day, code=code, value=np.nan, unit=0)


def reviews(plan: Plan, net: NetworkPlan, pop: Population, sl: Slices, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "reviews")
    mult = _effect(net, "review_rate")[sl.practice]
    for key, slug, rate in (
        ("asthma", "asthma-review", ASTHMA_REVIEW_RATE),
        ("copd", "copd-review", COPD_REVIEW_RATE),
    ):
        rows = np.flatnonzero(pop.has(key, sl.person, sl.mid))
        s_idx, day = poisson_events(rng, sl, rows, rate * mult[rows])
        out.add(
            person=sl.person[s_idx],
            practice=sl.practice[s_idx],
            day=day,
            code=codes.choice(slug).sample(rng, len(s_idx)),
            value=np.nan,
            unit=0,
        )
    chronic = _registers_at(
        pop, sl.person, sl.mid, ("diabetes", "chd", "stroke-tia", "heart-failure", "hypertension")
    )
    rows = np.flatnonzero(chronic)
    s_idx, day = poisson_events(rng, sl, rows, MEDICATION_REVIEW_RATE * mult[rows])
    out.add(
        person=sl.person[s_idx],
        practice=sl.practice[s_idx],
        day=day,
        code=codes.choice("medication-review").sample(rng, len(s_idx)),
        value=np.nan,
        unit=0,
    )
    # CVD risk scores (QRISK) for people aged 40-74 without established CVD.
    age = sl.age(pop)
    cvd = _registers_at(pop, sl.person, sl.mid, ("chd", "stroke-tia"))
    risk_reg = _registers_at(pop, sl.person, sl.mid, ("hypertension", "diabetes"))
    rate = np.where(
        (age >= 40) & (age < 75) & ~cvd, np.where(risk_reg, CVD_RISK_RATE_REGISTER, CVD_RISK_RATE_OTHER), 0
    )
    rows = np.flatnonzero(rate > 0)
    s_idx, day = poisson_events(rng, sl, rows, rate[rows])
    person = sl.person[s_idx]
    a = (day - pop.dob[person]) / YEAR
    score = np.clip(np.round(np.exp(rng.normal(np.log(4 + 0.5 * np.maximum(0, a - 40)), 0.5)), 1), 0.5, 60)
    out.add(
        person=person,
        practice=sl.practice[s_idx],
        day=day,
        code=codes.choice("cvd-risk-assessment").sample(rng, len(s_idx)),
        value=score,
        unit=PERCENT,
    )


def palliative(plan: Plan, net: NetworkPlan, pop: Population, out: Buffer) -> None:
    rng = rng_for(plan, net.index, "palliative")
    idx = np.flatnonzero((pop.kind == DIED) & (rng.random(len(pop)) < PALLIATIVE_SHARE_OF_DEATHS))
    day = pop.death[idx].astype(np.int64) - rng.integers(7, 365, len(idx))
    prac = pop.practice_at(idx, day)
    out.add(
        person=idx,
        practice=prac,
        day=day,
        code=codes.choice("palliative-care").sample(rng, len(idx)),
        value=np.nan,
        unit=0,
    )
