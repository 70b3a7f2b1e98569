"""The profile page's API tokens: create one (its text is shown once, on the page that created
it, never again), see when each was last used, revoke one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from gpqi.web.api.models import ApiToken
from gpqi.web.page import Page


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    new_token = None
    error = ""
    if request.method == "POST":
        if "revoke" in request.POST:
            token = ApiToken.objects.filter(user=request.user, pk=request.POST.get("revoke")).first()
            if token is None:
                raise Http404("No such token")
            token.revoke()
            return redirect(reverse("api_tokens"))
        name = request.POST.get("name", "").strip()
        if not name or len(name) > 100:
            error = "Give the token a name of up to 100 characters (what it is for)."
        else:
            _, new_token = ApiToken.issue(request.user, name)
    return render(
        request,
        "accounts/tokens.jinja",
        {
            "page": Page("API tokens"),
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_token": new_token,
            "error": error,
            "api_root": request.build_absolute_uri("/api/v1/"),
        },
    )
