"""The people of one network: who is registered where and when, births, deaths, moves, names,
opt-outs, long-term conditions and smoking status. Vectorised over people, one network at a time.

Three groups per practice: the *stock* (registered and alive on the end date; exactly the
practice's list size, with its age/sex/IMD structure), people who *died* during the period, and
people who *left* the programme's practices during it. A quarter of the stock's joiners (not
births) come from another practice in the same network: they have an earlier registration there
that ends the day before the new one starts, and appear in both practices' patient files.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from gpqi.synth import conditions as cond
from gpqi.synth.calibration import logistic, logit
from gpqi.synth.demography import N_AGES, mortality, turnover
from gpqi.synth.plan import INTERNAL_MOVE_SHARE, NetworkPlan, Plan
from gpqi.synth.targets import TYPE1_OPT_OUT
from gpqi.synth.timeline import NEVER, YEAR

STOCK, DIED, LEFT = 0, 1, 2
# Share of people with diabetes who have type 1. ASSUMPTION (gm-sde: T1 0.46-0.56% vs DM 6.3-7.9%).
TYPE1_SHARE = 0.08
# Share of stroke/TIA register members whose qualifying code is a stroke (rest TIA). ASSUMPTION.
STROKE_SHARE = 0.6
# Latest smoking status of adults. ASSUMPTION loosely anchored on gm-sde "ever recorded" shares
# (current 22-27%, ex 24-29%, never 53-55%), lowered for current smokers as latest status.
SMOKING = {"current": 0.16, "ex": 0.26}
SMOKING_COPD = {"current": 0.35, "ex": 0.55}


def rng_for(plan: Plan, network_index: int, component: str) -> np.random.Generator:
    """An independent random stream per (seed, network, component): order-free and stable."""
    key = zlib.crc32(component.encode())
    return np.random.default_rng(np.random.SeedSequence(plan.config.seed, spawn_key=(1, network_index, key)))


@cache
def name_pools() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Faker en_GB given names (female, male) and family names with their frequency weights."""
    from faker.providers.person.en_GB import Provider

    female = np.array(sorted(set(Provider.first_names_female)), dtype=object)
    male = np.array(sorted(set(Provider.first_names_male)), dtype=object)
    fam = Provider.last_names
    family = np.array(list(fam), dtype=object)
    weights = np.array([float(fam[k]) for k in fam]) if isinstance(fam, dict) else np.ones(len(family))
    return female, male, family, weights / weights.sum()


