"""How the cost of `gpqi bench` grows with the population: one chart and one table from its reports.

    .venv/bin/python scripts/plot-scaling.py OUT.svg BENCH.json [BENCH.json ...]

Reads the JSON reports `gpqi bench --out` writes (one per population size) and writes OUT.svg:
CPU seconds on the left and peak memory on the right, patients on the x axis, one line each for
the floor, the full library over 1 date and over all the dates, with a dashed least-squares line
(fixed seconds + seconds per 100k patients) through each CPU series; between them CPU seconds
per 100k patients, which stays flat where cost grows in proportion to the population. Patients
are on a log scale (and CPU seconds on the left), so a linear cost is a 45-degree line there. It prints the Markdown
table of every figure and the fits for docs/benchmarks.md. CPU seconds are plotted rather than
wall seconds because on a shared machine wall time moves with other people's load.

If a report has a neighbour with the same name ending .log holding `/usr/bin/time -v` output,
its "Maximum resident set size" (the largest process of the whole command) goes in the table.
A report with a "note" (figures carried over from another run) shows the note in place of the
load average.
The chart is a Vega-Lite spec rendered by gpqi's own renderer (vl-convert), in gpqi's colours.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from gpqi.charts._spec import AXIS
from gpqi.charts.palette import FONT, NHS_BLACK, NHS_BLUE, NHS_RED, NHS_WARM_YELLOW
from gpqi.charts.render import render

MEASURES = {"floor": "floor", "one_date": "library, 1 date", "time_series": "library, 120 dates"}
COLOURS = [NHS_WARM_YELLOW, NHS_BLUE, NHS_RED]
SHAPES = ["triangle-up", "circle", "square"]
PER = 100_000  # fits are given per this many patients


def patients(report: dict[str, Any]) -> int:
    """The list size the workspace was generated for (`--patients`, or the ws-N folder's N)."""
    label = report["patients_label"]
    if isinstance(label, int):
        return label
    found = re.search(r"(\d+)$", str(label))
    if not found:
        raise ValueError(f"cannot tell the population of {label!r}")
    return int(found.group(1))


def command_peak_mib(report_path: Path) -> float | None:
    """Peak resident set of the whole command from a /usr/bin/time -v log beside the report."""
    log = report_path.with_suffix(".log")
    if not log.exists():
        return None
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", log.read_text(encoding="utf-8"))
    return int(found.group(1)) / 1024 if found else None


def fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares line y = fixed + slope * x; (fixed, slope)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    return my - slope * mx, slope


def panel(
    rows: list[dict[str, Any]], fits: list[dict[str, Any]], field: str, title: str, log_y: bool = False
) -> dict[str, Any]:
    sizes = sorted({r["patients"] for r in rows})
    x = {
        "field": "patients",
        "type": "quantitative",
        "title": "patients (log scale)",
        # A log scale spreads 100k to 2M evenly, and on log-log axes a linear cost is a straight
        # line at 45 degrees.
        "scale": {"type": "log", "nice": False, "domain": [min(sizes) * 0.85, max(sizes) * 1.15]},
        "axis": {
            "labelOverlap": False,
            "values": sizes,
            # 250k, 500k, 1M, 2M (the "~s" format would round 250k to 0.3M)
            "labelExpr": "datum.value >= 1e6 ? format(datum.value / 1e6, '~g') + 'M'"
            " : format(datum.value / 1e3, '~g') + 'k'",
        },
    }
    colour = {
        "field": "measure",
        "type": "nominal",
        "title": None,
        "scale": {"domain": list(MEASURES.values()), "range": COLOURS},
    }
    shape = {**colour, "scale": {"domain": list(MEASURES.values()), "range": SHAPES}}
    y: dict[str, Any] = {"field": field, "type": "quantitative", "title": title}
    if log_y:
        y["scale"] = {"type": "log"}
    layers: list[dict[str, Any]] = [
        {"mark": {"type": "line", "strokeWidth": 2}, "encoding": {"x": x, "y": y, "color": colour}},
        {
            "mark": {"type": "point", "filled": True, "size": 70, "stroke": NHS_BLACK, "strokeWidth": 0.8},
            "encoding": {
                "x": x,
                "y": y,
                "color": colour,
                "shape": shape,
                "tooltip": [{"field": "patients", "format": ","}, {"field": "measure"}, {"field": field}],
            },
        },
    ]
    if fits:
        layers.insert(
            0,
            {
                "data": {"values": fits},
                "mark": {"type": "line", "strokeDash": [4, 4], "strokeWidth": 1, "opacity": 0.8},
                "encoding": {"x": x, "y": {**y, "field": "fitted"}, "color": colour},
            },
        )
    return {"width": 290, "height": 290, "data": {"values": rows}, "layer": layers}


def chart(rows: list[dict[str, Any]], fits: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": "gpqi bench: CPU seconds and peak memory against the number of patients",
        "title": {"text": title, "anchor": "start", "fontSize": 15},
        "background": "white",
        "padding": 8,
        "spacing": 30,
        "hconcat": [
            panel(rows, fits, "cpu_seconds", "CPU seconds (user + system, log scale)", log_y=True),
            panel(rows, [], "cpu_per_100k", "CPU seconds per 100k patients"),
            panel(rows, [], "peak_gib", "peak memory, measuring process (GiB)"),
        ],
        "resolve": {"scale": {"color": "shared", "shape": "shared"}},
        "config": {
            "font": FONT,
            "axis": dict(AXIS),
            "legend": {
                "orient": "bottom",
                "direction": "horizontal",
                "labelFontSize": 13,
                "columnPadding": 24,
                "symbolSize": 90,
            },
            "view": {"stroke": None},
        },
    }


def _spread(low: int, high: int, steps: int = 24) -> list[float]:
    """Points from low to high evenly on a log scale, to draw a fitted line as a curve there."""
    return [low * (high / low) ** (i / steps) for i in range(steps + 1)]


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = Path(sys.argv[1])
    loaded = sorted(
        ((Path(p), json.loads(Path(p).read_text(encoding="utf-8"))) for p in sys.argv[2:]),
        key=lambda item: patients(item[1]),
    )
    rows: list[dict[str, Any]] = []
    print(
        "| patients | people in snapshot | snapshot rows | measure | wall (s) | CPU (s) | CPU ÷ floor | peak (MiB) | whole command peak (MiB) | load at end (1, 5, 15 min) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path, report in loaded:
        n = patients(report)
        command = command_peak_mib(path)
        for key, name in MEASURES.items():
            if key not in report:  # a run cut short: the measures it finished
                continue
            part = report[key]
            rows.append(
                {
                    "patients": n,
                    "measure": name,
                    "cpu_seconds": part["cpu_seconds"],
                    "cpu_per_100k": part["cpu_seconds"] / n * PER,
                    "peak_gib": part["peak_rss_mb"] / 1024,
                }
            )
            # The workspace's figures go on its first line only.
            head = ["", "", "", "", ""]
            if key == "floor":
                # A report carried over from another run says so in "note" (shown instead).
                load = report.get("note") or " ".join(f"{v:.1f}" for v in report["load_average_at_end"])
                head = [
                    f"{n:,}",
                    f"{report['patients_in_snapshot']:,}",
                    f"{report['rows_processed'] / 1e6:.1f} M",
                    f"{command:,.0f}" if command else "",
                    load,
                ]
            print(
                f"| {head[0]} | {head[1]} | {head[2]} | {name} | {part['seconds']:.1f} "
                f"| {part['cpu_seconds']:.1f} | {part['cpu_seconds'] / report['floor']['cpu_seconds']:.1f}× "
                f"| {part['peak_rss_mb']:,.0f} | {head[3]} | {head[4]} |"
            )
    fits: list[dict[str, Any]] = []
    sizes = sorted({r["patients"] for r in rows})
    print()
    print(
        "| measure | fixed (CPU s) | CPU s per 100k patients | CPU s per 100k: smallest → largest | largest ÷ smallest, per patient |"
    )
    print("|---|---|---|---|---|")
    for name in MEASURES.values():
        series = [r for r in rows if r["measure"] == name]
        if len(series) < 2:
            continue
        fixed, slope = fit([r["patients"] / PER for r in series], [r["cpu_seconds"] for r in series])
        fits += [
            {"patients": n, "measure": name, "fitted": fixed + slope * n / PER}
            for n in _spread(series[0]["patients"], series[-1]["patients"])
        ]
        small, large = series[0], series[-1]
        per_small = small["cpu_seconds"] / small["patients"] * PER
        per_large = large["cpu_seconds"] / large["patients"] * PER
        print(
            f"| {name} | {fixed:.1f} | {slope:.2f} | {per_small:.2f} → {per_large:.2f} "
            f"| {per_large / per_small:.2f} |"
        )
    title = f"gpqi bench: cost against population ({', '.join(f'{n:,}' for n in sizes)} patients)"
    notes = [f"{patients(r):,} patients: {r['note']}" for _, r in loaded if r.get("note")]
    spec = chart(rows, fits, title)
    if notes:  # figures from another run are said to be so on the chart itself
        spec["title"]["subtitle"] = notes
        spec["title"]["subtitleFontSize"] = 12
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render(spec, "svg"))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
