"""Attempts to reach patient-level data that must fail. Every worklist and audit URL and
download is walked as every user (another practice's clinician, a practice whose agreement lacks
direct care, is suspended or has ended, a practice with no agreement, the facilitator, network
lead, analyst, IG lead, admin, and an anonymous visitor); a hypothesis property test draws users,
agreements and requests at random; and the tricks a curious user might try (paths, case, a
misplaced file, changes mid-session) are tried one by one. Every response is searched for every
patient's NHS number (plain and 3-3-4), name and, in the logs, for any of them."""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.directcare import *  # noqa: F403  (fixtures dc, as_user)
from tests.web.directcare import INDICATORS, PRACTICE_CODES, USERS, identifiers_in, response_text

# Users who may see patients, and where. Everyone else may see none.
MAY_SEE = {"clinician": "P1", "manager": "P1", "otherclin": "P2"}
FILTERS = ("", "reason=never_recorded&sort=age&order=desc&age_min=0")


def _routes(prefixes: tuple[str, ...] = ("worklists/", "audit/")) -> list[str]:
    def walk(resolver: URLResolver, prefix: str = "") -> list[str]:
        out = []
        for p in resolver.url_patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                out.extend(walk(p, route))
            elif isinstance(p, URLPattern):
                out.append(route)
        return out

    return [r for r in walk(get_resolver()) if r.startswith(prefixes)]


def _urls() -> list[str]:
    """Every worklist and audit URL for every practice (and some that do not exist) and
    indicator, with every download and some filters."""
    codes = [*PRACTICE_CODES, "p1", "P7", "N1"]
    urls = []
    routes = _routes()
    assert {
        "worklists/",
        "worklists/<str:code>/",
        "worklists/<str:code>/<slug:indicator_id>/",
        "audit/",
    } <= set(routes), routes
    for route in routes:
        for code in codes if "<str:code>" in route else [None]:
            for ind in [*INDICATORS, "dm-bp-x"] if "<slug:indicator_id>" in route else [None]:
                url = "/" + route.replace("<str:code>", code or "").replace("<slug:indicator_id>", ind or "")
                names = {
                    "worklists/": [],
                    "worklists/<str:code>/": ["worklists"],
                    "audit/": ["audit-log"],
                }.get(route, [f"worklist-{ind}"])
                urls.append(url)
                for name in names:
                    for fmt in ("csv", "xlsx"):
                        for extra in FILTERS if ind else ("",):
                            urls.append(
                                f"{url}?download={name}&format={fmt}" + (f"&{extra}" if extra else "")
                            )
    return urls


def _allowed_practice(username: str | None, url: str) -> str | None:
    home = MAY_SEE.get(username or "")
    return home if home and url.startswith(f"/worklists/{home}/") else None


@pytest.mark.parametrize("username", [*USERS, None])
def test_walk_every_worklist_and_audit_url_as_every_user(client, as_user, dc, username):
    from gpqi.web.audit.models import AuditRecord

    if username:
        client = as_user(username)
    urls = _urls()
    assert len(urls) > 150
    for url in urls:
        response = client.get(url)
        found = identifiers_in(response_text(response), dc.patients)
        home = _allowed_practice(username, url)
        if home is None:
            assert not found, f"{username} sees patients at {url}"
            if username is None:
                assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
            elif url == "/worklists/" and username in MAY_SEE:
                assert response.status_code == 302
            elif url.startswith("/audit/") and username in ("iglead", "admin"):
                assert response.status_code == 200, url
            else:
                assert response.status_code in (403, 404), (username, url, response.status_code)
        else:
            own = {p.nhs_number for p in dc.of(home)}
            assert found <= own, f"{username} sees another practice's patients at {url}"
            if "dm-bp-x" not in url and "/dm-" in url:
                assert found, url  # the walk reaches real data where it should (it can fail)
    if username not in MAY_SEE:
        assert not AuditRecord.objects.filter(subject="worklist").exists()


STATUSES = ["none", "draft", "active", "suspended", "ended"]
ROLES = ["clinician", "practice_manager", "facilitator", "network_lead", "analyst", "ig_lead", "admin"]
agreements = st.fixed_dictionaries(
    {
        "status": st.sampled_from(STATUSES),
        "direct_care": st.booleans(),
        "aggregate_benchmarking": st.booleans(),
        # days from today, weighted to the boundary: yesterday, today and tomorrow
        "start": st.one_of(st.sampled_from([-1, 0, 1]), st.integers(-800, 30)),
        "end": st.one_of(st.none(), st.sampled_from([-1, 0, 1]), st.integers(-30, 800)),
    }
)


