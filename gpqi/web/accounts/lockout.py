"""Login throttling (django-axes): what a locked-out user sees, and the record of each lock-out.

After `AXES_FAILURE_LIMIT` failed log-ins for one account, or from one client address, further
attempts are refused for `AXES_COOLOFF_TIME`, even with the right password: the login page says
so plainly (HTTP 429). Every failed attempt and every lock-out is kept in the database by axes
(`AccessFailureLog`, `locked_out` marks a lock-out; admin pages under "Axes"), listed for the
information governance lead on the audit page (gpqi.web.audit.views), and each lock-out is also
logged as a warning naming the account and the address, never the password.
"""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gpqi.web.accounts.forms import NhsAuthenticationForm

log = logging.getLogger("gpqi.web.accounts")


def _minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def message() -> str:
    return (
        f"Too many failed log-in attempts for this account or from this computer's address. "
        f"Log-in is paused for {_minutes()} minutes; try again then, or ask your programme's "
        "administrator to unlock the account. The lock-out is recorded in the audit log."
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page again, with the lock-out explained and no form errors about the password."""
    form = NhsAuthenticationForm(request)
    return render(request, "accounts/login.jinja", {"form": form, "locked_out": message()}, status=429)


@receiver(user_locked_out)
def _record(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **_: Any
) -> None:
    log.warning("login locked out: account %r from address %s", username or "", ip_address or "unknown")
