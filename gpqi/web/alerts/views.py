"""The alerts page (subscribe or unsubscribe; this month's alerts for your practices) and the
unsubscribe link of the email (no sign-in needed: the link's secret token is the key; a GET shows
a button, the POST unsubscribes, so a mail scanner following links unsubscribes no one)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from gpqi.access.results import NoResults
from gpqi.reports.alerts import why
from gpqi.web.alerts.digest import alerts_of
from gpqi.web.alerts.models import Subscription
from gpqi.web.page import Page
from gpqi.web.permissions import access_for
from gpqi.web.ws import workspace


@login_required
def alerts_page(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    sub = Subscription.objects.filter(user=request.user).first()
    if request.method == "POST":
        want = request.POST.get("subscribe") == "1"
        if want and not access.own:
            raise Http404("No practices of your own to alert on")
        sub = sub or Subscription(user=request.user)
        sub.active = want
        sub.save()
        return redirect("alerts:page")
    ctx = {
        "page": Page("Alerts"),
        "subscribed": bool(sub and sub.active),
        "has_email": bool(request.user.email),
    }
    try:
        date, improvements, deteriorations = alerts_of(workspace(), request.user, None)
        ctx.update(
            month=date.strftime("%B %Y"),
            sections=[
                ("Improvements", [(a, why(a)) for a in improvements]),
                ("Deteriorations", [(a, why(a)) for a in deteriorations]),
            ],
        )
    except NoResults:
        ctx.update(month=None, sections=[])
    return render(request, "alerts/page.jinja", ctx)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    sub = Subscription.objects.filter(token=token).select_related("user").first()
    if sub is None:
        raise Http404("No such subscription")
    done = False
    if request.method == "POST":
        sub.active = False
        sub.save(update_fields=["active", "updated_at"])
        done = True
    return render(
        request, "alerts/unsubscribe.jinja", {"page": Page("Unsubscribe"), "done": done, "active": sub.active}
    )
