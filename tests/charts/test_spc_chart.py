import datetime as dt
import json
from pathlib import Path

import pandas as pd

from gpqi.charts import palette as pal
from gpqi.charts import render, spc_chart
from gpqi.stats import proportion_spc, spc

AE = json.loads(
    (Path(__file__).parents[1] / "stats" / "data" / "nhsrplotthedots_snapshots.json").read_text()
)["ae_all_performance_fixed_12"]


def _result(**kwargs):
    return spc(pd.Series(AE["y"], index=pd.to_datetime(AE["period"])), fix_after_n_points=12, **kwargs)


def test_spc_spec_uses_making_data_count_colours_shapes_and_icons(check_spec):
    result = _result(target=0.95)
    spec = spc_chart(result, title="A&E four-hour performance", y_title="Seen within 4 hours")
    check_spec(spec)
    points = next(
        layer for layer in spec["layer"] if layer["mark"]["type"] == "point" and "color" in layer["encoding"]
    )
    enc = points["encoding"]
    colour = dict(zip(enc["color"]["scale"]["domain"], enc["color"]["scale"]["range"], strict=True))
    assert colour == {
        "Common cause": "#a6a6a6",
        "Special cause: improvement": "#00b0f0",
        "Special cause: concern": "#e46c0a",
    }
    shape = dict(zip(enc["shape"]["scale"]["domain"], enc["shape"]["scale"]["range"], strict=True))
    assert len(set(shape.values())) == 3  # each type its own shape as well as colour
    assert enc["x"]["type"] == "temporal" and enc["x"]["field"] == "date" and enc["y"]["field"] == "value"
    rows = points["data"]["values"]
    assert [r["point_type"] for r in rows] == AE["point_type"]
    assert rows[0]["date"].startswith("2016-04-01")
    # the latest point is special cause concern (low) and the 95% target is above the upper limit
    meta = spec["usermeta"]["gpqi"]
    assert meta == {
        "chart": "spc",
        "chart_type": "XmR chart",
        "rebase": [],
        "improvement": "increase",
        "variation_icon": "concern_low",
        "assurance_icon": "fail",
    }
    letters = [
        layer["data"]["values"][0]["letter"]
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text" and layer["encoding"].get("text", {}).get("field") == "letter"
    ]
    assert sorted(letters) == ["F", "L"]
    target = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "rule")
    assert target["mark"]["color"] == pal.MDC_TARGET and target["data"]["values"][0]["target"] == 0.95
    assert "Variation: concern: low" in spec["description"] and "Target 95%" in spec["description"]


def test_spc_rebased_groups_draw_separate_means(check_spec):
    result = spc(AE["y"], rebase_at=[18], improvement="neutral")
    table = result.table.assign(month=[p[:7] for p in AE["period"]])
    spec = spc_chart(table, x="month", improvement="neutral", value_format=".1%")
    check_spec(spec)
    mean_layer = spec["layer"][1]
    assert mean_layer["encoding"]["detail"]["field"] == "group"
    assert {r["group"] for r in mean_layer["data"]["values"]} == {0, 1}
    assert mean_layer["encoding"]["x"]["type"] == "ordinal"
    assert not any(layer["mark"]["type"] == "rule" for layer in spec["layer"])  # no target


def test_spc_renders(tmp_path):
    spec = spc_chart(_result(target=0.95))
    assert render(spec, "png")[:4] == b"\x89PNG"
    assert b"<svg" in render(spec, "svg")[:200]


def test_spc_chart_names_its_chart_type_and_draws_each_rebase():
    dates = [dt.date(2020, 1, 31), dt.date(2020, 2, 29), dt.date(2020, 3, 31), dt.date(2020, 4, 30)]
    result = proportion_spc([40, 42, 80, 82], [100, 100, 100, 100], rebase_at=[2])
    table = result.table.reset_index(drop=True).assign(date=[d.isoformat() for d in dates])
    spec = spc_chart(table, x="date", chart_label=result.chart_label, rebase=["2020-03-31"])
    assert spec["usermeta"]["gpqi"]["chart_type"] == result.chart_label
    assert spec["description"].startswith(result.chart_label)
    texts = [
        layer["data"]["values"][0]
        for layer in spec["layer"]
        if layer["mark"]["type"] == "text" and "values" in layer.get("data", {})
    ]
    assert {"chart": result.chart_label} in texts
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule" and "x" in layer["encoding"]]
    assert [r["data"]["values"][0]["date"] for r in rules] == ["2020-03-31"]
    assert "Limits recalculated at 2020-03-31" in spec["description"]


def test_the_icons_have_a_band_above_the_data_to_themselves():
    # a series rising to its highest value at the end: the last points are where the icons sit
    # (top right), so the y domain keeps the top fifth of the plot clear of every value and limit
    n = pd.Series(200, index=pd.date_range("2023-01-31", periods=36, freq="ME"))
    k = (n * pd.Series(range(36), index=n.index).map(lambda i: 0.4 + 0.01 * i)).round()
    result = proportion_spc(k, n, improvement="increase")
    spec = spc_chart(result)
    line = spec["layer"][0]
    lo, hi = line["encoding"]["y"]["scale"]["domain"]
    values = [r[c] for r in line["data"]["values"] for c in ("value", "lpl", "upl") if r[c] is not None]
    assert lo <= min(values) and max(values) <= lo + 0.8 * (hi - lo)
    assert any(
        layer["mark"].get("type") == "text" and "caption" in str(layer["encoding"]) for layer in spec["layer"]
    )
