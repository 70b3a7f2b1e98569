"""The comparative pages, a module per page. Each view asks `Access` what the user may see and
builds its tables and charts from `gpqi.access.figures` (which applies agreements, pseudonyms and
disclosure); downloads come from the same view (`page.respond`)."""

from gpqi.web.dashboard.views.home import home
from gpqi.web.dashboard.views.indicators import indicator, indicator_list
from gpqi.web.dashboard.views.networks import network, networks
from gpqi.web.dashboard.views.operational import operational
from gpqi.web.dashboard.views.practices import practice, practice_list
from gpqi.web.dashboard.views.quality import about, data_quality

__all__ = [
    "about",
    "data_quality",
    "home",
    "indicator",
    "indicator_list",
    "network",
    "networks",
    "operational",
    "practice",
    "practice_list",
]
