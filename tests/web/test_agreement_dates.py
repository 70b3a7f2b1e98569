"""An agreement is in force from its start date to its end date, both days included: one that
ends today still lets its practice's clinicians see their worklist today, and keeps the practice
in shared views; one that ended yesterday or starts tomorrow does neither."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)

WL = "/worklists/P1/dm-bp/"


@pytest.mark.parametrize(
    ("start", "end", "in_force"),
    [
        (-30, 0, True),  # ends today
        (-30, -1, False),  # ended yesterday
        (0, None, True),  # starts today
        (1, None, False),  # starts tomorrow
        (-30, 1, True),
    ],
)
def test_agreement_dates_are_inclusive(as_user, dc, start, end, in_force):
    from gpqi.web.governance.models import Agreement

    today = timezone.localdate()
    agreement = Agreement.objects.get(practice__code="P1")
    agreement.start_date = today + dt.timedelta(days=start)
    agreement.end_date = None if end is None else today + dt.timedelta(days=end)
    agreement.save()
    assert agreement.is_in_force() is in_force
    response = as_user("clinician").get(WL)
    assert response.status_code == (200 if in_force else 404)


def test_a_change_to_an_agreement_or_a_profile_applies_from_the_next_request(as_user, dc):
    """The server keeps each user scope's access while the agreements and practices stay the
    same (gpqi.web.permissions): a suspension, a reinstatement, or a user moved to another
    practice must each apply from the very next request."""
    from gpqi.web.accounts.models import Profile
    from gpqi.web.governance.models import Agreement, Practice

    client = as_user("clinician")
    assert client.get(WL).status_code == 200
    agreement = Agreement.objects.get(practice__code="P1")
    agreement.status = Agreement.SUSPENDED
    agreement.save()
    assert client.get(WL).status_code == 404
    agreement.status = Agreement.ACTIVE
    agreement.save()
    assert client.get(WL).status_code == 200
    profile = Profile.objects.get(user__username="clinician")
    profile.practice = Practice.objects.get(code="P2")
    profile.save()
    assert client.get(WL).status_code == 404
    assert client.get("/worklists/P2/dm-bp/").status_code == 200
