"""The boarding rule on channels (releases.carriage), and the demo telling it: every service
in the catalog demo has a train that carries it."""

import pytest
from django.utils import timezone

from catalog import demo as catalog_demo
from catalog.models import Service
from mops.accounts import demo as accounts_demo
from releases import demo as releases_demo
from releases.boarding import carriage, selectors, services
from releases.trains.models import Train

DATA_OPS = ["data", "crm"]
LAUNCH = ["email", "landing_page", "web", "paid_social", "paid_search"]


@pytest.mark.parametrize(
    ("train", "channels", "change_type", "carried"),
    [
        (["email", "sms"], ["email"], "new_campaign", True),  # its channel's train
        (["email", "sms"], ["email", "landing_page"], "new_campaign", False),
        (LAUNCH, ["email", "landing_page", "paid_social"], "new_campaign", True),  # launch train
        (DATA_OPS, ["crm", "data"], "schema_change", True),  # a field
        (DATA_OPS, ["email", "data"], "new_campaign", True),  # a segment: data/ops work
        (DATA_OPS, ["email"], "routing_scoring_change", True),  # scoring change, any channel
        (DATA_OPS, ["email"], "new_campaign", False),  # an e-mail send is not data work
        (["email", "sms"], ["crm", "data"], "routing_scoring_change", False),
        (["web"], [], "", True),  # naming no channel: any train
    ],
)
def test_which_train_carries_which_work(train, channels, change_type, carried):
    assert (
        carriage.carries(train_channels=train, channels=channels, change_type=change_type)
        is carried
    )


def test_work_naming_no_channel_occupies_the_trains_first_channel():
    assert carriage.riding_channels(train_channels=["web", "email"], channels=[]) == ["web"]
    assert carriage.riding_channels(train_channels=["web"], channels=["crm"]) == ["crm"]


@pytest.mark.django_db
def test_every_demo_service_has_a_train_that_carries_it():
    accounts_demo.load()
    catalog_demo.load()
    releases_demo.load()
    releases_demo.load()  # idempotent
    assert Train.objects.filter(slug__in=["data-ops", "launch"]).count() == 2
    now = timezone.now()
    demo_services = list(Service.objects.all())
    assert len(demo_services) >= 7
    for service in demo_services:
        departure = (
            selectors.bookable_departures(
                service.channels, change_type=service.change_type, now=now
            )
            .select_related("train")
            .first()
        )
        assert departure is not None, f"{service.name} can board no train"
        check = services.carriage_check(
            train=departure.train, channels=service.channels, change_type=service.change_type
        )
        assert check.ok, f"{service.name}: {check.message}"
    by_slug = {s.slug: s for s in demo_services}
    ride = {
        slug: {
            d.train.slug
            for d in selectors.bookable_departures(
                by_slug[slug].channels, change_type=by_slug[slug].change_type, now=now
            ).select_related("train")
        }
        for slug in ("add-a-field", "update-lead-scoring", "create-a-segment", "launch-a-campaign")
    }
    assert ride["add-a-field"] == {"data-ops"}
    assert ride["update-lead-scoring"] == {"data-ops"}
    assert ride["create-a-segment"] == {"data-ops"}
    assert ride["launch-a-campaign"] == {"launch"}