def _expected(role: str, home: str, target: str, terms: dict) -> bool:
    """The rule, written independently of gpqi.web.permissions."""
    today = dt.date.today()
    return (
        role in ("clinician", "practice_manager")
        and home == target
        and terms["status"] == "active"
        and today + dt.timedelta(days=terms["start"]) <= today
        and (terms["end"] is None or today + dt.timedelta(days=terms["end"]) >= today)
        and terms["direct_care"]
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    role=st.sampled_from(ROLES),
    home=st.sampled_from(PRACTICE_CODES),
    target=st.sampled_from(PRACTICE_CODES),
    home_terms=agreements,
    target_terms=agreements,
    indicator=st.sampled_from(INDICATORS),
    fmt=st.sampled_from(["html", "csv", "xlsx"]),
)
def test_property_patients_only_for_their_own_practice_under_direct_care(
    client, dc, role, home, target, home_terms, target_terms, indicator, fmt
):
    from django.contrib.auth.models import User

    from gpqi.web.accounts.models import Profile
    from gpqi.web.audit.models import AuditRecord
    from gpqi.web.governance.models import Agreement, Practice

    if home == target:
        target_terms = home_terms
    today = dt.date.today()
    for code, terms in {home: home_terms, target: target_terms}.items():
        Agreement.objects.filter(practice__code=code).delete()
        if terms["status"] != "none":
            Agreement.objects.create(
                practice=Practice.objects.get(code=code),
                status="active" if terms["status"] == "ended" else terms["status"],
                start_date=today + dt.timedelta(days=terms["start"]),
                end_date=today - dt.timedelta(days=1)
                if terms["status"] == "ended"
                else (None if terms["end"] is None else today + dt.timedelta(days=terms["end"])),
                direct_care=terms["direct_care"],
                aggregate_benchmarking=terms["aggregate_benchmarking"],
            )
    if target_terms["status"] == "ended":
        target_terms = {**target_terms, "status": "active", "end": -1}
    user, _ = User.objects.get_or_create(username="drawn")
    practice = Practice.objects.get(code=home)
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "role": role,
            "practice": practice if role in ("clinician", "practice_manager") else None,
            "network": practice.network if role == "network_lead" else None,
        },
    )
    if role == "facilitator":
        user.profile.practices.set(Practice.objects.filter(code__in={home, target}))
    client.force_login(user)
    before = AuditRecord.objects.count()
    url = f"/worklists/{target}/{indicator}/"
    if fmt != "html":
        url += f"?download=worklist-{indicator}&format={fmt}"
    response = client.get(url)
    found = identifiers_in(response_text(response), dc.patients)
    index = client.get(f"/worklists/{target}/")
    if _expected(role, home, target, target_terms):
        assert response.status_code == 200 and index.status_code == 200
        assert found and found <= {p.nhs_number for p in dc.of(target)}
        assert AuditRecord.objects.count() == before + 1
    else:
        assert response.status_code == 404 and index.status_code == 404, (role, home, target, target_terms)
        assert not found
        assert not identifiers_in(response_text(index), dc.patients)
        assert AuditRecord.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/worklists/p1/dm-bp/",  # codes are exact
        "/worklists/P1/DM-BP/",
        "/worklists/P1/..%2F..%2Fresults%2Fresults/",
        "/worklists/P1/%2E%2E/",
        "/worklists/..%2FP2/dm-bp/",
        "/worklists/P2%2F..%2FP1/dm-bp/",
        "/worklists/P1/dm-bp/?download=worklist-dm-hba1c&format=csv",  # another table's name
        "/worklists/P1/dm-bp/?download=worklist-dm-bp&format=json",
        "/worklists/P1/dm-bp/?download=worklist-dm-bp&format=png",
        "/worklists/P1/dm-bp.parquet/",
    ],
)
def test_path_and_parameter_tricks(as_user, dc, url):
    response = as_user("clinician").get(url)
    assert response.status_code == 404, url
    assert not identifiers_in(response_text(response), dc.patients)


