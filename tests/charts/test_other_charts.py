import numpy as np
import pandas as pd
import pytest

from gpqi.charts import caterpillar_chart, distribution_chart, render, trend_chart
from gpqi.charts import palette as pal
from gpqi.charts.distribution import jitter
from gpqi.stats import deciles


def _layers(spec, mark):
    return [layer for layer in spec["layer"] if layer["mark"]["type"] == mark]


def test_caterpillar_sorted_with_intervals_and_status(practices, check_spec):
    comparator = practices["numerator"].sum() / practices["denominator"].sum()
    spec = caterpillar_chart(practices, comparator=comparator, highlight="Practice E")
    check_spec(spec)
    rows = _layers(spec, "point")[0]["data"]["values"]
    assert [r["rank"] for r in rows] == list(range(1, 25))
    assert all(a["value"] >= b["value"] for a, b in zip(rows, rows[1:], strict=False))
    for r in rows:
        expected = (
            "Higher than comparator"
            if r["lower"] > comparator
            else "Lower than comparator"
            if r["upper"] < comparator
            else "Similar to comparator"
        )
        assert r["status"] == expected
    interval = _layers(spec, "rule")[0]
    assert interval["encoding"]["x"]["field"] == "lower" and interval["encoding"]["x2"]["field"] == "upper"
    enc = _layers(spec, "point")[0]["encoding"]
    assert enc["color"]["field"] == enc["shape"]["field"] == "status"
    assert spec["height"] == 16 * 24 and "Practice E ranks" in spec["description"]
    assert "highlight" in enc["size"]["condition"]["test"]
    assert render(spec, "png")[:4] == b"\x89PNG"


def test_distribution_two_dates_sized_by_list_size(check_spec):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(20):
        size = int(rng.integers(2000, 16000))
        rows.append({"label": f"P{i}", "period": "March 2015", "value": 0.2 + 0.02 * i, "size": size})
        rows.append({"label": f"P{i}", "period": "March 2018", "value": 0.8 + 0.005 * i, "size": size + 100})
    spec = distribution_chart(rows, highlight="P3", title="pulse checks")
    check_spec(spec)
    dots = _layers(spec, "point")[0]
    assert dots["encoding"]["size"]["field"] == "size" and dots["encoding"]["y"]["field"] == "period"
    assert dots["encoding"]["y"]["sort"] == ["March 2015", "March 2018"]
    own = _layers(spec, "point")[1]
    assert "highlight" in own["transform"][0]["filter"] and own["mark"]["shape"] == "diamond"
    medians = {m["period"]: m["median"] for m in _layers(spec, "tick")[0]["data"]["values"]}
    assert medians["March 2015"] == pytest.approx(np.median([0.2 + 0.02 * i for i in range(20)]))
    assert medians["March 2018"] == pytest.approx(0.8 + 0.005 * 9.5)
    # stable spread: a practice's offset is the same in both periods and in a chart built again
    # from the rows in another order, differs between practices, and spreads over [-1, 1]
    offsets: dict[str, set[float]] = {}
    for r in dots["data"]["values"]:
        offsets.setdefault(r["label"], set()).add(r["offset"])
    assert all(len(v) == 1 for v in offsets.values()) and len(offsets) == 20
    again = distribution_chart(list(reversed(rows)), highlight="P3", title="pulse checks")
    again_offsets = {r["label"]: r["offset"] for r in _layers(again, "point")[0]["data"]["values"]}
    assert again_offsets == {label: next(iter(v)) for label, v in offsets.items()}
    spread = sorted(again_offsets.values())
    assert len(set(spread)) == 20 and -1 <= spread[0] < -0.5 and 0.5 < spread[-1] <= 1
    assert again_offsets["P0"] == jitter("P0") != jitter("P1")
    assert "March 2015: 20 practices, median 39%" in spec["description"]
    assert b"<svg" in render(spec, "svg")[:200]


