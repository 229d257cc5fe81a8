"""Item 3 of "Are we high-performing yet?" from real records built through the services:
launches count as shipped via a release train only when a departure landed them, their
pre-flight checklist passed and their template has a rollback plan; admin overrides are
counted apart."""

import pytest

from intake.services import request_transition
from metrics.checklist import MET, PARTIAL, checklist_evaluate, checklist_evidence
from metrics.facts import request_facts_rebuild
from releases.qa import services
from releases.qa.models import ItemResult
from tests.catalog.published import nurture_template
from tests.releases.workitems import board_next, depart_and_land, qa_request, train_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(users):
    admin = users["admin"]
    services.checklist_template_create(
        actor=admin, name="E-mail pre-flight", channel="email", items=[{"text": "Seed test"}]
    )
    train_for(["email"])
    template = nurture_template(
        actor=admin, rollback_plan="Pause the program and restore the previous send list."
    )
    template.refresh_from_db()
    return template.current_version


def _launch(users, *, template_version=None, pass_checklist=True, title="Launch"):
    engineer = users["engineer"]
    request = qa_request(
        channels=["email"],
        requester=users["requester"],
        template_version=template_version,
        title=title,
    )
    services.checklists_instantiate(request=request)
    if pass_checklist:
        for result in ItemResult.objects.filter(run__request=request):
            services.item_result_record(result=result, actor=engineer, state="passed")
    return request


def _land(users, request):
    depart_and_land(board_next(request, actor=users["engineer"]), actor=users["engineer"])


def test_launches_boarded_with_passed_qa_and_a_rollback_plan_meet_the_item(users, setup):
    for n in range(2):
        _land(users, _launch(users, template_version=setup, title=f"Nurture {n}"))
    request_facts_rebuild()
    evidence = checklist_evidence()
    assert (evidence.launches, evidence.launches_via_train) == (2, 2)
    item = {i.key: i for i in checklist_evaluate()}["templates_trains"]
    assert item.status == MET
    assert "2 of 2 launch(es) shipped on a release train" in " ".join(item.evidence)
    assert not any("not tracked" in m for m in item.missing)


def test_overrides_and_launches_without_a_rollback_plan_do_not_count(users, setup):
    _land(users, _launch(users, template_version=setup, title="On the train"))
    _land(users, _launch(users, title="No template, so no rollback plan"))
    overridden = _launch(users, template_version=setup, pass_checklist=False, title="Hotfix")
    request_transition(
        request=overridden, name="override_live", actor=users["admin"], note="Broken form"
    )
    request_facts_rebuild()
    evidence = checklist_evidence()
    assert evidence.launches == 3
    assert evidence.launches_via_train == 1
    assert evidence.launches_overridden == 1
    item = {i.key: i for i in checklist_evaluate()}["templates_trains"]
    assert item.status == PARTIAL
    text = " ".join(item.evidence)
    assert "1 of 3 launch(es) shipped on a release train" in text
    assert "1 launch(es) went live by admin override" in text
    assert "Too few launches shipped via a release train with QA and rollback." in item.missing
