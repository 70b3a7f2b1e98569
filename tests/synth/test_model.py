"""Unit checks of the generator's building blocks (network sizes, NHS numbers, code checks,
the deprivation fit against the published table, the DNA raking against the published rates)."""

from __future__ import annotations

import csv
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from gpqi.synth import codes
from gpqi.synth.appointments import LEADS, MODES, appointment_model
from gpqi.synth.calibration import mean_logistic
from gpqi.synth.conditions import CONDITIONS, _prevalence, decile_effects, england_weights, fit
from gpqi.synth.plan import _network_sizes
from gpqi.synth.tables import nhs_numbers, valid_nhs_numbers


@pytest.mark.parametrize("n", [4, 5, 6, 8, 9, 12, 13, 20, 29, 30, 41, 100, 997])
def test_networks_hold_four_to_six_practices(n):
    sizes = _network_sizes(n, None)
    assert sum(sizes) == n
    assert all(4 <= s <= 6 for s in sizes)


def test_nhs_number_pool_and_mapping():
    pool = valid_nhs_numbers()
    # 10**6 nine-digit stems starting 999; about 1 in 11 has check digit 10 and is unusable.
    assert len(pool) == pytest.approx(1_000_000 * 10 / 11, rel=0.01)
    numbers = nhs_numbers(np.arange(1, 800_001, dtype=np.int64))
    assert len(np.unique(numbers)) == len(numbers)
    sample = [str(x) for x in numbers[::50_000]]
    for s in sample:
        total = sum(int(d) * w for d, w in zip(s[:9], range(10, 1, -1), strict=True))
        assert (11 - total % 11) % 11 == int(s[9])


def test_unknown_code_is_rejected(monkeypatch):
    monkeypatch.setitem(codes.CHOICES, "hypertension", (("123456789", 1),))
    codes.code_table.cache_clear()
    try:
        with pytest.raises(ValueError, match="not in codelist 'hypertension'"):
            codes.code_table()
    finally:
        codes.code_table.cache_clear()


def _published_by_decile() -> dict[str, np.ndarray]:
    path = Path(str(resources.files("gpqi.synth") / "data" / "qof1920_prevalence_by_imd_decile.csv"))
    out: dict[str, np.ndarray] = {}
    with path.open() as fh:
        for row in csv.DictReader(fh):
            out.setdefault(row["group_code"], np.zeros(10))[int(row["imd_decile"]) - 1] = float(
                row["register"]
            ) / float(row["list"])
    return out


def test_decile_effects_reproduce_the_published_gradient_on_englands_mix():
    published = _published_by_decile()
    w = england_weights()
    fits = fit(w)
    for c in CONDITIONS:
        model = _prevalence(c, fits[c.key].alpha, fits[c.key].delta, w, axis=(0, 1))
        assert model == pytest.approx(published[c.qof], rel=0.03), c.qof
    # the England-only fit is the starting point and is centred
    assert all(abs(float(d.mean())) < 1e-6 for d in decile_effects().values())


def test_dna_model_reproduces_published_rates():
    # NHS Digital appointments (49 CCGs, 2019-21), DNA as % of appointments with known outcome.
    published_lead = [2.0, 4.47, 6.0, 7.44, 8.11, 8.35, 10.2]
    published_mode = {"face_to_face": 5.73, "telephone": 1.9, "video_online": 4.31, "home_visit": 5.67}
    m = appointment_model()
    p = mean_logistic(m.cell_logit, 0.62).reshape(4, 7, 3, 3)
    cells = m.cell_p.reshape(4, 7, 3, 3)
    by_lead = (cells * p).sum(axis=(0, 2, 3)) / cells.sum(axis=(0, 2, 3)) * 100
    by_mode = (cells * p).sum(axis=(1, 2, 3)) / cells.sum(axis=(1, 2, 3)) * 100
    assert by_lead == pytest.approx(published_lead, rel=0.12)
    for i, mode in enumerate(MODES):
        assert by_mode[i] == pytest.approx(published_mode[mode], rel=0.12)
    assert len(LEADS) == 7 and math.isclose(cells.sum(), 1.0)
