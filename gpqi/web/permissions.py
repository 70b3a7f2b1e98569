"""The one place that answers "may this user see X". Views ask an `Access`; nothing is hidden
only in the page.

Rules (DESIGN.md section 7, docs/governance.md):
- shared views contain only practices whose agreement is in force and permits aggregate
  benchmarking (`shared`);
- a practice is named when it is the user's own (their practice, a facilitator's set, a network
  lead's network, or every practice for the central team) or it permits identifiable comparison;
  otherwise it appears by its stable pseudonym;
- counts of practices that are not the user's own pass through disclosure control;
- patient-level data (issue 6) needs a direct-care role at that practice and an agreement that
  permits direct care: `may_see_patients`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from django.http import Http404, HttpRequest
from django.utils import timezone

from gpqi.web.accounts.models import CENTRAL_ROLES, PRACTICE_ROLES, Role


@dataclass(frozen=True)
class PracticeInfo:
    code: str
    name: str
    pseudonym: str
    network_code: str


@dataclass(frozen=True)
class Access:
    role: str
    own: frozenset[str]  # practices whose data the user may see undisclosed and named
    shared: frozenset[str]  # practices in shared views (agreement in force, benchmarking)
    identifiable: frozenset[str]  # of `shared`, those that permit naming to peers
    direct_care: frozenset[str]  # practices whose agreement permits patient-level direct care
    practices: dict[str, PracticeInfo] = field(repr=False)
    home_practice: str | None = None  # clinicians and practice managers
    home_network: str | None = None  # network leads; else the home practice's network

    # --- scope -------------------------------------------------------------------------------
    @property
    def is_central(self) -> bool:
        return self.role in CENTRAL_ROLES

    def visible(self) -> list[str]:
        """Practices that appear in shared views for this user, sorted by code."""
        return sorted(self.shared)

    def may_view_practice(self, code: str) -> bool:
        """A practice's page: one of the user's own practices, with an agreement in force."""
        return code in self.own and code in self.shared

    def require_practice(self, code: str) -> PracticeInfo:
        if not self.may_view_practice(code):
            raise Http404("No such practice")
        return self.practices[code]

    def may_view_network(self, code: str) -> bool:
        return any(p.network_code == code for p in self.practices.values() if p.code in self.shared)

    def may_see_patients(self, practice_code: str) -> bool:
        return (
            self.role in PRACTICE_ROLES
            and practice_code == self.home_practice
            and practice_code in self.direct_care
        )

    @property
    def may_see_data_quality(self) -> bool:
        return self.role in CENTRAL_ROLES

    # --- naming and disclosure ---------------------------------------------------------------
    def is_named(self, code: str) -> bool:
        return code in self.own or code in self.identifiable

    def label(self, code: str) -> str:
        info = self.practices[code]
        return info.name if self.is_named(code) else info.pseudonym

    def needs_disclosure(self, code: str) -> bool:
        return code not in self.own

    def own_shared(self) -> list[str]:
        return sorted(self.own & self.shared)


@dataclass(frozen=True)
class _Governance:
    practices: dict[str, PracticeInfo]
    shared: frozenset[str]
    identifiable: frozenset[str]
    direct_care: frozenset[str]


_governance_cache: dict[tuple, _Governance] = {}
_governance_lock = threading.Lock()


def _governance() -> _Governance:
    """Practices and agreements, cached per process until any of them changes (the key is
    cheap to read: counts and the latest update time) or the day changes."""
    from django.db.models import Count, Max

    from gpqi.web.governance.models import Agreement, Practice

    today = timezone.localdate()
    agg = Agreement.objects.aggregate(n=Count("id"), t=Max("updated_at"))
    key = (today, agg["n"], agg["t"], Practice.objects.count(), Practice.objects.aggregate(m=Max("id"))["m"])
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
    gov = _Governance(practices, frozenset(shared), frozenset(identifiable), frozenset(direct_care))
    with _governance_lock:
        _governance_cache.clear()
        _governance_cache[key] = gov
    return gov


def build_access(user) -> Access:  # noqa: ANN001 - a Django user
    gov = _governance()
    practices = gov.practices
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    role = profile.role if profile else (Role.ADMIN if user.is_superuser else "")
    own: set[str] = set()
    home_practice = home_network = None
    if role in CENTRAL_ROLES:
        own = set(practices)
    elif profile is not None and role in PRACTICE_ROLES and profile.practice_id:
        home_practice = profile.practice.code
        home_network = profile.practice.network.code
        own = {home_practice}
    elif profile is not None and role == Role.FACILITATOR:
        own = set(profile.practices.values_list("code", flat=True))
    elif profile is not None and role == Role.NETWORK_LEAD and profile.network_id:
        home_network = profile.network.code
        own = {c for c, p in practices.items() if p.network_code == home_network}
    return Access(
        role=str(role),
        own=frozenset(own),
        shared=gov.shared,
        identifiable=gov.identifiable,
        direct_care=gov.direct_care,
        practices=practices,
        home_practice=home_practice,
        home_network=home_network,
    )


def access_for(request: HttpRequest) -> Access:
    """The request's Access, built once per request."""
    cached = getattr(request, "_gpqi_access", None)
    if cached is None:
        cached = build_access(request.user)
        request._gpqi_access = cached  # type: ignore[attr-defined]
    return cached
