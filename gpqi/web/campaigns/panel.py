"""The home page's campaign panel: for each active campaign, where the user's own practices
stand this week (practice staff see their practice; a facilitator or network lead their
practices; the central team the programme). Built from the same `Progress` as the campaign
page, so it shows nothing that page would not (the sentences are `gpqi.access.campaigns.position_line`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from gpqi.access.campaigns import NoSeries, position_line, progress_for
from gpqi.access.scope import Access
from gpqi.web.campaigns.models import Campaign
from gpqi.workspace import Workspace


@dataclass
class PanelItem:
    name: str
    href: str
    message: str = ""
    lines: list[str] = field(default_factory=list)


def campaign_panel(access: Access, ws: Workspace, limit_own: int = 5) -> list[PanelItem]:
    items = []
    for campaign in Campaign.objects.filter(status=Campaign.ACTIVE):
        item = PanelItem(campaign.name, reverse("campaigns:detail", args=[campaign.pk]))
        try:
            progress = progress_for(campaign.spec(), access, ws)
        except NoSeries:
            item.message = "No weekly results yet."
            items.append(item)
            continue
        latest = progress.programme[-1]
        own = progress.own()
        if access.is_central or len(own) > limit_own:
            value = "–" if latest.value is None else f"{latest.value:.1%}"
            item.lines.append(
                f"Week ending {latest.date:%d %B %Y}: programme {value} against a trajectory of "
                f"{latest.expected:.1%}; {progress.behind_count} of {len(progress.practices)} practices behind."
            )
            own = [s for s in own if s.behind][:limit_own] if not access.is_central else []
        else:
            item.message = f"Week ending {latest.date:%d %B %Y}."
        item.lines.extend(position_line(s, progress) for s in own)
        items.append(item)
    return items
