"""Appointments and did-not-attend (DNA).

The mix of mode x booking lead time x clinician is fitted (iterative proportional fitting) to
the published mode, lead-time and clinician shares (bundled data/dna_rates.csv, from NHS Digital
Appointments in General Practice, 49 CCGs, Mar 2019-Aug 2021; appointments of unknown mode or
clinician left out), starting from an assumed association (telephone and GP appointments are more often same-day).
The chance of a DNA is logistic(sum of mode, lead-time, clinician and booking-channel effects +
practice, age and person effects); the mode, lead-time and clinician effects are raked so the
model reproduces the published DNA rate (of appointments with a known outcome) by mode, by
lead time and by clinician. Online bookings get an ASSUMED odds ratio of 0.5 (EQUIP's finding,
no published figure). Volume per person is an ASSUMPTION (targets.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

import numpy as np

from gpqi.synth.calibration import logistic, logit, mean_logistic
from gpqi.synth.conditions import england_weights
from gpqi.synth.exposure import Slices, poisson_events
from gpqi.synth.plan import EFFECT_SD, NetworkPlan, Plan
from gpqi.synth.population import Population, rng_for
from gpqi.synth.reference import dna_rates
from gpqi.synth.targets import APPOINTMENTS_PER_PATIENT_YEAR
from gpqi.synth.timeline import YEAR

MODES = ("face_to_face", "telephone", "video_online", "home_visit")
MODE_SOURCE = ("Face-to-Face", "Telephone", "Video/Online", "Home Visit")
LEADS = (
    "same_day",
    "1_day",
    "2_to_7_days",
    "8_to_14_days",
    "15_to_21_days",
    "22_to_28_days",
    "more_than_28_days",
)
LEAD_SOURCE = (
    "Same Day",
    "1 Day",
    "2 to 7 Days",
    "8 to 14 Days",
    "15 to 21 Days",
    "22 to 28 Days",
    "More than 28 Days",
)
LEAD_DAYS = ((0, 0), (1, 1), (2, 7), (8, 14), (15, 21), (22, 28), (29, 60))
CLINICIANS = ("gp", "nurse", "other")
NURSE_SHARE_OF_OTHER_STAFF = 0.6  # ASSUMPTION: the source has only "GP" and "Other practice staff"
CHANNELS = ("online", "telephone", "in_person")
# P(channel | lead band): ASSUMPTION (same-day mostly by telephone, online for pre-booked).
CHANNEL_GIVEN_LEAD = np.array([[0.10, 0.75, 0.15], [0.20, 0.65, 0.15]] + [[0.25, 0.55, 0.20]] * 5)
CHANNEL_EFFECT = np.array([math.log(0.5), 0.0, 0.0])  # online bookings attended more often
CANCELLED_SHARE = 0.02  # ASSUMPTION
AGE_EFFECT = ((0, 0.0), (16, 0.35), (40, 0.0), (65, -0.35))  # ASSUMPTION: young adults miss more
PERSON_SD = 0.5
# Appointments per person-year by age (female, male). ASSUMPTION, scaled to the overall volume.
VOLUME = (
    (0, 6.0, 6.0),
    (5, 2.4, 2.4),
    (15, 5.0, 2.4),
    (45, 5.5, 4.0),
    (65, 7.5, 7.5),
    (75, 9.5, 9.5),
    (85, 11.0, 11.0),
)
VOLUME_SCALE = APPOINTMENTS_PER_PATIENT_YEAR / 5.0
FRAILTY_SHAPE = 1.5


@dataclass(frozen=True)
class AppointmentModel:
    cell_p: np.ndarray  # P(mode, lead, clinician, channel), flattened
    cell_logit: np.ndarray  # DNA linear predictor per cell (before practice/age/person effects)
    unknown_by_lead: np.ndarray
    targets: dict[str, dict[str, float]]


def _marginal(dim: str, values: tuple[str, ...], key: str) -> np.ndarray:
    table = dna_rates()
    return np.array([table[(dim, v)][key] for v in values])


@cache
def appointment_model() -> AppointmentModel:
    lead_total = _marginal("book_to_appt", LEAD_SOURCE, "total")
    lead_share = lead_total / lead_total.sum()
    gp, other = _marginal("hcp_type", ("GP", "Other Practice staff"), "total")
    hcp_share = np.array([gp, other * NURSE_SHARE_OF_OTHER_STAFF, other * (1 - NURSE_SHARE_OF_OTHER_STAFF)])
    hcp_share /= hcp_share.sum()
    mode_share = _marginal("appt_mode", MODE_SOURCE, "total")
    mode_share = mode_share / mode_share.sum()
    # Seed association, then IPF to the three marginals.
    t = np.ones((4, 7, 3))
    t[1, 0, :] *= 3.0  # telephone: same day
    t[2, 0, :] *= 2.0
    t[3, 0, :] *= 2.0
    t[:, 0, 0] *= 1.3  # GP: same day
    t[:, 0, 1] *= 0.5  # nurse: pre-booked
    for _ in range(200):
        t *= (mode_share / t.sum(axis=(1, 2)))[:, None, None]
        t *= (lead_share / t.sum(axis=(0, 2)))[None, :, None]
        t *= (hcp_share / t.sum(axis=(0, 1)))[None, None, :]
    cells = t[..., None] * CHANNEL_GIVEN_LEAD[None, :, None, :]  # [mode, lead, hcp, channel]
    cells /= cells.sum()

    target_mode = _marginal("appt_mode", MODE_SOURCE, "dna_pct_of_known") / 100
    target_lead = _marginal("book_to_appt", LEAD_SOURCE, "dna_pct_of_known") / 100
    g, o = _marginal("hcp_type", ("GP", "Other Practice staff"), "dna_pct_of_known") / 100
    target_hcp = np.array([g, o, o])
    # The age effect, averaged over appointments on England's age structure, shifts the noise.
    w = england_weights().sum(axis=2)  # [sex, age]
    ages = np.arange(w.shape[1]) + 0.5
    vol = w * np.vstack([_lookup(VOLUME, ages, 1), _lookup(VOLUME, ages, 2)])
    age_eff = _lookup(AGE_EFFECT, ages, 1)[None, :]
    age_mean = float((vol * age_eff).sum() / vol.sum())
    age_var = float((vol * (age_eff - age_mean) ** 2).sum() / vol.sum())
    sd = math.sqrt(EFFECT_SD["dna"] ** 2 + PERSON_SD**2 + age_var)
    th = [np.zeros(4), np.zeros(7), np.full(3, float(logit(0.05)))]
    targets = (target_mode, target_lead, target_hcp)

    def linear() -> np.ndarray:
        return (
            th[0][:, None, None, None]
            + th[1][None, :, None, None]
            + th[2][None, None, :, None]
            + CHANNEL_EFFECT
        )

    for _ in range(300):
        for dim in range(3):
            p = mean_logistic(linear() + age_mean, sd)
            axes = tuple(a for a in range(4) if a != dim)
            th[dim] += logit(targets[dim]) - logit((cells * p).sum(axis=axes) / cells.sum(axis=axes))
    lin = linear()
    unknown = _marginal("book_to_appt", LEAD_SOURCE, "unknown") / lead_total
    return AppointmentModel(
        cell_p=cells.ravel(),
        cell_logit=lin.ravel(),
        unknown_by_lead=unknown,
        targets={
            "mode": dict(zip(MODES, target_mode.tolist(), strict=True)),
            "lead": dict(zip(LEADS, target_lead.tolist(), strict=True)),
            "clinician": dict(zip(CLINICIANS, target_hcp.tolist(), strict=True)),
        },
    )


@dataclass
class Appointments:
    person: np.ndarray
    practice: np.ndarray
    booked: np.ndarray  # seconds since epoch
    start: np.ndarray
    status: np.ndarray  # index into gpqi.cdm.APPOINTMENT_STATUSES
    mode: np.ndarray
    channel: np.ndarray
    clinician: np.ndarray


STATUS_ATTENDED, STATUS_DNA, STATUS_CANCELLED, STATUS_UNKNOWN = 0, 1, 2, 3


def _lookup(bands, age: np.ndarray, col: int) -> np.ndarray:
    out = np.zeros(len(age))
    for row in bands:
        out[age >= row[0]] = row[col]
    return out


def appointments(plan: Plan, net: NetworkPlan, pop: Population, sl: Slices) -> Appointments:
    rng = rng_for(plan, net.index, "appointments")
    model = appointment_model()
    rows = np.flatnonzero(sl.t1 >= plan.start_day)
    age = sl.age(pop)[rows]
    male = pop.male[sl.person[rows]]
    base = np.where(male == 1, _lookup(VOLUME, age, 2), _lookup(VOLUME, age, 1)) * VOLUME_SCALE
    frailty = rng_for(plan, net.index, "appointment-frailty").gamma(
        FRAILTY_SHAPE, 1 / FRAILTY_SHAPE, len(pop)
    )
    prac_rate = np.array([p.effects["appointment_rate"] for p in net.practices])
    rate = base * frailty[sl.person[rows]] * prac_rate[sl.practice[rows]]
    # Only the part of the slice inside the period counts.
    t0 = sl.t0.copy()
    sl_t0 = np.maximum(t0[rows], plan.start_day)
    saved = sl.t0[rows].copy()
    sl.t0[rows] = sl_t0
    try:
        s_idx, day = poisson_events(rng, sl, rows, rate)
    finally:
        sl.t0[rows] = saved
    person = sl.person[s_idx]
    prac = sl.practice[s_idx]
    n = len(person)
    # Weekends move to the nearest weekday (1970-01-01 was a Thursday; Monday = 0), the other way
    # if that leaves the registration (or passes a death).
    dow = (day + 3) % 7
    lo, hi = sl.t0[s_idx], sl.t1[s_idx]
    back = day - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))
    fwd = day + np.where(dow == 5, 2, np.where(dow == 6, 1, 0))
    first = np.where(dow == 5, back, fwd)
    second = np.where(dow == 5, fwd, back)
    day = np.where(
        (first >= lo) & (first <= hi), first, np.where((second >= lo) & (second <= hi), second, day)
    )
    cell = rng.choice(len(model.cell_p), size=n, p=model.cell_p)
    mode, lead, hcp, channel = np.unravel_index(cell, (4, 7, 3, 3))
    a = (day - pop.dob[person]) / YEAR
    practice_dna = np.array([p.effects["dna"] for p in net.practices])  # incl. deprivation, centred
    person_dna = rng_for(plan, net.index, "dna-latent").standard_normal(len(pop)) * PERSON_SD
    p_dna = logistic(
        model.cell_logit[cell] + practice_dna[prac] + _lookup(AGE_EFFECT, a, 1) + person_dna[person]
    )
    u = rng.random(n)
    unknown = model.unknown_by_lead[lead]
    status = np.where(
        u < CANCELLED_SHARE,
        STATUS_CANCELLED,
        np.where(
            u < CANCELLED_SHARE + unknown,
            STATUS_UNKNOWN,
            np.where(rng.random(n) < p_dna, STATUS_DNA, STATUS_ATTENDED),
        ),
    )
    lo = np.array([d[0] for d in LEAD_DAYS])[lead]
    hi = np.array([d[1] for d in LEAD_DAYS])[lead]
    lead_days = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    home = mode == 3
    slot = np.where(home, 12 * 3600 + 1200 * rng.integers(0, 10, n), 8 * 3600 + 600 * rng.integers(0, 60, n))
    start = day.astype(np.int64) * 86400 + slot
    same_day = lead_days == 0
    booked_sec = np.where(
        same_day,
        7 * 3600 + 1800 + np.floor(rng.random(n) * (slot - 8 * 3600 + 1)).astype(np.int64),
        8 * 3600 + np.floor(rng.random(n) * 10 * 3600).astype(np.int64),
    )
    booked = (day.astype(np.int64) - lead_days) * 86400 + booked_sec
    booked = np.minimum(booked, start - 60)
    return Appointments(
        person=person,
        practice=prac,
        booked=booked,
        start=start,
        status=status.astype(np.int8),
        mode=mode.astype(np.int8),
        channel=channel.astype(np.int8),
        clinician=hcp.astype(np.int8),
    )
