"""What a request may not have: the domain errors of `gpqi.access`, which the web maps to HTTP
(NotVisible -> 404, Forbidden -> 403, Unauthenticated -> 401) and the CLI to a message."""

from __future__ import annotations


class AccessError(Exception):
    """Base of the errors below. Messages name the thing asked for, never anything the user
    may not see (no counts, no names of practices outside their scope)."""


class NotVisible(AccessError):
    """The thing does not exist for this user: a practice, network, indicator or date outside
    their scope is reported exactly like one that does not exist (so a 404 reveals nothing)."""


class Forbidden(AccessError):
    """The user is known and the thing exists, but their role may not have it (403)."""


class Unauthenticated(AccessError):
    """No valid credentials (an unknown or revoked API token): 401."""
