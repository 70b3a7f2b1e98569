"""Writing audit records. `sent(...)` is how a view sends patient-level data: it writes the
record and builds the response inside one transaction, so if the audit write fails the data is
never sent (the exception becomes a plain 500 page with nothing in it)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from gpqi.web.audit.models import AuditRecord
from gpqi.web.permissions import access_for


def _client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    value = request.META.get("REMOTE_ADDR") or None
    return value


def write(
    request: HttpRequest,
    *,
    subject: str,
    action: str,
    fmt: str,
    practice_code: str = "",
    indicator_id: str = "",
    patient_count: int | None = None,
    record_count: int | None = None,
    filters: str = "",
) -> AuditRecord:
    user = request.user
    return AuditRecord.objects.create(
        user_id=user.pk,
        username=user.get_username(),
        role=access_for(request).role,
        subject=subject,
        action=action,
        format=fmt,
        practice_code=practice_code,
        indicator_id=indicator_id,
        patient_count=patient_count,
        record_count=record_count,
        path=request.path[:500],
        filters=filters[:500],
        client_ip=_client_ip(request),
    )


def sent(request: HttpRequest, build: Callable[[], HttpResponse], **record: object) -> HttpResponse:
    """Audit, then build the response, in one transaction; never send unaudited data.

    The audit says what was sent, not what was asked for: a HEAD request gets the headers a GET
    would (type, file name) and no body, so no patient data leaves and nothing is recorded.
    """
    if request.method == "HEAD":
        response = build()
        response.content = b""
        del response["Content-Length"]
    else:
        with transaction.atomic():
            write(request, **record)  # type: ignore[arg-type]
            response = build()
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
