"""Render the pictures in docs/statistics.md from the chart specs:

    python -m gpqi.charts.render_docs [--out docs/img]

The SPC example is real public data: NHS England A&E four-hour performance, all types, April
2016 - March 2019 (NHSRdatasets::ae_attendances, as summed in NHSRplotthedots' own tests). The
practices in the other pictures are illustrative, drawn from a fixed random seed so every run
gives the same pictures; they are not real practices. The figures quoted in the docs are printed
at the end.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from gpqi import stats
from gpqi.charts import caterpillar_chart, distribution_chart, funnel_chart, render, spc_chart, trend_chart

# sum(attendances - breaches) / sum(attendances) over all providers, by month (see module docstring)
AE_PERFORMANCE = [
    0.9003512724457525, 0.9027555860390081, 0.9055994429248081, 0.9028524786030435, 0.909763097023593,
    0.9064786853944554, 0.8905308979446662, 0.8837903610883545, 0.8617594559611471, 0.851413411900772,
    0.8753090395991286, 0.9000949482943537, 0.9051525263083392, 0.8970035160821932, 0.9072518525056468,
    0.9034785895858326, 0.9029928875860346, 0.8966609396555797, 0.8994186788850258, 0.8876655246839736,
    0.8498503458662225, 0.8529918213516818, 0.8504476893558943, 0.8462121637147311, 0.8857248828216929,
    0.9039011151983545, 0.9076297242234981, 0.8931949047110505, 0.8972702710007838, 0.8894368286304747,
    0.8900933497219513, 0.8760446687116353, 0.8644632183941728, 0.843525141560121, 0.8422525009629417,
    0.8660427671795345,
]  # fmt: skip
SEED = 20180401


def illustrative_practices(count: int = 60, seed: int = SEED) -> pd.DataFrame:
    """Practices with list-size-like denominators and true rates that really differ between
    practices (so the data are overdispersed, as real practice data usually are)."""
    rng = np.random.default_rng(seed)
    denominators = np.round(rng.lognormal(mean=6.3, sigma=0.6, size=count)).astype(int) + 30
    true_rates = rng.beta(70, 30, size=count)  # mean 70%, SD about 4.6 points between practices
    numerators = rng.binomial(denominators, true_rates)
    labels = [f"Practice {i + 1:02d}" for i in range(count)]
    return pd.DataFrame({"label": labels, "numerator": numerators, "denominator": denominators})


def build(out: Path) -> list[str]:
    """Write the PNGs; return lines of the figures the docs quote."""
    out.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    practices = illustrative_practices()
    own = "Practice 07"
    for method in ("wilson", "spiegelhalter"):
        result = stats.funnel(practices["numerator"], practices["denominator"], method=method)
        points = result.table.assign(label=practices["label"].to_numpy())
        title = "Wilson (OHID) limits" if method == "wilson" else "Spiegelhalter overdispersed limits"
        spec = funnel_chart(
            points, target=result.target, method=method, tau2=result.tau2, highlight=own, title=title
        )
        (out / f"funnel-{method}.png").write_bytes(render(spec, "png", scale=1))
        beyond = int(result.table["outlier_998"].notna().sum())
        notes.append(
            f"funnel {method}: target {result.target:.4f}, phi {result.phi:.2f}, tau2 {result.tau2:.5f}, "
            f"{beyond} of {len(points)} beyond 99.8%"
        )

    months = pd.date_range("2016-04-01", periods=len(AE_PERFORMANCE), freq="MS")
    ae = stats.spc(pd.Series(AE_PERFORMANCE, index=months), fix_after_n_points=12, target=0.95)
    spec = spc_chart(
        ae, title="A&E four-hour performance, England", y_title="Seen within 4 hours", value_format=".0%"
    )
    (out / "spc.png").write_bytes(render(spec, "png", scale=1))
    limits = ae.table.iloc[0]
    notes.append(
        f"spc A&E: mean {limits['mean']:.4f}, limits {limits['lpl']:.4f} to {limits['upl']:.4f}, "
        f"variation {ae.variation} ({ae.variation_icon}), assurance {ae.assurance}"
    )

    subset = practices.head(30)
    lower, upper = stats.wilson_interval(subset["numerator"], subset["denominator"])
    table = subset.assign(value=subset["numerator"] / subset["denominator"], lower=lower, upper=upper)
    comparator = float(subset["numerator"].sum() / subset["denominator"].sum())
    spec = caterpillar_chart(
        table, comparator=comparator, highlight=own, title="Blood pressure control (illustrative)"
    )
    (out / "caterpillar.png").write_bytes(render(spec, "png", scale=1))

    rng = np.random.default_rng(SEED + 1)
    sizes = rng.integers(2500, 16000, len(practices))
    before = np.clip(rng.normal(0.38, 0.13, len(practices)), 0.05, 0.95)
    after = np.clip(rng.normal(0.88, 0.05, len(practices)), 0.05, 0.99)
    rows = [
        {"label": label, "period": period, "value": value, "size": int(size)}
        for period, values in (("March 2015", before), ("March 2018", after))
        for label, value, size in zip(practices["label"], values, sizes, strict=True)
    ]
    spec = distribution_chart(rows, highlight=own, title="Pulse checks in over-65s (illustrative)")
    (out / "distribution.png").write_bytes(render(spec, "png", scale=1))
    change = stats.compare_variation(
        stats.variation(before, weights=sizes), stats.variation(after, weights=sizes)
    )
    notes.append(
        f"distribution: weighted median {change['median']['before']:.3f} -> {change['median']['after']:.3f}, "
        f"IQR {change['iqr']['before']:.3f} -> {change['iqr']['after']:.3f}"
    )

    dates = pd.date_range("2021-04-01", periods=24, freq="MS")
    drift = np.linspace(0.0, 0.06, len(dates))
    peer_rows = []
    for date, shift in zip(dates, drift, strict=True):
        for percentile, value in stats.deciles(rng.normal(0.62 + shift, 0.07, 40)).items():
            peer_rows.append({"date": date, "percentile": percentile, "value": value})
    mine = pd.DataFrame(
        {"date": dates, "value": np.linspace(0.48, 0.74, len(dates)) + rng.normal(0, 0.015, len(dates))}
    )
    spec = trend_chart(
        mine, peer_rows, label=own, peer_group="network", title="Statin prescribing (illustrative)"
    )
    (out / "trend.png").write_bytes(render(spec, "png", scale=1))
    alerts = stats.cusum_alerts(stats.percent_rank(mine["value"]))
    notes.append(f"trend: {own} CUSUM alerts {alerts['alert'].value_counts().to_dict()}")
    return notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    for line in build(args.out):
        print(line)


if __name__ == "__main__":
    main()
