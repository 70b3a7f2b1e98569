"""What makes a page readable at a glance, checked against independent calculations: every
indicator ranked by patients to reach its goal (the target, else the best quarter of practices,
from disclosed counts), the operational page's measures in reading order and its wording, and
the explanations gathered on the about page."""

from __future__ import annotations

import math

import duckdb
import numpy as np

from gpqi.indicators import load_library
from gpqi.stats import disclose
from gpqi.web.catalogue import catalogue
from gpqi.web.dashboard.views.operational import grouped, short_label
from gpqi.web.explanations import EXPLANATIONS
from tests.web.downloads import csv_records


def _latest(programme, indicator_id: str) -> dict[str, tuple[int, int]]:  # noqa: ANN001
    path = str(programme.root / "results" / "results.parquet")
    rows = duckdb.execute(
        "SELECT org_code, numerator, denominator FROM read_parquet(?) WHERE org_type = 'practice' "
        "AND indicator_id = ? AND reporting_date = (SELECT max(reporting_date) FROM read_parquet(?))",
        [path, indicator_id, path],
    ).fetchall()
    return {code: (int(n), int(d)) for code, n, d in rows}


def test_patients_to_reach_the_best_quarter_where_there_is_no_target(login, programme):
    """hyp-bp-79 has no target in the test programme: the clinician's goal is the upper quartile
    of the shared practices' rates after disclosure control (own practice exact)."""
    counts = _latest(programme, "hyp-bp-79")
    shared = [c for c in counts if c not in (programme.suspended, programme.no_agreement)]
    rates = []
    for code in shared:
        num, den = counts[code]
        if code != programme.own:
            num, den = (float(x) for x in disclose(np.array([num, den], dtype="float64")))
        if den and not math.isnan(num) and not math.isnan(den):
            rates.append(num / den)
    q3 = float(np.quantile(rates, 0.75, method="linear"))
    num, den = counts[programme.own]
    expected = max(0, math.ceil(q3 * den - num - 1e-9))
    rows = csv_records(
        login("clinician")
        .get(f"/practices/{programme.own}/?download=overview-cardiovascular&format=csv")
        .content
    )
    row = next(r for r in rows if r["Indicator"].startswith("Hypertension, aged 79"))
    assert row["Goal"] == f"Best quarter {q3 * 100:.1f}%"
    assert int(row["Patients to reach"]) == expected
    # the home page ranks by it: most to gain first
    home = csv_records(login("clinician").get("/?download=priorities&format=csv").content)
    gains = [int(r["Patients to reach"]) for r in home if r["Patients to reach"]]
    assert gains == sorted(gains, reverse=True) and len(gains) == len(home)


def test_operational_measures_in_reading_order(programme):  # noqa: ANN001
    ops = [m for m in catalogue([i.id for i in load_library()]).values() if m.kind == "operational"]
    groups = {key: [short_label(m) for m in metas] for key, _, metas in grouped(ops)}
    assert groups["lead"] == [
        "Booked on the day",
        "Booked the day before",
        "Booked 2 to 7 days ahead",
        "Booked 8 to 14 days ahead",
        "Booked 15 to 21 days ahead",
        "Booked 22 to 28 days ahead",
        "Booked more than 28 days ahead",
    ]
    assert groups["48h"] == ["Booked within 48 hours", "Booked more than 48 hours ahead"]
    assert groups["channel"] == ["Booked online", "Booked by telephone", "Booked in person"]
    assert "other" not in groups  # every library measure has its place


def test_operational_page_names_the_practice_not_your_practice(login, programme):
    from gpqi.web.governance.models import Practice

    name = Practice.objects.get(code=programme.own).name
    for username in ("analyst", "manager"):
        text = login(username).get(f"/operational/?practice={programme.own}").content.decode()
        assert "your practice" not in text.lower() and name in text
        assert "in every 100" in text


def test_every_explanation_is_on_the_about_page_and_beside_its_statistic(login, programme):
    client = login("clinician")
    about = client.get("/about/").content.decode()
    for e in EXPLANATIONS:
        assert f'id="explain-{e.key}"' in about, e.key
    page = client.get("/indicators/hyp-bp-79/").content.decode()
    for key in ("funnel", "overdispersion", "comparator", "disclosure", "spc", "assurance"):
        assert f"#explain-{key}" in page, key
    assert "rounded to the nearest 5" in about
