"""gpqi.stats: the statistics every view, report and alert uses. Pure functions over arrays
(NumPy, SciPy, pandas); nothing here reads files, the web or the engine.

Methods and the exact rules they follow are in docs/statistics.md and docs/statistics.md:

- proportions: `wilson_interval`
- funnel plots: `funnel`, `funnel_limits` (OHID Wilson limits, or Spiegelhalter overdispersed)
- SPC (Making Data Count / NHSRplotthedots XmR): `spc`, `variation_icon`; p and Laney p' charts: `p_chart`;
  an indicator series on the chart that fits it, rebased and season against season: `series_spc`,
  `proportion_spc`, `choose_chart`
- variation between practices: `variation`, `compare_variation`
- peer position: `percent_rank`, `deciles`
- change alerts (OpenPrescribing CUSUM): `cusum_alerts`, `last_alert`
- disclosure control: `disclose`, `disclose_table`
- targets: `opportunity`, `network_incentive`
"""

from gpqi.stats.cusum import cusum_alerts, last_alert
from gpqi.stats.disclosure import REDACT_AT_OR_BELOW, ROUND_TO, disclose, disclose_table
from gpqi.stats.funnel import FunnelResult, funnel, funnel_limits, overdispersion
from gpqi.stats.pchart import PChartResult, p_chart
from gpqi.stats.proportions import Z95, Z998, wilson_interval
from gpqi.stats.ranking import DECILES, deciles, percent_rank
from gpqi.stats.spc import (
    ASSURANCES,
    CHART_LABELS,
    CHARTS,
    POINT_TYPES,
    RULES,
    SpcResult,
    spc,
    variation_icon,
)
from gpqi.stats.spc_series import ChartChoice, SeriesSpc, choose_chart, proportion_spc, season_of, series_spc
from gpqi.stats.targets import network_incentive, opportunity
from gpqi.stats.variation import compare_variation, variation

__all__ = [
    "ASSURANCES",
    "CHARTS",
    "CHART_LABELS",
    "ChartChoice",
    "SeriesSpc",
    "choose_chart",
    "proportion_spc",
    "season_of",
    "series_spc",
    "DECILES",
    "POINT_TYPES",
    "REDACT_AT_OR_BELOW",
    "ROUND_TO",
    "RULES",
    "Z95",
    "Z998",
    "FunnelResult",
    "PChartResult",
    "SpcResult",
    "compare_variation",
    "cusum_alerts",
    "deciles",
    "disclose",
    "disclose_table",
    "funnel",
    "funnel_limits",
    "last_alert",
    "network_incentive",
    "opportunity",
    "overdispersion",
    "p_chart",
    "percent_rank",
    "spc",
    "variation",
    "variation_icon",
    "wilson_interval",
]
