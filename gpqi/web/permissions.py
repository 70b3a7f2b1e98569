"""The web's side of "may this user see X": a request's `Access` (gpqi.access.scope) built from
the user's profile and the agreements in the app database. The rules themselves live in
`gpqi.access`; views ask the `Access`, and nothing is hidden only in the page. The access
errors (`gpqi.access.errors`) become 404/403 in `gpqi.web.middleware.AccessErrorsMiddleware`.
"""

from __future__ import annotations

import threading

from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from gpqi.access.scope import Access, Governance, PracticeInfo, scope_for
from gpqi.web.accounts.models import Role
from gpqi.web.governance.models import Agreement, Practice

__all__ = ["Access", "access_for", "build_access", "governance"]

_governance_cache: dict[tuple, Governance] = {}
_governance_lock = threading.Lock()
# Accesses built from the cached Governance, per user scope: the same inputs give the same
# Access (scope_for is a pure function), so it and what it has worked out are kept until the
# agreements or practices change.
_access_cache: dict[tuple, Access] = {}
ACCESS_CACHE_ENTRIES = 10_000


def governance() -> Governance:
    """Practices and agreements, cached per process until any of them changes (the key is
    cheap to read: counts and the latest update time) or the day changes."""
    today = timezone.localdate()
    key = (today, *_change_key())
    with _governance_lock:
        if key in _governance_cache:
            return _governance_cache[key]
    practices = {
        p.code: PracticeInfo(p.code, p.name, p.pseudonym, p.network.code)
        for p in Practice.objects.select_related("network")
    }
    shared: set[str] = set()
    identifiable: set[str] = set()
    direct_care: set[str] = set()
    for a in Agreement.objects.filter(status=Agreement.ACTIVE).select_related("practice"):
        if not a.is_in_force(today):
            continue
        code = a.practice.code
        if a.aggregate_benchmarking:
            shared.add(code)
            if a.identifiable_comparison:
                identifiable.add(code)
        if a.direct_care:
            direct_care.add(code)
    gov = Governance(practices, frozenset(shared), frozenset(identifiable), frozenset(direct_care))
    with _governance_lock:
        _governance_cache.clear()
        _access_cache.clear()
        _governance_cache[key] = gov
    return gov


def _change_key() -> tuple:
    """Counts and latest changes of agreements and practices, in one query that runs on every
    request: each part is its own subquery so that the database answers it from an index (the
    count from the smallest index, the maxima from `updated_at`'s and the primary key), not by
    reading every row (2.5 ms at 6,459 agreements on SQLite when asked together)."""
    a, p = Agreement._meta.db_table, Practice._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {a}), (SELECT MAX(updated_at) FROM {a}), "
            f"(SELECT COUNT(*) FROM {p}), (SELECT MAX(id) FROM {p})"
        )
        return tuple(cursor.fetchone())


def build_access(user) -> Access:  # noqa: ANN001 - a Django user
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    role = profile.role if profile else (Role.ADMIN if user.is_superuser else "")
    practice = network = None
    practices: frozenset[str] = frozenset()
    if profile is not None:
        if profile.practice_id:
            practice = profile.practice.code
        if profile.network_id:
            network = profile.network.code
        if role == Role.FACILITATOR:
            practices = frozenset(profile.practices.values_list("code", flat=True))
    gov = governance()
    key = (id(gov), str(role), practice, practices, network)
    with _governance_lock:
        cached = _access_cache.get(key)
    if cached is not None and cached.practices is gov.practices:
        return cached
    access = scope_for(gov, str(role), practice=practice, practices=practices, network=network)
    with _governance_lock:
        if len(_access_cache) >= ACCESS_CACHE_ENTRIES:
            _access_cache.clear()
        _access_cache[key] = access
    return access


def access_for(request: HttpRequest) -> Access:
    """The request's Access, built once per request."""
    cached = getattr(request, "_gpqi_access", None)
    if cached is None:
        cached = build_access(request.user)
        request._gpqi_access = cached  # type: ignore[attr-defined]
    return cached
