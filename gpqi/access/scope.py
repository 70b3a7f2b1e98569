"""A user's scope: which practices are theirs, which are shared, which are named (no Django).

`Governance` is the programme's practices and agreements in force today; `scope_for` turns a
role and its practices into an `Access`, the one value every figure, page, download, report and
API answer is built for. The rules (docs/governance.md):
- shared views contain only practices whose agreement is in force and permits aggregate
  benchmarking (`shared`);
- a practice is named when it is the user's own (their practice, a facilitator's set, a network
  lead's network, or every practice for the central team) or it permits identifiable comparison;
  otherwise it appears by its stable pseudonym;
- counts of practices that are not the user's own pass through the disclosure gate
  (`gpqi.access.disclosure`);
- patient-level data needs a direct-care role at that practice and an agreement that permits
  direct care (`may_see_patients`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from gpqi.access.errors import NotVisible

ANALYST = "analyst"
CLINICIAN = "clinician"
PRACTICE_MANAGER = "practice_manager"
FACILITATOR = "facilitator"
NETWORK_LEAD = "network_lead"
IG_LEAD = "ig_lead"
ADMIN = "admin"
ROLES = (ANALYST, CLINICIAN, PRACTICE_MANAGER, FACILITATOR, NETWORK_LEAD, IG_LEAD, ADMIN)
CENTRAL_ROLES = frozenset({ANALYST, IG_LEAD, ADMIN})  # work for the programme as a whole
PRACTICE_ROLES = frozenset({CLINICIAN, PRACTICE_MANAGER})  # direct care at one practice


@dataclass(frozen=True)
class PracticeInfo:
    code: str
    name: str
    pseudonym: str
    network_code: str


@dataclass(frozen=True)
class Governance:
    """The practice register and what today's agreements in force permit."""

    practices: dict[str, PracticeInfo]
    shared: frozenset[str]  # aggregate benchmarking permitted
    identifiable: frozenset[str]  # of those, named to peers
    direct_care: frozenset[str]  # patient-level direct care permitted


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
        return list(self._visible)

    # An Access never changes once built (and the web keeps one per user scope while the
    # agreements stay the same), so its sorted lists are worked out once: at national scale
    # sorting 6,500 codes on every call cost more than some pages.
    @cached_property
    def _visible(self) -> tuple[str, ...]:
        return tuple(sorted(self.shared))

    @cached_property
    def _own_shared(self) -> tuple[str, ...]:
        return tuple(sorted(self.own & self.shared))

    @cached_property
    def _shared_by_network(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for code in self._visible:
            out.setdefault(self.practices[code].network_code, []).append(code)
        return {network: tuple(codes) for network, codes in out.items()}

    def shared_in_network(self, network_code: str) -> list[str]:
        """A network's practices in shared views, sorted by code."""
        return list(self._shared_by_network.get(network_code, ()))

    def may_view_practice(self, code: str) -> bool:
        """A practice's page: one of the user's own practices, with an agreement in force."""
        return code in self.own and code in self.shared

    def require_practice(self, code: str) -> PracticeInfo:
        if not self.may_view_practice(code):
            raise NotVisible("No such practice")
        return self.practices[code]

    def may_view_network(self, code: str) -> bool:
        return code in self._shared_by_network

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
        return list(self._own_shared)

    @cached_property
    def sees_all_raw(self) -> bool:
        """Every shared practice is the user's own (the central team): nothing is disclosed."""
        return self.shared <= self.own


def scope_for(
    gov: Governance,
    role: str,
    *,
    practice: str | None = None,
    practices: frozenset[str] = frozenset(),
    network: str | None = None,
) -> Access:
    """The Access of a user with `role`: `practice` for clinicians and practice managers,
    `practices` for facilitators, `network` for network leads; central roles own every practice;
    anyone else (no role, an unknown role) owns nothing and sees only disclosed figures."""
    own: set[str] = set()
    home_practice = home_network = None
    if role in CENTRAL_ROLES:
        own = set(gov.practices)
    elif role in PRACTICE_ROLES and practice in gov.practices:
        home_practice = practice
        home_network = gov.practices[practice].network_code
        own = {practice}
    elif role == FACILITATOR:
        own = {p for p in practices if p in gov.practices}
    elif role == NETWORK_LEAD and network:
        home_network = network
        own = {c for c, p in gov.practices.items() if p.network_code == network}
    return Access(
        role=role,
        own=frozenset(own),
        shared=gov.shared,
        identifiable=gov.identifiable,
        direct_care=gov.direct_care,
        practices=gov.practices,
        home_practice=home_practice,
        home_network=home_network,
    )


def outsider(gov: Governance) -> Access:
    """A user with nothing of their own: the disclosed view of every shared practice."""
    return scope_for(gov, "")


def central(gov: Governance) -> Access:
    """The central team's view (every practice its own, exact counts); agreements still apply."""
    return scope_for(gov, ADMIN)