@dataclass
class Population:
    pid: np.ndarray  # int64
    dob: np.ndarray  # int32 day
    male: np.ndarray  # int8 0/1
    decile: np.ndarray  # int8 1..10
    death: np.ndarray  # int32 day or NEVER
    optout: np.ndarray  # bool
    given: np.ndarray  # index into the female/male pool
    family: np.ndarray  # index into the family pool
    kind: np.ndarray  # STOCK / DIED / LEFT
    prac1: np.ndarray  # local practice index of the latest registration
    s1: np.ndarray
    e1: np.ndarray  # NEVER if open
    prac0: np.ndarray  # earlier registration in the network, -1 if none
    s0: np.ndarray
    e0: np.ndarray
    ref: np.ndarray  # last day in the data: end date, death or leaving
    z: np.ndarray  # shared cardiometabolic latent risk
    diag: dict[str, np.ndarray] = field(default_factory=dict)  # condition -> diagnosis day / NEVER
    resolved: dict[str, np.ndarray] = field(default_factory=dict)  # condition -> resolved day / NEVER
    type1: np.ndarray | None = None  # diabetes type 1
    stroke: np.ndarray | None = None  # stroke (vs TIA) for the stroke/TIA register
    smoke: np.ndarray | None = None  # 0 never, 1 ex, 2 current (latest status)
    quit: np.ndarray | None = None  # ex-smokers: day they stopped

    def __len__(self) -> int:
        return len(self.pid)

    @property
    def first_practice(self) -> np.ndarray:
        return np.where(self.prac0 >= 0, self.prac0, self.prac1)

    @property
    def first_start(self) -> np.ndarray:
        return np.where(self.prac0 >= 0, self.s0, self.s1)

    def practice_at(self, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Local practice where person idx is registered (and alive) on day; -1 if none."""
        in1 = (day >= self.s1[idx]) & (day <= self.ref[idx])
        in0 = (self.prac0[idx] >= 0) & (day >= self.s0[idx]) & (day <= self.e0[idx])
        return np.where(in1, self.prac1[idx], np.where(in0, self.prac0[idx], -1)).astype(np.int16)

    def recording_practice(self, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Practice that holds an event: where registered on the day; earlier history (transferred
        with the record) sits at the first practice; -1 after the person left or died."""
        at = self.practice_at(idx, day)
        early = (at < 0) & (day < self.first_start[idx])
        return np.where(early, self.first_practice[idx], at).astype(np.int16)

    def has(self, key: str, idx: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.diag[key][idx] <= day) & (self.resolved[key][idx] > day)


def _registration_years(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Time since joining the practice: exponential with the age's turnover rate."""
    rate = turnover()[np.clip(age.astype(int), 0, N_AGES - 1)]
    return rng.exponential(1.0 / rate)


def _join_day(rng: np.random.Generator, at: np.ndarray, dob: np.ndarray, age: np.ndarray) -> np.ndarray:
    start = at - np.round(_registration_years(rng, age) * YEAR).astype(np.int64)
    birth_reg = dob + rng.integers(7, 43, len(dob))  # registered as a newborn
    return np.minimum(np.where(start < dob + 7, birth_reg, start), at)


def build_population(plan: Plan, net: NetworkPlan) -> Population:
    rng = rng_for(plan, net.index, "population")
    S, E = plan.start_day, plan.end_day
    m = mortality()
    h = turnover()
    parts: dict[str, list[np.ndarray]] = {}

    def add(**cols: np.ndarray) -> None:
        for k, v in cols.items():
            parts.setdefault(k, []).append(v)

    list_sizes = np.array([p.list_size for p in net.practices], dtype=float)
    for j, prac in enumerate(net.practices):
        pi = prac.age_sex
        for kind, n, weights in (
            (STOCK, prac.list_size, pi),
            (DIED, prac.deaths, pi * m),
            (LEFT, prac.leavers, pi * h[None, :]),
        ):
            if n == 0:
                continue
            flat = (weights / weights.sum()).ravel()
            cell = rng.choice(flat.size, size=n, p=flat)
            sex, age = np.divmod(cell, N_AGES)
            age_f = age + rng.random(n)
            at = np.full(n, E, dtype=np.int64) if kind == STOCK else rng.integers(S, E, n)
            dob = at - np.round(age_f * YEAR).astype(np.int64)
            dob = np.minimum(dob, at)
            start = _join_day(rng, at, dob, age_f)
            prac0 = np.full(n, -1)
            s0 = np.full(n, NEVER, dtype=np.int64)
            e0 = np.full(n, NEVER, dtype=np.int64)
            if kind == STOCK and len(net.practices) > 1:
                mover = (start > S) & (start > dob + 60) & (rng.random(n) < INTERNAL_MOVE_SHARE)
                k = int(mover.sum())
                w = list_sizes.copy()
                w[j] = 0
                prac0[mover] = rng.choice(len(w), size=k, p=w / w.sum())
                e0[mover] = start[mover] - 1
                age_then = (start[mover] - dob[mover]) / YEAR
                s0[mover] = np.maximum(_join_day(rng, start[mover] - 1, dob[mover], age_then), dob[mover] + 7)
                bad = mover & (s0 > e0)
                prac0[bad], s0[bad], e0[bad] = -1, NEVER, NEVER
            add(
                dob=dob,
                male=sex.astype(np.int8),
                decile=(rng.choice(10, size=n, p=prac.deciles) + 1).astype(np.int8),
                death=np.full(n, NEVER, dtype=np.int64) if kind != DIED else at,
                kind=np.full(n, kind, dtype=np.int8),
                prac1=np.full(n, j, dtype=np.int16),
                s1=start,
                e1=np.full(n, NEVER, dtype=np.int64) if kind == STOCK else at,
                prac0=prac0.astype(np.int16),
                s0=s0,
                e0=e0,
                ref=at,
            )
    cols = {k: np.concatenate(v) for k, v in parts.items()}
    n = len(cols["dob"])
    if n > net.capacity:
        raise RuntimeError(f"network {net.code}: {n} people exceed the planned id block {net.capacity}")
    female, male_pool, family, fw = name_pools()
    is_male = cols["male"] == 1
    given = np.where(is_male, rng.integers(0, len(male_pool), n), rng.integers(0, len(female), n))
    pop = Population(
        pid=net.id_offset + 1 + np.arange(n, dtype=np.int64),
        dob=cols["dob"].astype(np.int32),
        male=cols["male"],
        decile=cols["decile"],
        death=cols["death"].astype(np.int32),
        optout=rng.random(n) < TYPE1_OPT_OUT,
        given=given.astype(np.int32),
        family=rng.choice(len(family), size=n, p=fw).astype(np.int32),
        kind=cols["kind"],
        prac1=cols["prac1"],
        s1=cols["s1"].astype(np.int32),
        e1=cols["e1"].astype(np.int32),
        prac0=cols["prac0"],
        s0=cols["s0"].astype(np.int32),
        e0=cols["e0"].astype(np.int32),
        ref=cols["ref"].astype(np.int32),
        z=rng.standard_normal(n).astype(np.float32),
    )
    _assign_conditions(plan, net, pop)
    _assign_smoking(plan, net, pop)
    return pop


def _assign_conditions(plan: Plan, net: NetworkPlan, pop: Population) -> None:
    rng = rng_for(plan, net.index, "conditions")
    n = len(pop)
    age = (pop.ref - pop.dob) / YEAR
    died = pop.kind == DIED
    for c in cond.CONDITIONS:
        p = cond.probability(c, plan.conditions[c.key], age, pop.male, pop.decile, pop.z)
        p = np.where(died & (p > 0), logistic(logit(p) + np.log(c.death_odds)), p)
        on = rng.random(n) < p
        diag = np.full(n, NEVER, dtype=np.int32)
        x = cond.onset_age(rng, c, p[on], age[on])
        diag[on] = np.minimum(pop.dob[on] + np.round(x * YEAR), pop.ref[on])
        res = np.full(n, NEVER, dtype=np.int32)
        if c.resolved:
            q = np.minimum(1.0, c.resolved_ratio * p / np.maximum(1e-9, 1 - p))
            was = ~on & (rng.random(n) < q)
            xr = cond.onset_age(rng, c, p[was], age[was])
            d_was = pop.dob[was] + np.round(xr * YEAR).astype(np.int64)
            room = pop.ref[was] - d_was - 180
            ok = room > 20
            r_day = d_was + 180 + np.floor(rng.random(int(was.sum())) * np.maximum(room, 0)).astype(np.int64)
            idx = np.flatnonzero(was)[ok]
            diag[idx] = d_was[ok]
            res[idx] = r_day[ok]
        if c.key == "diabetes":
            t1 = (diag != NEVER) & (rng.random(n) < TYPE1_SHARE)
            onset = 1.0 + rng.random(int(t1.sum())) * np.maximum(0.0, np.minimum(age[t1], 30.0) - 1.0)
            diag[t1] = np.minimum(diag[t1], pop.dob[t1] + np.round(onset * YEAR))
            pop.type1 = t1
        if c.key == "stroke-tia":
            pop.stroke = rng.random(n) < STROKE_SHARE
        pop.diag[c.key] = diag
        pop.resolved[c.key] = res


def _assign_smoking(plan: Plan, net: NetworkPlan, pop: Population) -> None:
    rng = rng_for(plan, net.index, "smoking")
    n = len(pop)
    copd = pop.diag["copd"] != NEVER
    cur_odds = SMOKING["current"] / (1 - SMOKING["current"]) * np.exp(0.1 * (5.5 - pop.decile))
    p_cur = np.where(copd, SMOKING_COPD["current"], cur_odds / (1 + cur_odds))
    p_ex = np.where(copd, SMOKING_COPD["ex"], SMOKING["ex"])
    u = rng.random(n)
    smoke = np.where(u < p_cur, 2, np.where(u < p_cur + p_ex, 1, 0)).astype(np.int8)
    history_start = plan.start_day - round(plan.config.history_years * YEAR)
    adult16 = pop.dob + round(16 * YEAR)
    lo = np.maximum(history_start, adult16)
    span = np.maximum(pop.ref - lo, 0)
    quit_day = lo + np.floor(rng.random(n) * span).astype(np.int64)
    long_ago = rng.random(n) < 0.5
    quit_day = np.where(long_ago, np.minimum(lo, history_start) - 1, quit_day)
    pop.smoke = smoke
    pop.quit = np.where(smoke == 1, quit_day, NEVER).astype(np.int32)
