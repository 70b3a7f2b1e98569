"""Fixtures for the worklist and audit tests: a small snapshot run through the real engine (so
the worklists and results are the engine's own files), six practices whose agreements exercise
every direct-care rule, and one user per role and situation.

    P1  active, permits direct care             clinician, manager (the users who may see)
    P2  active, permits direct care             otherclin (another practice's clinician)
    P3  active, benchmarking only               p3clin (agreement lacks direct care)
    P4  suspended, permits direct care          p4manager
    P5  ended yesterday, permits direct care    p5clin
    P6  no agreement                            p6clin
plus facilitator (P1, P2), networklead (N1 = P1-P3), analyst, iglead and admin.

Each practice has five patients with diabetes: one above the blood-pressure target, one never
measured, one out of date, one controlled (not on the dm-bp list), and one never measured with
a type 1 opt-out. Every name is unique so a response can be searched for any patient.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.spec.builder import write_snapshot
from tests.spec.framework import _codes

__all__ = ["as_user", "dc", "dc_root"]  # the fixtures, for `from tests.web.directcare import *`

PASSWORD = "a-long-test-password-1"
PRACTICE_CODES = ("P1", "P2", "P3", "P4", "P5", "P6")
INDICATORS = ("dm-bp", "dm-hba1c")
DATES = "monthly:2024-01..2024-03"
GIVEN = ["Aurelia", "Bartholomew", "Cressida", "Desmond", "Eulalia"]
FAMILY = [
    "Abernathy", "Blackwood", "Cartwright", "Drummond", "Ellsworth", "Fairbairn", "Gladstone",
    "Hargreaves", "Ingleby", "Jessop", "Kingsley", "Lockhart", "Merriweather", "Northcott",
    "Oakenshaw", "Pemberton", "Quarrington", "Rutherford", "Sallow", "Thistlewood", "Underhill",
    "Vauxhall", "Whitlock", "Yardley", "Zouche", "Ashcombe", "Brackenbury", "Culpepper",
    "Dunsford", "Everingham",
]  # fmt: skip


def _nhs_numbers(n: int) -> list[str]:
    """n distinct valid NHS numbers in the 999 test range (modulus 11 check digit)."""
    out, body = [], 999100000
    while len(out) < n:
        digits = [int(c) for c in str(body)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check != 10:
            out.append(f"{body}{0 if check == 11 else check}")
        body += 7
    return out


def _tables() -> dict:
    practices, patients, registrations, events = [], [], [], []
    numbers = iter(_nhs_numbers(len(PRACTICE_CODES) * 5))
    for k, code in enumerate(PRACTICE_CODES):
        practices.append(
            {
                "practice_code": code,
                "name": f"Surgery {code}",
                "network_code": "N1" if k < 3 else "N2",
                "sub_icb_code": "S1",
                "ehr_system": "emis",
            }
        )
        for j in range(5):
            pid = (k + 1) * 100 + j + 1
            patients.append(
                {
                    "patient_id": str(pid),
                    "nhs_number": next(numbers),
                    "date_of_birth": f"{1945 + 5 * j}-0{j + 1}-15",
                    "sex": "female" if j % 2 else "male",
                    "type1_opt_out": "true" if j == 4 else "false",
                    "given_name": GIVEN[j],
                    "family_name": FAMILY[k * 5 + j],
                }
            )
            registrations.append({"patient_id": str(pid), "practice_code": code, "start_date": "2000-01-01"})
            rows = [(pid, "2010-01-01", "@diabetes", None)]
            if j == 0:  # above target
                rows += [
                    (pid, "2024-02-10", "@systolic-bp", "150"),
                    (pid, "2024-02-10", "@diastolic-bp", "85"),
                ]
            if j == 2:  # out of date
                rows += [
                    (pid, "2022-05-01", "@systolic-bp", "120"),
                    (pid, "2022-05-01", "@diastolic-bp", "70"),
                ]
            if j == 3:  # controlled; HbA1c above target
                rows += [
                    (pid, "2024-02-01", "@systolic-bp", "130"),
                    (pid, "2024-02-01", "@diastolic-bp", "80"),
                ]
                rows += [(pid, "2024-02-01", "@hba1c", "70")]
            for p, date, c, value in rows:
                events.append(
                    _codes(
                        {
                            "patient_id": str(p),
                            "practice_code": code,
                            "date": date,
                            "code": c,
                            "numeric_value": value,
                        }
                    )
                )
    return {
        "practices": practices,
        "patients": patients,
        "registrations": registrations,
        "clinical_events": events,
    }


@pytest.fixture(scope="session")
def dc_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gpqi.engine import run

    root = tmp_path_factory.mktemp("dc-ws")
    ws = write_snapshot(root, _tables())
    run(ws, list(INDICATORS), dates=DATES, backend="duckdb")
    return root


@dataclass(frozen=True)
class Patient:
    practice: str
    indicator: str
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: dt.date
    reason: str
    type1_opt_out: bool

    @property
    def nhs_spaced(self) -> str:
        return f"{self.nhs_number[:3]} {self.nhs_number[3:6]} {self.nhs_number[6:]}"


def listed_patients(root: Path) -> list[Patient]:
    """Every patient on every worklist, read straight from the engine's files."""
    out = []
    for path in sorted((root / "worklists").glob("*/*.parquet")):
        for r in pq.read_table(path).to_pylist():
            out.append(
                Patient(
                    r["practice_code"],
                    r["indicator_id"],
                    r["nhs_number"],
                    r["given_name"],
                    r["family_name"],
                    r["date_of_birth"],
                    r["reason"],
                    r["type1_opt_out"],
                )
            )
    return out


