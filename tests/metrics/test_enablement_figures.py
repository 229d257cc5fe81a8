# ruff: noqa: F811 - the enablement fixtures are imported, then requested by name
"""Enablement figures from the database: deflection over playbook-covered services,
training completion per team, playbook use, and knowledge concentration from the audit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.services import selfserve_complete
from governance.enablement.services import module_submit, playbook_read, playbook_save
from intake.services import request_create
from metrics.enablement.figures import enablement_figures
from tests.catalog.conftest import admin, policy, us_calendar  # noqa: F401
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