def test_post_is_refused(as_user, dc):
    client = as_user("clinician")
    assert client.post("/worklists/P1/dm-bp/").status_code == 405
    assert as_user("iglead").post("/audit/").status_code == 405


def test_a_misplaced_file_shows_no_other_practice(as_user, dc, settings, tmp_path):
    """Defence in depth: rows are filtered by practice code, so another practice's file copied
    into this practice's folder shows nobody."""
    root = tmp_path / "ws"
    shutil.copytree(dc.root, root)
    shutil.copy(root / "worklists" / "P2" / "dm-bp.parquet", root / "worklists" / "P1" / "dm-hba1c.parquet")
    settings.WORKSPACE = root
    response = as_user("clinician").get("/worklists/P1/dm-hba1c/?download=worklist-dm-hba1c&format=csv")
    assert response.status_code == 200
    assert not identifiers_in(response_text(response), dc.patients)


def test_changes_take_effect_on_the_next_request(as_user, dc):
    from django.contrib.auth.models import User

    from gpqi.web.accounts.models import Profile
    from gpqi.web.governance.models import Agreement

    url = "/worklists/P1/dm-bp/"
    client = as_user("clinician")
    assert client.get(url).status_code == 200
    # The agreement is suspended: the very next request is refused.
    agreement = Agreement.objects.get(practice__code="P1")
    agreement.status = Agreement.SUSPENDED
    agreement.save()
    assert client.get(url).status_code == 404
    agreement.status = Agreement.ACTIVE
    agreement.direct_care = False  # the purpose is withdrawn
    agreement.save()
    assert client.get(url).status_code == 404
    agreement.direct_care = True
    agreement.save()
    assert client.get(url).status_code == 200
    # The user's role changes.
    Profile.objects.filter(user__username="clinician").update(role="facilitator")
    assert client.get(url).status_code == 404
    Profile.objects.filter(user__username="clinician").update(role="clinician")
    # The user moves practice.
    Profile.objects.filter(user__username="clinician").update(practice_id=dc_practice_id("P2"))
    assert client.get(url).status_code == 404
    assert client.get("/worklists/P2/dm-bp/").status_code == 200
    # The account is disabled.
    User.objects.filter(username="clinician").update(is_active=False)
    response = client.get("/worklists/P2/dm-bp/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def dc_practice_id(code: str) -> int:
    from gpqi.web.governance.models import Practice

    return Practice.objects.get(code=code).pk


def test_no_patient_data_in_logs(as_user, dc, caplog):
    """Searches by name and NHS number, refusals and a failed audit write log nothing that
    identifies a patient."""
    from django.db import connection

    target = dc.of("P1")[0]
    caplog.set_level(logging.DEBUG)
    client = as_user("clinician")
    client.get("/worklists/P1/dm-bp/", {"q": target.family_name})
    client.get("/worklists/P1/dm-bp/", {"q": target.nhs_number, "download": "worklist-dm-bp"})
    client.get("/worklists/P2/dm-bp/", {"q": target.family_name})
    as_user("otherclin").get("/worklists/P1/dm-bp/", {"q": target.nhs_number})
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER test_refuse BEFORE INSERT ON audit_auditrecord "
                "BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by test'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse BEFORE INSERT ON audit_auditrecord "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse()"
            )
    client = as_user("clinician")
    client.raise_request_exception = False
    assert client.get("/worklists/P1/dm-bp/", {"q": target.family_name}).status_code == 500
    text = "\n".join(
        r.getMessage() + str(r.exc_info or "") + str(getattr(r, "args", "")) for r in caplog.records
    )
    assert caplog.records  # the refusals and the failure were logged ...
    assert not identifiers_in(text, dc.patients)  # ... without any patient


def test_audit_records_hold_no_patient(as_user, dc):
    from gpqi.web.audit.models import AuditRecord

    target = dc.of("P1")[0]
    client = as_user("clinician")
    client.get("/worklists/P1/dm-bp/", {"q": target.family_name})
    client.get(
        "/worklists/P1/dm-bp/", {"q": target.nhs_number, "download": "worklist-dm-bp", "format": "csv"}
    )
    values = [str(v) for r in AuditRecord.objects.values() for v in r.values()]
    assert len(values) > 10
    assert not identifiers_in("\n".join(values), dc.patients)
