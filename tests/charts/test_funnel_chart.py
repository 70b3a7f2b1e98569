import pytest

from gpqi.charts import funnel_chart, render
from gpqi.charts import palette as pal
from gpqi.stats import funnel


def _layer(spec, mark):
    return [
        layer
        for layer in spec["layer"]
        if (layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]) == mark
    ]


def test_funnel_spec_data_encodings_and_highlight(practices, check_spec):
    result = funnel(practices["numerator"], practices["denominator"])
    spec = funnel_chart(practices, target=result.target, highlight="Practice C", title="Blood pressure")
    check_spec(spec)
    assert spec["params"] == [{"name": "highlight", "value": ["Practice C"]}]
    points = _layer(spec, "point")[0]
    rows = points["data"]["values"]
    assert len(rows) == 24 and {"label", "denominator", "proportion", "status"} <= set(rows[0])
    enc = points["encoding"]
    assert enc["x"]["field"] == "denominator" and enc["x"]["type"] == "quantitative"
    assert enc["y"]["field"] == "proportion" and enc["y"]["axis"]["format"] == ".0%"
    # outline colour, fill and shape all carry the status; beyond the upper limit is good (blue) here
    assert enc["stroke"]["field"] == enc["fill"]["field"] == enc["shape"]["field"] == "status"
    colours = dict(zip(enc["stroke"]["scale"]["domain"], enc["stroke"]["scale"]["range"], strict=True))
    assert (
        colours["Above 99.8% limit"] == pal.MDC_IMPROVEMENT
        and colours["Below 99.8% limit"] == pal.MDC_CONCERN
    )
    shapes = dict(zip(enc["shape"]["scale"]["domain"], enc["shape"]["scale"]["range"], strict=True))
    assert shapes["Above 99.8% limit"] == "triangle-up" and shapes["Within limits"] == "circle"
    # 95% and 99.8% never look alike: the same triangle, filled beyond 99.8%, hollow beyond 95% only
    fills = dict(zip(enc["fill"]["scale"]["domain"], enc["fill"]["scale"]["range"], strict=True))
    symbols = {s: (shapes[s], fills[s], colours[s]) for s in shapes}
    assert len(set(symbols.values())) == len(symbols)
    assert fills["Above 99.8% limit"] == pal.MDC_IMPROVEMENT and fills["Above 95% limit"] == "#ffffff"
    # the highlighted practice is bigger and labelled, through the parameter
    assert (
        "highlight" in enc["size"]["condition"]["test"]
        and enc["size"]["condition"]["value"] > enc["size"]["value"]
    )
    label_layer = _layer(spec, "text")[0]
    assert "highlight" in label_layer["transform"][0]["filter"]
    assert "Practice C" in spec["description"]
    # each point's status is its funnel flag
    flags = dict(zip(practices["label"], practices["outlier_998"], strict=True))
    first = next(r for r in rows if r["label"] == "Practice A")
    assert flags["Practice A"] == "low" and first["status"] == "Below 99.8% limit"


def test_funnel_limits_lines_follow_the_method(practices, check_spec):
    result = funnel(practices["numerator"], practices["denominator"], method="spiegelhalter")
    spec = funnel_chart(
        practices, target=result.target, method="spiegelhalter", tau2=result.tau2, higher_is_better=False
    )
    check_spec(spec)
    lines = _layer(spec, "line")[0]
    values = lines["data"]["values"]
    assert {v["line"] for v in values} == {"95% limits", "99.8% limits"} and {v["side"] for v in values} == {
        "lower",
        "upper",
    }
    widest = max(v["limit"] for v in values if v["side"] == "upper" and v["line"] == "99.8% limits")
    smallest_n = min(v["denominator"] for v in values)
    curve = result.limits([smallest_n])
    assert widest == pytest.approx(curve["upper_998"].iloc[0])
    colours = _layer(spec, "point")[0]["encoding"]["stroke"]["scale"]["range"]
    assert colours[0] == pal.MDC_CONCERN  # lower is better: above the funnel is a concern


def test_funnel_renders_to_png_and_svg(practices):
    spec = funnel_chart(practices, target=0.7, highlight=["Practice B", "Practice D"], width="container")
    png = render(spec, "png")
    svg = render(spec, "svg")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert svg.lstrip().startswith(b"<svg") and b"Practice B" in svg


def test_funnel_needs_its_columns(practices):
    with pytest.raises(ValueError, match="funnel_chart: data has no column 'label'"):
        funnel_chart(practices.drop(columns="label"), target=0.5)
    with pytest.raises(ValueError, match="fmt"):
        render(funnel_chart(practices, target=0.5), "gif")
