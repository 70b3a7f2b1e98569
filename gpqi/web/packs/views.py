"""`/packs/?focus=...&month=YYYY-MM`: the signed-in user's meeting pack as a PDF (their own
access: what they would see on the pages). Default focus: the user's practice, else network, else
the programme; default month: the latest with results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from gpqi.access.focus import Focus, default_focus
from gpqi.access.results import NoResults
from gpqi.reports.pack import file_name, pdf
from gpqi.web.packs.build import build_document
from gpqi.web.permissions import access_for
from gpqi.web.ws import workspace


@login_required
def pack(request: HttpRequest) -> HttpResponse:
    access = access_for(request)
    text = request.GET.get("focus")
    focus = Focus.parse(text) if text else default_focus(access)
    try:
        doc = build_document(workspace(), access, focus, request.GET.get("month") or None)
    except NoResults as exc:
        raise Http404("No results yet") from exc
    except ValueError as exc:
        raise Http404(str(exc).replace("--month ", "month ")) from exc
    response = HttpResponse(pdf(doc), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_name(doc.figures)}"'
    return response
