"""Person-time: each registered, alive stretch of a person's life cut into calendar quarters.

Care processes are Poisson processes over these slices (rate per person-year that may depend on
the person, the practice and the date), so the generator never loops over people in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gpqi.synth.population import Population
from gpqi.synth.timeline import YEAR, quarter_starts


@dataclass
class Slices:
    person: np.ndarray  # index into the population
    practice: np.ndarray  # local practice index
    t0: np.ndarray  # first day (int64)
    t1: np.ndarray  # last day, inclusive
    quarter: np.ndarray  # index of the calendar quarter

    @property
    def dur(self) -> np.ndarray:
        return self.t1 - self.t0 + 1

    @property
    def mid(self) -> np.ndarray:
        return (self.t0 + self.t1) // 2

    def age(self, pop: Population, at: np.ndarray | None = None) -> np.ndarray:
        day = self.mid if at is None else at
        return (day - pop.dob[self.person]) / YEAR

    def __len__(self) -> int:
        return len(self.person)


def build_slices(pop: Population, first: int, last: int) -> Slices:
    """Registered-and-alive person-time in [first, last], one row per person, practice and quarter."""
    bounds = quarter_starts(first, last)
    persons, pracs, a_all, b_all = [], [], [], []
    for prac, s, e in ((pop.prac1, pop.s1, pop.ref), (pop.prac0, pop.s0, pop.e0)):
        a = np.maximum(s.astype(np.int64), first)
        b = np.minimum(e.astype(np.int64), last)
        ok = (prac >= 0) & (a <= b)
        idx = np.flatnonzero(ok)
        persons.append(idx)
        pracs.append(prac[idx])
        a_all.append(a[idx])
        b_all.append(b[idx])
    person = np.concatenate(persons)
    prac = np.concatenate(pracs)
    a = np.concatenate(a_all)
    b = np.concatenate(b_all)
    k0 = np.searchsorted(bounds, a, side="right") - 1
    k1 = np.searchsorted(bounds, b, side="right") - 1
    count = k1 - k0 + 1
    rep = np.repeat(np.arange(len(person)), count)
    within = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
    q = k0[rep] + within
    t0 = np.maximum(bounds[q], a[rep])
    t1 = np.minimum(bounds[q + 1] - 1, b[rep])
    return Slices(person=person[rep], practice=prac[rep].astype(np.int16), t0=t0, t1=t1, quarter=q)


def poisson_events(
    rng: np.random.Generator, sl: Slices, rows: np.ndarray, rate_per_year: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Events of a Poisson process with a constant rate within each selected slice.

    Returns (slice index, day) per event. `rows` selects slices; `rate_per_year` is aligned with it.
    """
    dur = sl.t1[rows] - sl.t0[rows] + 1
    k = rng.poisson(np.maximum(rate_per_year, 0.0) * dur / YEAR)
    rep = np.repeat(rows, k)
    day = sl.t0[rep] + np.floor(rng.random(len(rep)) * (sl.t1[rep] - sl.t0[rep] + 1)).astype(np.int64)
    return rep, day


def ramp(day: np.ndarray, start: int, years: float) -> np.ndarray:
    """0 before `start`, rising linearly to 1 over `years`."""
    return np.clip((day - start) / (years * YEAR), 0.0, 1.0)
