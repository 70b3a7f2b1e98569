"""Spec: appointment indicators — the period, status, lead time and other filters."""

from __future__ import annotations

import pytest

from tests.spec.checks import check
from tests.spec.framework import Case

CH = "appointments"

PEOPLE = """
    patient_id | date_of_birth | type1_opt_out
    1 | 1980-01-01 | false
    2 | 1980-01-01 | true
"""
DNA = "status: [did_not_attend]"
KNOWN = "status: [attended, did_not_attend]"

CASES = [
    Case(
        CH,
        "dna-period-and-status",
        "With `period: 1 month`, an appointment counts on d when its start date is in d - 1 month "
        "< day <= d (on 31 March 2024: 1 to 31 March). The did-not-attend rate's denominator is "
        "attended plus did-not-attend appointments; cancelled and unknown ones are left out.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-02-20 09:00:00 | 2024-02-29 10:00:00 | did_not_attend
                1 | 2024-02-20 09:00:00 | 2024-03-01 10:00:00 | did_not_attend
                1 | 2024-02-20 09:00:00 | 2024-03-31 16:00:00 | attended
                1 | 2024-02-20 09:00:00 | 2024-03-15 10:00:00 | cancelled
                1 | 2024-02-20 09:00:00 | 2024-03-15 11:00:00 | unknown
                1 | 2024-02-20 09:00:00 | 2024-04-01 10:00:00 | did_not_attend
            """,
        },
        DNA,
        {"2024-03-31": [2]},
        denominator=KNOWN,
        expect_denominator={"2024-03-31": [2, 3], "2024-02-29": [1]},
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "lead-time-hours",
        "`lead_time_hours` is the exact time from booking to the appointment's start: booked "
        "exactly 48 hours ahead is within `{max: 48}`; one second more is `{above: 48}`.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-03-10 09:00:00 | 2024-03-12 09:00:00 | did_not_attend
                1 | 2024-03-10 09:00:00 | 2024-03-12 09:00:01 | did_not_attend
                1 | 2024-03-12 08:00:00 | 2024-03-12 09:00:00 | did_not_attend
            """,
        },
        DNA + "\nlead_time_hours: {max: 48}",
        {"2024-03-31": [1, 3]},
        denominator=KNOWN + "\nlead_time_hours: {max: 48}",
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "lead-time-hours-clock-change",
        "`booked_at` and `start_at` are local clinic times without a time zone, so "
        "`lead_time_hours` is clock-face hours, also across a change of the clocks: from 09:00 "
        "on 30 March 2024 to 09:30 on 1 April (clocks went forward on 31 March) is 48.5 hours "
        "(47.5 elapsed), and from 09:00 on 26 October 2024 to 08:30 on 28 October (clocks went "
        "back on 27 October) is 47.5 hours (48.5 elapsed).",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-03-30 09:00:00 | 2024-04-01 09:30:00 | did_not_attend
                1 | 2024-10-26 09:00:00 | 2024-10-28 08:30:00 | did_not_attend
            """,
        },
        DNA + "\nlead_time_hours: {max: 48}",
        {"2024-04-30": [], "2024-10-31": [2]},
        denominator=KNOWN,
        expect_denominator={"2024-04-30": [1], "2024-10-31": [2]},
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "lead-time-unknown-booking",
        "An appointment without a booking time (`booked_at` empty: some clinical systems, such as "
        "EMIS Web, do not record one) has no lead time. A lead-time filter leaves it out of the "
        "numerator and the denominator alike, rather than guess; filters without a lead time count it.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-03-10 09:00:00 | 2024-03-12 09:00:00 | did_not_attend
                1 |  | 2024-03-12 10:00:00 | did_not_attend
                1 |  | 2024-03-13 10:00:00 | attended
            """,
        },
        DNA + "\nlead_time_hours: {max: 48}",
        {"2024-03-31": [1]},
        denominator=KNOWN + "\nlead_time_hours: {max: 48}",
        expect_denominator={"2024-03-31": [1]},
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "lead-time-unknown-booking-counted-elsewhere",
        "The same appointments without a booking time count in an indicator that does not select "
        "by lead time.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-03-10 09:00:00 | 2024-03-12 09:00:00 | did_not_attend
                1 |  | 2024-03-12 10:00:00 | did_not_attend
                1 |  | 2024-03-13 10:00:00 | attended
            """,
        },
        DNA,
        {"2024-03-31": [1, 2]},
        denominator=KNOWN,
        expect_denominator={"2024-03-31": [1, 2, 3]},
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "lead-time-above-48-hours",
        "`lead_time_hours: {above: 48}` excludes exactly 48 hours.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-03-10 09:00:00 | 2024-03-12 09:00:00 | did_not_attend
                1 | 2024-03-10 09:00:00 | 2024-03-12 09:00:01 | did_not_attend
            """,
        },
        DNA + "\nlead_time_hours: {above: 48}",
        {"2024-03-31": [2]},
        denominator=KNOWN + "\nlead_time_hours: {above: 48}",
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "lead-time-days",
        "`lead_time_days` counts calendar days from the booking date to the appointment date: "
        "booked at 23:00 for 08:00 the next morning is 1 day; booked the same morning is 0.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-03-10 23:00:00 | 2024-03-11 08:00:00 | did_not_attend
                1 | 2024-03-11 07:00:00 | 2024-03-11 08:00:00 | did_not_attend
                1 | 2024-03-01 07:00:00 | 2024-03-11 08:00:00 | did_not_attend
            """,
        },
        DNA + "\nlead_time_days: {min: 1, max: 7}",
        {"2024-03-31": [1]},
        denominator=KNOWN + "\nlead_time_days: {min: 1, max: 7}",
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "mode-channel-clinician",
        "`mode`, `booking_channel` and `clinician_type` are lists of allowed values.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status | mode | booking_channel | clinician_type
                1 | 2024-03-01 09:00:00 | 2024-03-05 09:00:00 | did_not_attend | telephone | online | gp
                1 | 2024-03-01 09:00:00 | 2024-03-05 09:00:00 | did_not_attend | face_to_face | online | gp
                1 | 2024-03-01 09:00:00 | 2024-03-05 09:00:00 | did_not_attend | telephone | in_person | gp
                1 | 2024-03-01 09:00:00 | 2024-03-05 09:00:00 | did_not_attend | telephone | online | nurse
                1 | 2024-03-01 09:00:00 | 2024-03-05 09:00:00 | did_not_attend | video_online | online | gp
            """,
        },
        DNA + "\nmode: [telephone, video_online]\nbooking_channel: [online]\nclinician_type: [gp]",
        {"2024-03-31": [1, 5]},
        denominator=KNOWN,
        unit="appointment",
        period="1 month",
    ),
    Case(
        CH,
        "opt-out-appointments-left-out",
        "Appointments of patients with a type 1 opt-out are left out of appointment indicators.",
        {
            "patients": PEOPLE,
            "appointments": """
                patient_id | booked_at | start_at | status
                1 | 2024-03-01 09:00:00 | 2024-03-05 09:00:00 | did_not_attend
                2 | 2024-03-01 09:00:00 | 2024-03-05 09:00:00 | did_not_attend
            """,
        },
        DNA,
        {"2024-03-31": [1]},
        denominator=KNOWN,
        expect_denominator={"2024-03-31": [1]},
        unit="appointment",
        period="1 month",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_spec(case, backend_name, spec_results):
    check(case, spec_results(backend_name))