def test_trend_with_peer_deciles(check_spec):
    rng = np.random.default_rng(3)
    dates = pd.date_range("2021-04-01", periods=12, freq="MS")
    peer_rows = []
    for d in dates:
        for p, v in deciles(rng.normal(0.6, 0.1, 40)).items():
            peer_rows.append({"date": d, "percentile": p, "value": v})
    own = pd.DataFrame({"date": dates, "value": np.linspace(0.4, 0.7, 12)})
    spec = trend_chart(own, peer_rows, label="Practice A", peer_group="network")
    check_spec(spec)
    band = _layers(spec, "area")[0]
    first = band["data"]["values"][0]
    p10 = next(r["value"] for r in peer_rows if r["date"] == dates[0] and r["percentile"] == 10)
    assert first["p10"] == pytest.approx(p10) and first["p90"] > first["p10"]
    lines = _layers(spec, "line")
    assert {r["line"] for r in lines[0]["data"]["values"]} == {"Peer deciles", "Peer median"}
    assert lines[1]["encoding"]["color"]["scale"]["range"][-1] == pal.NHS_RED
    assert [r["value"] for r in lines[1]["data"]["values"]] == pytest.approx(list(np.linspace(0.4, 0.7, 12)))
    assert "Practice A" in spec["description"] and "network" in spec["description"]
    assert render(spec, "png")[:4] == b"\x89PNG"


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="trend_chart deciles: data has no column 'percentile'"):
        trend_chart([{"date": "2020-01-01", "value": 1}], [{"date": "2020-01-01", "value": 1}])
    with pytest.raises(ValueError, match="caterpillar_chart: data has no column 'lower', 'upper'"):
        caterpillar_chart([{"label": "a", "value": 0.5}])


def test_every_chart_copes_with_no_data(check_spec):
    from gpqi.charts import funnel_chart, spc_chart
    from gpqi.stats import spc

    specs = [
        funnel_chart(pd.DataFrame(columns=["label", "denominator", "proportion"]), target=0.5),
        spc_chart(spc([])),
        caterpillar_chart(pd.DataFrame(columns=["label", "value", "lower", "upper"]), comparator=0.5),
        distribution_chart(pd.DataFrame(columns=["label", "period", "value", "size"])),
        trend_chart(
            pd.DataFrame(columns=["date", "value"]), pd.DataFrame(columns=["date", "percentile", "value"])
        ),
    ]
    for spec in specs:
        check_spec(spec)
        assert render(spec, "svg").lstrip().startswith(b"<svg")


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_each_chart_type_renders_in_both_formats(practices, fmt):
    dates = pd.date_range("2022-01-01", periods=6, freq="MS")
    peers = [{"date": d, "percentile": p, "value": 0.5 + p / 1000} for d in dates for p in (10, 50, 90)]
    specs = [
        caterpillar_chart(practices, comparator=0.7, highlight="Practice A"),
        distribution_chart(
            [
                {"label": r["label"], "period": period, "value": r["value"], "size": r["denominator"]}
                for r in practices.to_dict("records")
                for period in ("2015", "2018")
            ],
            highlight="Practice A",
        ),
        trend_chart(pd.DataFrame({"date": dates, "value": [0.4, 0.45, 0.5, 0.5, 0.55, 0.6]}), peers),
    ]
    for spec in specs:
        out = render(spec, fmt)
        assert out[:4] == b"\x89PNG" if fmt == "png" else out.lstrip().startswith(b"<svg")


def test_highlighted_names_alternate_above_and_below_their_points():
    # three of a network lead's practices close together in one period: in order of value their
    # names go above, below, above, so neighbours never print on top of each other
    rows = [
        {"label": name, "period": "March 2026", "value": value, "size": 8000}
        for name, value in [("A", 0.910), ("B", 0.915), ("C", 0.920), ("D", 0.50)]
    ]
    spec = distribution_chart(rows, highlight=["C", "A", "B"])
    values = {r["label"]: r["label_below"] for r in spec["layer"][0]["data"]["values"]}
    assert values == {"A": False, "B": True, "C": False, "D": False}
    texts = [
        layer
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text" and layer["encoding"].get("text") == {"field": "label"}
    ]
    assert sorted(layer["mark"]["dy"] for layer in texts) == [-14, 16]
