"""The campaign pages: the list of campaigns, one campaign (chart, programme by week, ranking,
practices behind, uptake by practice and week; every table as CSV/XLSX, the chart as PNG/SVG),
and the tip form. What each user sees is decided here, on the server, by `Access`."""

from __future__ import annotations

import dataclasses

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from gpqi.access.campaigns import CampaignProgress, NoSeries, built_from_progress
from gpqi.access.figures import sees_all_raw
from gpqi.reports.campaign import chart_spec
from gpqi.web.accounts.models import CENTRAL_ROLES, Role
from gpqi.web.campaigns import tables
from gpqi.web.campaigns.forms import TipForm
from gpqi.web.campaigns.models import Campaign
from gpqi.web.catalogue import catalogue
from gpqi.web.downloads import About, disclosure_note, source
from gpqi.web.page import Page, respond
from gpqi.web.permissions import Access, access_for
from gpqi.web.tables import Column, Table
from gpqi.web.ws import workspace

TIP_EDITORS = frozenset({Role.NETWORK_LEAD, Role.ANALYST, Role.ADMIN})


def may_edit_tip(access: Access) -> bool:
    return access.role in TIP_EDITORS


def visible_campaigns(access: Access):  # noqa: ANN201 - a QuerySet
    """Drafts are for the central team; active and closed campaigns are for everyone."""
    qs = Campaign.objects.all()
    if access.role not in CENTRAL_ROLES:
        qs = qs.exclude(status=Campaign.DRAFT)
    return qs


def _campaign(access: Access, pk: int) -> Campaign:
    return get_object_or_404(visible_campaigns(access), pk=pk)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    page = Page("Campaigns")
    t = page.add_table(
        Table(
            "campaigns",
            "Campaigns",
            [
                Column("name", "Campaign"),
                Column("indicator", "Indicator"),
                Column("start", "Start", "date"),
                Column("end", "End", "date"),
                Column("target", "Target", "pct"),
                Column("status", "Status"),
            ],
        )
    )
    campaigns = list(visible_campaigns(access))
    titles = {m.id: m.title for m in catalogue(sorted({c.indicator_id for c in campaigns})).values()}
    page.about = About(
        "", timezone.localdate(), "The campaigns you may see", "No counts", source(workspace())
    )
    for c in campaigns:
        t.rows.append(
            {
                "name": c.name,
                "_href": reverse("campaigns:detail", args=[c.pk]),
                "indicator": titles.get(c.indicator_id, c.indicator_id),
                "start": c.start,
                "end": c.end,
                "target": c.target,
                "status": c.get_status_display(),
            }
        )
    return respond(request, "campaigns/list.jinja", page, {})


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request)
    campaign = _campaign(access, pk)
    page = Page(campaign.name)
    ctx = {
        "campaign": campaign,
        "may_edit_tip": may_edit_tip(access),
        "progress": None,
        "indicator_title": catalogue([campaign.indicator_id])[campaign.indicator_id].title,
    }
    try:
        progress, (spec, parts) = built_from_progress(
            campaign.spec(), access, workspace(), "campaign-page", _page_parts
        )
    except NoSeries as exc:
        ctx["no_series"] = str(exc)
        return respond(request, "campaigns/detail.jinja", page, ctx)
    ctx["progress"] = progress
    ctx["latest"] = progress.programme[-1]
    ws = workspace()
    own = [] if sees_all_raw(access) else [access.label(p) for p in access.own_shared()]
    page.file_parts = [f"campaign-{campaign.pk}", campaign.indicator_id]
    page.about = About(
        "",
        ctx["latest"].date,
        f"{campaign.name}: weekly cumulative uptake of every practice with a data-sharing agreement in force",
        disclosure_note(ws, sees_all_raw(access), own),
        source(ws),
    )
    page.add_chart("uptake-chart", "Cumulative uptake by week against the target trajectory", spec)
    for t in parts:
        # a copy: a download sets its own context on the table; the rows and HTML are shared
        page.add_table(dataclasses.replace(t))
    return respond(request, "campaigns/detail.jinja", page, ctx)


def _page_parts(progress: CampaignProgress) -> tuple[dict, list[Table]]:
    """The chart and the four tables, built from the user's progress alone: memoised with it
    (`built_from_progress`), their rows and HTML rendered once per scope, not per request."""
    parts = [
        tables.programme_table(progress),
        tables.ranking_table(progress),
        tables.behind_table(progress),
        tables.weekly_table(progress),
    ]
    for t in parts:
        t.finish()
    return chart_spec(progress), parts


@login_required
def edit_tip(request: HttpRequest, pk: int) -> HttpResponse:
    access = access_for(request)
    if not may_edit_tip(access):
        raise Http404("Not available for your role")
    campaign = _campaign(access, pk)
    if request.method == "POST":
        form = TipForm(request.POST)
        if form.is_valid():
            campaign.tip = form.cleaned_data["tip"].strip()
            campaign.tip_updated_by = request.user
            campaign.tip_updated_at = timezone.now()
            campaign.save(update_fields=["tip", "tip_updated_by", "tip_updated_at", "updated_at"])
            return redirect(reverse("campaigns:detail", args=[campaign.pk]) + "#tip")
    else:
        form = TipForm(initial={"tip": campaign.tip})
    return render(request, "campaigns/tip.jinja", {"campaign": campaign, "form": form, "page": Page("Tip")})
