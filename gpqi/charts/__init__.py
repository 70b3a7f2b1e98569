"""gpqi.charts: Vega-Lite chart specs as plain dicts, shared by the web pages (vega-embed),
reports and email (rendered to PNG/SVG with `render`). Each builder takes tidy data (a pandas
DataFrame or a list of dicts) and returns a spec; none of them computes statistics beyond what it
draws (the numbers come from gpqi.stats).

- `funnel_chart`: proportions against denominators inside funnel limits
- `spc_chart`: Making Data Count XmR chart with MDC colours and variation/assurance icons
- `caterpillar_chart`: league table of practices with confidence intervals
- `distribution_chart`: practices at two (or more) dates, sized by list size
- `trend_chart`: one practice over time against its peers' deciles
- `position_chart`: a practice against its peers' median and middle half on a few measures
- `campaign_chart`: a campaign's cumulative uptake by week against its target trajectory
- `render(spec, "png" | "svg")`: bytes for downloads, reports and email
"""

from gpqi.charts.campaign import campaign_chart
from gpqi.charts.caterpillar import caterpillar_chart
from gpqi.charts.distribution import distribution_chart
from gpqi.charts.funnel import funnel_chart
from gpqi.charts.position import position_chart
from gpqi.charts.render import render
from gpqi.charts.spc import spc_chart
from gpqi.charts.trend import trend_chart

__all__ = [
    "campaign_chart",
    "caterpillar_chart",
    "distribution_chart",
    "funnel_chart",
    "position_chart",
    "render",
    "spc_chart",
    "trend_chart",
]
