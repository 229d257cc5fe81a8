# ruff: noqa: F811 - the metrics catalog fixture is imported, then requested by name
"""Guardrails against sprawl: "Evaluate a new tool" shows the approved tools of the layer,
and a tool under evaluation is approved only through a new-tool RFC the stack owner
approved."""

import pytest
from django.core.exceptions import ValidationError

from governance.rfc import services as rfc_services
from governance.stack import evaluation, services
from governance.stack.models import Tool
from tests.metrics.conftest import catalog  # noqa: F401 — an SLA policy for the service

pytestmark = pytest.mark.django_db


def _rfc(users, kind="new_tool"):
    return rfc_services.rfc_create(
        actor=users["engineer"],
        title="Evaluate Clearbit",
        change_type=kind,
        summary="Enrichment of inbound leads.",
        proposal="Trial Clearbit on the demo-request form for 30 days.",
        test_plan="Compare enrichment coverage with Salesforce data.",
        rollback_plan="Remove the form integration and delete the trial data.",
        submit=True,
    )


@pytest.fixture
def candidate(users):
    return services.tool_create(
        actor=users["pm"],
        name="Clearbit",
        layer="cdp",
        status="evaluating",
        owner=users["engineer"],
        sso=True,
    )


def _approve(tool, users, **extra):
    return services.tool_update(tool=tool, actor=users["pm"], status="approved", **extra)


def test_a_tool_under_evaluation_needs_an_approved_new_tool_rfc(users, candidate):
    with pytest.raises(ValidationError) as caught:
        _approve(candidate, users)
    assert "new-tool RFC" in caught.value.message_dict["evaluation_rfc"][0]
    other = _rfc(users, kind="scoring")
    with pytest.raises(ValidationError) as caught:
        _approve(candidate, users, evaluation_rfc=other)
    assert "is not a new-tool RFC" in caught.value.message_dict["evaluation_rfc"][0]
    rfc = _rfc(users)
    with pytest.raises(ValidationError) as caught:
        _approve(candidate, users, evaluation_rfc=rfc)
    assert "is not approved (in review)" in caught.value.message_dict["evaluation_rfc"][0]
    candidate.refresh_from_db()
    assert candidate.status == "evaluating" and candidate.evaluation_rfc is None


def test_only_the_stack_owners_approval_counts(users, candidate, settings):
    rfc = _rfc(users)
    rfc_services.rfc_approve(rfc=rfc, actor=users["approver"])
    rfc.refresh_from_db()
    assert rfc.status == "approved"
    with pytest.raises(ValidationError) as caught:
        _approve(candidate, users, evaluation_rfc=rfc)
    assert "no standing approval by the stack owner" in str(caught.value)
    settings.STACK_OWNER = "approver"
    tool = _approve(candidate, users, evaluation_rfc=rfc)
    assert tool.status == "approved"
    assert tool.history.first().history_change_reason == f"approved by pm ({rfc.reference})"


def test_an_admin_is_the_stack_owner_by_default(users, candidate):
    rfc = _rfc(users)
    rfc_services.rfc_approve(rfc=rfc, actor=users["admin"])
    tool = _approve(candidate, users, evaluation_rfc=rfc)
    assert tool.status == "approved"


def test_evaluation_cannot_be_sidestepped(users, candidate):
    with pytest.raises(ValidationError) as caught:
        services.tool_update(tool=candidate, actor=users["pm"], status="tolerated")
    assert "status" in caught.value.message_dict
    rfc = _rfc(users)
    tool = services.tool_update(tool=candidate, actor=users["pm"], evaluation_rfc=rfc)
    with pytest.raises(ValidationError) as caught:
        services.tool_update(tool=tool, actor=users["pm"], evaluation_rfc=None)
    assert "stays on record" in caught.value.message_dict["evaluation_rfc"][0]
    rejected = services.tool_update(
        tool=tool, actor=users["pm"], status="rejected", status_reason="Overlaps Segment."
    )
    assert rejected.status == "rejected"
    # back to tolerated and on to approved: the RFC it carries is still checked
    tolerated = services.tool_update(tool=rejected, actor=users["pm"], status="tolerated")
    with pytest.raises(ValidationError):
        _approve(tolerated, users)


def test_registering_an_existing_stack_is_not_an_evaluation(users):
    tool = services.tool_create(
        actor=users["pm"], name="Looker", layer="bi", status="approved", owner=users["pm"], sso=True
    )
    assert tool.status == "approved"


def test_the_request_form_shows_the_approved_tools_of_each_layer(users, client_for, catalog):
    from catalog.services import service_create, service_publish

    Tool.objects.create(name="Segment", layer="cdp", status="approved", purpose="Events.")
    Tool.objects.create(name="Webinar Buddy", layer="map", status="tolerated")
    service = service_publish(
        service=service_create(
            actor=users["admin"],
            name="Evaluate a new tool",
            slug=evaluation.EVALUATION_SERVICE_SLUG,
            sla_policy=catalog["launch"].sla_policy,
            input_definition=evaluation.EVALUATION_DEFINITION,
        ),
        actor=users["admin"],
    )
    notes = {n.key: n for n in evaluation.approved_tools_notes(service)}
    assert notes["approved_cdp"].items == (("Segment", "Events."),)
    assert notes["approved_cdp"].condition == {
        "field": "layer",
        "op": "eq",
        "value": "CDP / event collection",
    }
    assert notes["approved_map"].items == () and "No approved tool" in notes["approved_map"].empty
    assert evaluation.approved_tools_notes(catalog["launch"]) == []
    page = client_for("requester").get(f"/requests/new/{service.slug}/").content.decode()
    assert "Approved CDP / event collection tools" in page and "Segment" in page
    assert "data-condition=" in page and "Webinar Buddy" not in page
