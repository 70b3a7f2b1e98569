"""One user's digest for a month: their access, the alerts gpqi.access.alerts selects for their own
practices, laid out by gpqi.reports.alerts."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from gpqi.access.alerts import Alert, AlertSettings, alerts_for
from gpqi.access.pack import month_date
from gpqi.access.results import store_for
from gpqi.reports import alerts as layout
from gpqi.web.alerts.models import Subscription
from gpqi.web.catalogue import catalogue
from gpqi.web.permissions import build_access
from gpqi.workspace import Workspace


def alerts_of(ws: Workspace, user, month: str | None) -> tuple[dt.date, list[Alert], list[Alert]]:  # noqa: ANN001
    store = store_for(ws)
    date = month_date(store, month) if month else store.latest_date()
    access = build_access(user)
    improvements, deteriorations = alerts_for(
        ws, store, access, catalogue(store.indicator_ids()), date, AlertSettings.of(ws)
    )
    return date, improvements, deteriorations


def digest_for(ws: Workspace, subscription: Subscription, month: str | None) -> layout.Digest:
    user = subscription.user
    date, improvements, deteriorations = alerts_of(ws, user, month)
    site = ws.config.alerts.site_url.rstrip("/")
    return layout.build(
        user.get_username(),
        user.email,
        date,
        improvements,
        deteriorations,
        ws.config.workspace.name,
        site,
        site + reverse("alerts:unsubscribe", args=[subscription.token]),
        ws.config.alerts.min_denominator,
    )
