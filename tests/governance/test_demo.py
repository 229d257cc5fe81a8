"""The governance demo loader: idempotent, and the states it promises."""

import pytest

from governance import demo
from governance.models import Campaign, Rfc, TaxonomyVersion
from mops.accounts import demo as accounts_demo

pytestmark = pytest.mark.django_db


def test_demo_loads_twice_with_the_promised_states():
    accounts_demo.load()
    demo.load()
    demo.load()
    assert TaxonomyVersion.objects.filter(is_active=True).count() == 1
    assert Campaign.objects.count() == 3
    states = dict(Rfc.objects.values_list("risk", "status"))
    assert states == {"low": "approved", "high": "in_review", "medium": "draft"}


def test_home_panels_show_work_waiting(client_for, make_rfc):
    make_rfc(title="Waiting for approval")
    page = client_for("approver").get("/")
    assert b"RFCs to review" in page.content and b"Waiting for approval" in page.content
