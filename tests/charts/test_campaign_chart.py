"""The campaign chart: other practices thin and grey, the user's own practice highlighted, the
programme total and the dashed target trajectory, with suppressed weeks left out."""

import datetime as dt

import pytest

from gpqi.charts import campaign_chart, render


def _data():
    weeks = [dt.date(2025, 10, 5) + dt.timedelta(days=7 * i) for i in range(4)]
    practices = []
    for p, rate in (("Practice A", 0.1), ("Practice B", 0.15), ("Your Surgery", 0.2)):
        for i, w in enumerate(weeks):
            practices.append({"date": w, "label": p, "value": rate * (i + 1)})
    practices.append({"date": weeks[0], "label": "Practice Q", "value": None})  # suppressed
    programme = [
        {"date": w, "value": 0.14 * (i + 1), "expected": 0.75 * (i + 1) / 10} for i, w in enumerate(weeks)
    ]
    return practices, programme


def test_campaign_chart_layers_and_description(check_spec):
    practices, programme = _data()
    spec = campaign_chart(practices, programme, highlight="Your Surgery", title="Flu 65+")
    check_spec(spec)
    others, own, lines = spec["layer"]  # programme and trajectory on top
    assert {r["label"] for r in others["data"]["values"]} == {"Practice A", "Practice B"}
    assert {r["label"] for r in own["data"]["values"]} == {"Your Surgery"}
    assert len(own["data"]["values"]) == 4 and own["mark"]["point"]
    by_series = {}
    for r in lines["data"]["values"]:
        by_series.setdefault(r["series"], []).append(r["value"])
    assert by_series["Target trajectory"] == pytest.approx([0.075, 0.15, 0.225, 0.3])
    assert by_series["Programme"] == pytest.approx([0.14, 0.28, 0.42, 0.56])
    assert lines["encoding"]["strokeDash"]["scale"]["domain"] == ["Programme", "Target trajectory"]
    assert "Practice Q" not in str(spec)  # no value, not drawn
    assert "programme is at 56% against a trajectory of 30%" in spec["description"]
    assert "Your Surgery is at 80%" in spec["description"]
    assert render(spec, "png")[:4] == b"\x89PNG"
    assert b"<svg" in render(spec, "svg")[:400]


def test_campaign_chart_missing_column():
    with pytest.raises(ValueError, match="'expected'"):
        campaign_chart(
            [{"date": "2025-10-05", "label": "A", "value": 0.1}], [{"date": "2025-10-05", "value": 0.1}]
        )


def test_campaign_chart_spread_instead_of_lines(check_spec):
    practices, programme = _data()
    own = [r for r in practices if r["label"] == "Your Surgery"]
    weeks = sorted({r["date"] for r in programme})
    spread = [
        {"date": w, "low": 0.05 * i, "median": 0.1 * i, "high": 0.2 * i} for i, w in enumerate(weeks, 1)
    ]
    spec = campaign_chart(own, programme, highlight="Your Surgery", spread=spread)
    check_spec(spec)
    band, median, mine, lines = spec["layer"]
    assert band["mark"]["type"] == "area" and band["encoding"]["y2"] == {"field": "high"}
    assert [r["high"] for r in band["data"]["values"]] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert [r["median"] for r in median["data"]["values"]] == pytest.approx([0.1, 0.2, 0.3, 0.4])
    assert {r["label"] for r in mine["data"]["values"]} == {"Your Surgery"}
    assert "Practice A" not in str(spec)
    assert "middle 80% of practices" in spec["description"]
    assert band["encoding"]["color"]["scale"]["domain"][:2] == ["Middle 80% of practices", "Practice median"]
    assert render(spec, "png")[:4] == b"\x89PNG"