def response_text(response) -> str:  # noqa: ANN001
    """A response's text, with an XLSX download's cells."""
    content_type = response.get("Content-Type", "")
    data = getattr(response, "content", b"")
    if content_type.startswith("application/vnd.openxml"):
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(c)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for c in row
            if c is not None
        )
    return data.decode("utf-8", "replace")


def identifiers_in(text: str, patients: list[Patient]) -> set[str]:
    """The NHS numbers of the patients any of whose identifiers appear in the text."""
    folded = text.casefold()
    digits_only = re.sub(r"\D", "", text)
    found = set()
    for p in patients:
        if (
            p.nhs_number in text
            or p.nhs_spaced in text
            or p.family_name.casefold() in folded
            or p.nhs_number in digits_only
        ):
            found.add(p.nhs_number)
    return found


@dataclass(frozen=True)
class DirectCare:
    root: Path
    patients: list[Patient]

    def of(self, practice: str) -> list[Patient]:
        return [p for p in self.patients if p.practice == practice]


USERS = {
    "clinician": ("clinician", "P1"),
    "manager": ("practice_manager", "P1"),
    "otherclin": ("clinician", "P2"),
    "p3clin": ("clinician", "P3"),
    "p4manager": ("practice_manager", "P4"),
    "p5clin": ("clinician", "P5"),
    "p6clin": ("clinician", "P6"),
    "facilitator": ("facilitator", None),
    "networklead": ("network_lead", None),
    "analyst": ("analyst", None),
    "iglead": ("ig_lead", None),
    "admin": ("admin", None),
}


@pytest.fixture
def dc(db, settings, dc_root: Path) -> DirectCare:  # noqa: ANN001
    from django.contrib.auth.models import User

    from gpqi.web.accounts.models import Profile
    from gpqi.web.governance.models import Agreement, Network, Practice
    from gpqi.web.governance.sync import sync_organisations
    from gpqi.workspace import open_workspace

    settings.WORKSPACE = dc_root
    sync_organisations(open_workspace(dc_root))
    practices = {p.code: p for p in Practice.objects.all()}
    start = dt.date(2020, 1, 1)
    yesterday = dt.date.today() - dt.timedelta(days=1)
    terms = {
        "P1": {"status": Agreement.ACTIVE, "direct_care": True},
        "P2": {"status": Agreement.ACTIVE, "direct_care": True},
        "P3": {"status": Agreement.ACTIVE, "direct_care": False},
        "P4": {"status": Agreement.SUSPENDED, "direct_care": True},
        "P5": {"status": Agreement.ACTIVE, "direct_care": True, "end_date": yesterday},
    }
    for code, kw in terms.items():
        Agreement.objects.create(practice=practices[code], start_date=start, **kw)
    for username, (role, practice) in USERS.items():
        # No password (hashing one costs ~0.2 s each): tests log in with force_login.
        user = User(username=username, is_staff=role == "admin", is_superuser=role == "admin")
        user.set_unusable_password()
        user.save()
        scope = {"practice": practices[practice]} if practice else {}
        if role == "network_lead":
            scope = {"network": Network.objects.get(code="N1")}
        profile = Profile.objects.create(user=user, role=role, **scope)
        if role == "facilitator":
            profile.practices.set([practices["P1"], practices["P2"]])
    return DirectCare(dc_root, listed_patients(dc_root))


@pytest.fixture
def as_user(client, dc):  # noqa: ANN001, ANN201
    """Log a client in as one of USERS (force_login: no password hashing per request)."""
    from django.contrib.auth.models import User

    def _as(username: str):  # noqa: ANN202
        client.logout()
        client.force_login(User.objects.get(username=username))
        return client

    return _as
