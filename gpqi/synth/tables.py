"""Turn one network's generated arrays into CDM tables (exact `gpqi.cdm.SCHEMAS`) per practice."""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa

from gpqi.cdm import APPOINTMENT_MODES, APPOINTMENT_STATUSES, BOOKING_CHANNELS, CLINICIAN_TYPES, SCHEMAS
from gpqi.synth import appointments as appt_mod
from gpqi.synth.buffers import UNITS
from gpqi.synth.codes import all_codes
from gpqi.synth.population import Population, name_pools
from gpqi.synth.timeline import NEVER

NHS_PREFIX = 999_000_000  # the 999 range is reserved for testing


@cache
def valid_nhs_numbers() -> np.ndarray:
    """All 10-digit NHS numbers starting 999 that pass the modulus-11 check (about 909,000)."""
    base = np.arange(NHS_PREFIX, NHS_PREFIX + 1_000_000, dtype=np.int64)
    digits = (base[:, None] // (10 ** np.arange(8, -1, -1))) % 10
    total = (digits * np.arange(10, 1, -1)).sum(axis=1)
    check = 11 - total % 11
    check = np.where(check == 11, 0, check)
    ok = check != 10
    return base[ok] * 10 + check[ok]


_NHS_STRIDE = 7_919  # prime: patient ids map to NHS numbers one-to-one below the pool size


def nhs_numbers(patient_ids: np.ndarray) -> np.ndarray:
    pool = valid_nhs_numbers()
    return pool[(patient_ids * _NHS_STRIDE) % len(pool)]


def _strings(index: np.ndarray, values) -> pa.Array:
    dictionary = pa.array(list(values), type=pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(index, type=pa.int32()), dictionary).cast(pa.string())


def _dates(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    mask = days == NEVER
    return pa.array(np.where(mask, 0, days).astype(np.int32), type=pa.int32(), mask=mask).cast(pa.date32())


def _first_per_key(pid: np.ndarray, day: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Row order sorted by (patient, date, code), keeping only the first row of each such key: two
    events of one process on the same day collapse into one (the ingest rejects duplicates)."""
    order = np.lexsort((codes, day, pid))  # stable: the first generated row of a key comes first
    p, d, c = pid[order], day[order], codes[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (p[1:] != p[:-1]) | (d[1:] != d[:-1]) | (c[1:] != c[:-1])
    return order[new]


def _const(value: str, n: int) -> pa.Array:
    return _strings(np.zeros(n, dtype=np.int32), [value])


@cache
def _code_strings() -> list[str]:
    return all_codes()


def patients(pop: Population, idx: np.ndarray) -> pa.Table:
    female, male, family, _ = name_pools()
    pid = pop.pid[idx]
    is_male = pop.male[idx] == 1
    given = np.where(is_male, pop.given[idx] + len(female), pop.given[idx])
    nhs = nhs_numbers(pid).astype(str)
    return pa.Table.from_arrays(
        [
            pa.array(pid, type=pa.int64()),
            pa.array(nhs, type=pa.string()),
            _strings(given, list(female) + list(male)),
            _strings(pop.family[idx], list(family)),
            _dates(pop.dob[idx]),
            _strings(pop.male[idx].astype(np.int32), ["female", "male"]),
            _dates(pop.death[idx]),
            pa.array(pop.decile[idx], type=pa.int8()),
            pa.array(pop.optout[idx], type=pa.bool_()),
        ],
        schema=SCHEMAS["patients"],
    )


def registrations(pop: Population, practice: int, code: str) -> pa.Table:
    i1 = np.flatnonzero(pop.prac1 == practice)
    i0 = np.flatnonzero(pop.prac0 == practice)
    pid = np.concatenate([pop.pid[i0], pop.pid[i1]])
    start = np.concatenate([pop.s0[i0], pop.s1[i1]])
    end = np.concatenate([pop.e0[i0], pop.e1[i1]])
    order = np.lexsort((start, pid))
    return pa.Table.from_arrays(
        [
            pa.array(pid[order], type=pa.int64()),
            _const(code, len(pid)),
            _dates(start[order]),
            _dates(end[order]),
        ],
        schema=SCHEMAS["registrations"],
    )


def clinical_events(pop: Population, ev: dict[str, np.ndarray], rows: np.ndarray, code: str) -> pa.Table:
    pid = pop.pid[ev["person"][rows].astype(np.int64)]
    day = ev["day"][rows]
    codes = ev["code"][rows].astype(np.int32)
    order = _first_per_key(pid, day, codes)
    pid, day, codes = pid[order], day[order], codes[order]
    value = ev["value"][rows][order]
    unit = ev["unit"][rows][order].astype(np.int32)
    unit_arr = _strings(np.maximum(unit - 1, 0), [u for u in UNITS[1:]])
    unit_arr = pa.array(unit_arr.to_numpy(zero_copy_only=False), type=pa.string(), mask=unit == 0)
    return pa.Table.from_arrays(
        [
            pa.array(pid, type=pa.int64()),
            _const(code, len(pid)),
            _dates(day),
            _strings(codes, _code_strings()),
            pa.array(value, type=pa.float64(), mask=np.isnan(value)),
            unit_arr,
        ],
        schema=SCHEMAS["clinical_events"],
    )


def medications(pop: Population, med: dict[str, np.ndarray], rows: np.ndarray, code: str) -> pa.Table:
    pid = pop.pid[med["person"][rows].astype(np.int64)]
    day = med["day"][rows]
    codes = med["code"][rows].astype(np.int32)
    order = _first_per_key(pid, day, codes)
    return pa.Table.from_arrays(
        [
            pa.array(pid[order], type=pa.int64()),
            _const(code, len(order)),
            _dates(day[order]),
            _strings(codes[order], _code_strings()),
            pa.array(med["quantity"][rows][order].astype(np.float64), type=pa.float64()),
        ],
        schema=SCHEMAS["medications"],
    )


def vaccinations(pop: Population, vac: dict[str, np.ndarray], rows: np.ndarray, code: str) -> pa.Table:
    pid = pop.pid[vac["person"][rows].astype(np.int64)]
    day = vac["day"][rows]
    codes = vac["code"][rows].astype(np.int32)
    order = _first_per_key(pid, day, codes)
    return pa.Table.from_arrays(
        [
            pa.array(pid[order], type=pa.int64()),
            _const(code, len(order)),
            _dates(day[order]),
            _strings(codes[order], _code_strings()),
        ],
        schema=SCHEMAS["vaccinations"],
    )


_STATUS = [APPOINTMENT_STATUSES.index(s) for s in ("attended", "did_not_attend", "cancelled", "unknown")]


def appointments(
    pop: Population, ap: appt_mod.Appointments, rows: np.ndarray, code: str, practice_number: int
) -> pa.Table:
    pid = pop.pid[ap.person[rows].astype(np.int64)]
    start = ap.start[rows]
    order = np.lexsort((pid, start))
    n = len(rows)
    ids = np.int64(practice_number) * 10_000_000_000 + 1 + np.arange(n, dtype=np.int64)
    mode_map = np.array([APPOINTMENT_MODES.index(m) for m in appt_mod.MODES])
    chan_map = np.array([BOOKING_CHANNELS.index(c) for c in appt_mod.CHANNELS])
    clin_map = np.array([CLINICIAN_TYPES.index(c) for c in appt_mod.CLINICIANS])
    return pa.Table.from_arrays(
        [
            pa.array(ids, type=pa.int64()),
            _const(code, n),
            pa.array(pid[order], type=pa.int64()),
            pa.array(ap.booked[rows][order], type=pa.int64()).cast(pa.timestamp("s")),
            pa.array(start[order], type=pa.int64()).cast(pa.timestamp("s")),
            _strings(np.array(_STATUS)[ap.status[rows][order]], APPOINTMENT_STATUSES),
            _strings(mode_map[ap.mode[rows][order]], APPOINTMENT_MODES),
            _strings(chan_map[ap.channel[rows][order]], BOOKING_CHANNELS),
            _strings(clin_map[ap.clinician[rows][order]], CLINICIAN_TYPES),
        ],
        schema=SCHEMAS["appointments"],
    )
