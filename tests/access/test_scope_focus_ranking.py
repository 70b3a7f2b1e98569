"""gpqi.access without Django: scopes per role, Focus parsing and checks, the ranking rule."""

from __future__ import annotations

import numpy as np
import pytest

from gpqi.access import scope
from gpqi.access.errors import NotVisible
from gpqi.access.focus import Focus, default_focus
from gpqi.access.ranking import competition_ranks
from gpqi.access.scope import Governance, PracticeInfo


def _gov() -> Governance:
    practices = {
        code: PracticeInfo(code, f"Surgery {code}", f"Practice {chr(64 + i)}", net)
        for i, (code, net) in enumerate(
            [("P1", "N1"), ("P2", "N1"), ("P3", "N1"), ("P4", "N2"), ("P5", "N2"), ("P6", "N3")], start=1
        )
    }
    return Governance(
        practices,
        shared=frozenset({"P1", "P2", "P3", "P4", "P5"}),  # P6: no agreement in force
        identifiable=frozenset({"P2"}),
        direct_care=frozenset({"P1", "P2"}),
    )


def test_scope_of_each_role():
    gov = _gov()
    clinician = scope.scope_for(gov, scope.CLINICIAN, practice="P1")
    assert clinician.own == {"P1"} and clinician.home_network == "N1" and not clinician.is_central
    assert clinician.may_see_patients("P1") and not clinician.may_see_patients("P2")
    assert clinician.label("P1") == "Surgery P1" and clinician.label("P2") == "Surgery P2"  # P2 opted in
    assert clinician.label("P3") == "Practice C" and clinician.needs_disclosure("P3")
    lead = scope.scope_for(gov, scope.NETWORK_LEAD, network="N2")
    assert lead.own == {"P4", "P5"} and not lead.may_see_patients("P4")
    facilitator = scope.scope_for(gov, scope.FACILITATOR, practices=frozenset({"P3", "P6", "ZZ"}))
    assert facilitator.own == {"P3", "P6"} and facilitator.own_shared() == ["P3"]
    central = scope.central(gov)
    assert central.is_central and central.sees_all_raw and central.own == set(gov.practices)
    outsider = scope.outsider(gov)
    assert outsider.own == frozenset() and not outsider.sees_all_raw
    nobody = scope.scope_for(gov, "unknown-role", practice="P1")
    assert nobody.own == frozenset()
    with pytest.raises(NotVisible):
        clinician.require_practice("P3")
    with pytest.raises(NotVisible):
        facilitator.require_practice("P6")  # no agreement in force: not even its facilitator


def test_scope_edges_found_by_mutation_testing():
    """Each assertion here failed under a mutant that every other test let through."""
    gov = _gov()
    clinician = scope.scope_for(gov, scope.CLINICIAN, practice="P1", network="N2")
    assert clinician.own == {"P1"} and clinician.home_network == "N1"  # a network is a lead's only
    assert scope.scope_for(gov, scope.CLINICIAN, practice="ZZ", network="N2").own == frozenset()
    assert scope.scope_for(gov, "unknown-role", network="N2").own == frozenset()
    assert clinician.require_practice("P1") == gov.practices["P1"]
    with pytest.raises(NotVisible, match="^No such practice$"):  # the 404 page's words
        clinician.require_practice("P2")
    for access in (scope.central(gov), scope.outsider(gov), scope.scope_for(gov, scope.FACILITATOR)):
        assert access.home_practice is None and access.home_network is None
    assert scope.outsider(gov).visible() == ["P1", "P2", "P3", "P4", "P5"]


def test_focus_parsed_once_and_checked():
    gov = _gov()
    clinician = scope.scope_for(gov, scope.CLINICIAN, practice="P1")
    for text in ("P1", "network:N1", "programme"):
        assert str(Focus.parse(text)) == text
    assert Focus.parse("network:N2") == Focus("network", "N2") and Focus.parse("network:N2").is_network
    assert Focus.parse("network:N1").members(clinician) == ["P1", "P2", "P3"]
    assert Focus.parse("network:N1").own_members(clinician) == {"P1"}
    assert Focus.parse("programme").members(clinician) == ["P1", "P2", "P3", "P4", "P5"]
    assert default_focus(clinician) == Focus.practice("P1")
    assert default_focus(scope.scope_for(gov, scope.NETWORK_LEAD, network="N2")) == Focus.network("N2")
    assert default_focus(scope.central(gov)).is_programme
    for bad in ("P3", "network:N3", "network:", "", "P6"):
        with pytest.raises(NotVisible):
            Focus.parse(bad).check(clinician)
    assert Focus.parse("network:N2").check(clinician).is_network  # a peer network, disclosed


def test_competition_ranks_ties_share_and_skip():
    values = [0.5, 0.9, 0.5, np.nan, 0.1, 0.9]
    assert competition_ranks(values, higher_is_better=True).tolist()[:3] == [3.0, 1.0, 3.0]
    ranks = competition_ranks(values, higher_is_better=True)
    assert ranks[4] == 5 and np.isnan(ranks[3]) and ranks[5] == 1
    low = competition_ranks(values, higher_is_better=False)
    assert low.tolist()[4] == 1 and low[0] == low[2] == 2 and low[1] == low[5] == 4
    assert np.isnan(competition_ranks([np.nan], True)).all()
