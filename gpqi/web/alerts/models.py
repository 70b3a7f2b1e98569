"""A user's subscription to the monthly alerts digest, with the secret token of its unsubscribe
link (so unsubscribing works from the email without signing in)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def _token() -> str:
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_subscription"
    )
    active = models.BooleanField(default=True)
    token = models.CharField(max_length=64, unique=True, default=_token)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()}: {'subscribed' if self.active else 'unsubscribed'}"
