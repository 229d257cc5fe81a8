# ruff: noqa: F811 - the enablement fixtures are imported, then requested by name
"""Enablement figures from the database: deflection over playbook-covered services,
training completion per team, playbook use, and knowledge concentration from the audit."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from catalog.services import selfserve_complete
from governance.enablement.services import module_submit, playbook_read, playbook_save
from intake.services import request_create
from metrics.enablement.figures import enablement_figures
from tests.catalog.conftest import admin  # noqa: F401
from tests.enablement.conftest import course, playbook, pm, segment_service  # noqa: F401
from tests.intake.conftest import COMPLETE

pytestmark = pytest.mark.django_db


def test_deflection_counts_completions_against_requests_for_covered_services(
    course, segment_service, users
):
    requester = users["requester"]
    module_submit(actor=requester, module=course.modules.get(), answers=[1, 1])
    selfserve_complete(service=segment_service, actor=requester, outcome="Built the list")
    figures = enablement_figures()
    assert (figures.self_served, figures.ticketed, figures.deflection) == (1, 0, 100.0)
    request_create(
        service=segment_service, actor=requester, submit=True, **{**COMPLETE, "answers": {}}
    )
    assert enablement_figures().deflection == 50.0
    # Older than the window: not counted.
    assert enablement_figures(now=timezone.now() + timedelta(days=200)).deflection is None
    (team,) = figures.training
    assert (team.team, team.enrolled, team.completed, team.rate) == ("Demand Gen", 1, 1, 100.0)


def test_use_and_concentration(playbook, users):
    playbook_read(user=users["requester"], playbook=playbook)
    playbook_read(user=users["other_requester"], playbook=playbook)
    figures = enablement_figures()
    assert (figures.reads, figures.readers) == (2, 2)
    assert figures.top_playbooks[0][2] == 2
    assert (figures.single_author, figures.documents, figures.concentration) == (1, 1, 100.0)
    assert (figures.top_owner, figures.top_owner_share) == ("pm", 100.0)
    playbook_save(
        actor=users["engineer"],
        playbook=playbook,
        slug=playbook.slug,
        title=playbook.title,
        body="A second author's version.",
        review_by=playbook.review_by,
    )
    assert enablement_figures().concentration == 0.0


def test_api_and_page(api_for, client_for, playbook):
    data = api_for("leadership").get("/api/v1/metrics/enablement/?days=30").json()
    assert data["days"] == 30 and data["documents"] == 1
    bad = api_for("pm").get("/api/v1/metrics/enablement/?days=zero")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "days"
    assert api_for("requester").get("/api/v1/metrics/enablement/").status_code == 403
    page = client_for("leadership").get("/metrics/enablement/")
    assert b"Knowledge concentration" in page.content


def test_training_completion_by_team_hand_worked(course, users):
    from governance.enablement.models import Enrolment
    from governance.enablement.services import course_enrol

    module_submit(actor=users["requester"], module=course.modules.get(), answers=[1, 1])
    course_enrol(actor=users["approver2"], course=course)  # Demand Gen, not finished
    course_enrol(actor=users["other_requester"], course=course)  # Field
    old = course_enrol(actor=users["approver"], course=course)  # enrolled before the window
    Enrolment.objects.filter(pk=old.pk).update(enrolled_at=timezone.now() - timedelta(days=91))
    f = enablement_figures(days=90)
    rows = [(t.team, t.enrolled, t.completed, t.rate) for t in f.training]
    assert rows == [("Demand Gen", 2, 1, 50.0), ("Field", 1, 0, 0.0)]
    assert (f.enrolled, f.completed, f.training_rate) == (3, 1, 33.3)


def test_reads_count_the_last_n_local_days_and_unknown_authors_are_left_out(playbook, users):
    from governance.enablement.models import PlaybookRead
    from governance.models import Runbook

    today = timezone.localdate()
    for n, user in ((89, users["requester"]), (90, users["other_requester"])):
        PlaybookRead.objects.create(playbook=playbook, user=user, day=today - timedelta(days=n))
    f = enablement_figures(days=90)
    assert (f.reads, f.readers) == (1, 1)  # day 89 back is the 90th day; day 90 is not
    Runbook.objects.create(slug="imported", title="Imported", body="No author on record.")
    assert (enablement_figures().single_author, enablement_figures().documents) == (1, 1)


def test_office_hours_attendance_hand_worked(users):
    from governance.enablement.models import OfficeHoursSession
    from governance.enablement.services import (
        booking_cancel,
        office_hours_save,
        session_attendance,
        session_book,
        session_cancel,
    )

    series = office_hours_save(
        actor=users["pm"],
        data={
            "topic": "Clinic",
            "host": users["engineer"],
            "rrule": "FREQ=WEEKLY;BYDAY=WE",
            "first_date": timezone.localdate(),
            "start_time": time(15),
            "duration_minutes": 60,
            "time_zone": "UTC",
            "capacity": 3,
        },
    )
    s1, s2, s3, s4 = series.sessions.order_by("starts_at")[:4]
    for person in ("requester", "other_requester", "approver"):
        session_book(actor=users[person], session=s1)
        session_book(actor=users[person], session=s2)
    booking_cancel(actor=users["approver"], session=s2)  # gave the seat back
    session_book(actor=users["requester"], session=s3)
    session_cancel(actor=users["engineer"], session=s3)  # cancelled: not held
    session_book(actor=users["requester"], session=s4)
    now = timezone.now()
    for session, ago in ((s1, timedelta(hours=2)), (s2, timedelta(days=1)),
                         (s3, timedelta(days=2)), (s4, timedelta(days=120))):  # fmt: skip
        OfficeHoursSession.objects.filter(pk=session.pk).update(
            starts_at=now - ago, ends_at=now - ago + timedelta(hours=1)
        )
        session.refresh_from_db()
    session_attendance(
        actor=users["engineer"],
        session=s1,
        attended=[users["requester"].pk, users["other_requester"].pk],
    )
    session_attendance(actor=users["engineer"], session=s4, attended=[users["requester"].pk])
    f = enablement_figures(days=90)
    assert (f.sessions_held, f.sessions_marked, f.seats_offered, f.seats_booked) == (2, 1, 6, 5)
    assert (f.marked_bookings, f.attended, f.attendance, f.fill_rate) == (3, 2, 66.7, 83.3)
    assert enablement_figures(days=365).attendance == 75.0  # s4 too: 3 of 4


def test_dashboard_and_api_carry_every_figure_with_its_definition(api_for, client_for, playbook):
    data = api_for("pm").get("/api/v1/metrics/enablement/").json()
    keys = {d["key"] for d in data["definitions"]}
    assert keys == {
        "training_completion",
        "playbook_use",
        "deflection",
        "office_hours_attendance",
        "knowledge_concentration",
    }
    assert data["office_hours_attendance"] is None and data["training_completion"] is None
    page = client_for("leadership").get("/metrics/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="enablement"' in html and "Office-hours attendance" in html
    assert "How knowledge concentration is defined" in html
    csv = client_for("leadership").get("/metrics/export/enablement.csv")
    assert csv.status_code == 200 and b"Knowledge concentration" in csv.content
