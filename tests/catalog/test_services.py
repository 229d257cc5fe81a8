"""Catalog models and services: versioning, validation, calendars, SLA helpers, templates."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog import demo
from catalog.models import (
    Calendar,
    ChangeType,
    Channel,
    Complexity,
    Service,
    ServiceVersion,
    SlaPolicy,
    Template,
    TemplateVersion,
)
from catalog.services import (
    calendar_create,
    calendar_update,
    parse_week_text,
    service_create,
    service_publish,
    service_retire,
    service_update,
    template_publish,
    template_rollback,
)
from mops.core.concurrency import StaleVersion
from mops.core.lifecycle import TransitionError

from .conftest import DEFINITION

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


# --- shared choices -----------------------------------------------------------------------


def test_shared_choice_sets():
    assert set(Channel.values) == {
        "email",
        "landing_page",
        "paid_social",
        "paid_search",
        "webinar",
        "sms",
        "web",
        "crm",
        "data",
    }
    assert set(ChangeType.values) == {
        "new_campaign",
        "template_change",
        "schema_change",
        "routing_scoring_change",
    }
    assert Complexity.values == ["simple", "standard", "complex"]


# --- services and versions ----------------------------------------------------------------


def test_a_new_service_is_a_draft_with_version_1(service, admin, template):
    version = service.current_version
    assert version.number == 1
    assert version.input_definition == DEFINITION
    assert version.complexity == "simple"
    assert version.sla_policy == service.sla_policy
    assert version.templates == [
        {
            "id": template.pk,
            "slug": "nurture",
            "name": "Nurture",
            "version_id": template.current_version_id,
            "version": 1,
        }
    ]
    assert version.created_by == admin
    assert service.status == "active"


def test_editing_the_definition_makes_a_new_version_and_keeps_the_old(service, admin):
    old = service.current_version
    new_definition = [*DEFINITION, {"key": "budget", "label": "Budget", "type": "number"}]
    service_update(
        service=service, actor=admin, input_definition=new_definition, changelog="Budget added"
    )
    service.refresh_from_db()
    assert service.current_version.number == 2
    assert service.current_version.changelog == "Budget added"
    assert len(service.current_version.input_definition) == 4
    old.refresh_from_db()
    assert len(old.input_definition) == 3  # a request made with v1 keeps v1


def test_editing_only_the_description_makes_no_new_version(service, admin):
    service_update(service=service, actor=admin, description="Better words.")
    assert service.versions.count() == 1
    assert service.revision == 3  # create=1, publish=2, edit=3


@pytest.mark.parametrize(
    "changes",
    [
        {"default_complexity": "complex"},
        {"templates": []},
    ],
)
def test_sla_relevant_changes_make_a_new_version(service, admin, changes):
    service_update(service=service, actor=admin, **changes)
    assert service.versions.count() == 2


def test_a_new_sla_policy_makes_a_new_version(service, admin, policy):
    from catalog.services import sla_policy_create

    fast = sla_policy_create(
        actor=admin, name="Fast", slug="fast", calendar=policy.calendar, delivery_hours_simple=8
    )
    service_update(service=service, actor=admin, sla_policy=fast)
    assert service.current_version.number == 2
    assert service.current_version.sla_policy == fast


def test_a_bad_definition_is_refused_with_the_field_named(service, admin):
    bad = [
        {"key": "a", "label": "A", "type": "text", "condition": {"field": "b", "op": "set"}},
        {"key": "b", "label": "B", "type": "colour"},
    ]
    with pytest.raises(ValidationError) as exc:
        service_update(service=service, actor=admin, input_definition=bad)
    messages = exc.value.message_dict["input_definition"]
    assert "Field 1 (a): the condition refers to 'b', which comes later" in messages[0]
    assert "Field 2 (b): unknown type 'colour'" in messages[1]
    assert service.versions.count() == 1


def test_stale_revision_is_refused(service, admin):
    with pytest.raises(StaleVersion):
        service_update(service=service, actor=admin, description="x", expected_revision=1)


def test_requesters_and_engineers_cannot_edit_the_catalog(service, users):
    for role in ("requester", "engineer", "approver", "leadership"):
        with pytest.raises(PermissionDenied):
            service_update(service=service, actor=users[role], description="x")


def test_pms_can_create_services(users, policy):
    service = service_create(
        actor=users["pm"],
        name="Add a field",
        slug="add-a-field",
        sla_policy=policy,
        input_definition=[{"key": "label", "label": "Label", "type": "text"}],
    )
    assert service.status == "draft"


def test_publish_and_retire(draft_service, admin):
    service_publish(service=draft_service, actor=admin)
    assert draft_service.status == "active"
    with pytest.raises(TransitionError):
        service_publish(service=draft_service, actor=admin)
    service_retire(service=draft_service, actor=admin)
    assert Service.objects.get(pk=draft_service.pk).status == "retired"


def test_a_service_without_fields_cannot_be_published(admin, policy):
    empty = service_create(actor=admin, name="Empty", slug="empty", sla_policy=policy)
    with pytest.raises(ValidationError) as exc:
        service_publish(service=empty, actor=admin)
    assert "input_definition" in exc.value.message_dict


def test_reserved_and_duplicate_slugs(admin, policy, service):
    with pytest.raises(ValidationError) as exc:
        service_create(actor=admin, name="X", slug="templates", sla_policy=policy)
    assert "reserved" in exc.value.message_dict["slug"][0]
    with pytest.raises(ValidationError) as exc:
        service_create(actor=admin, name="Launch a campaign", slug="other", sla_policy=policy)
    assert "name" in exc.value.message_dict


def test_default_delivery_in_words(service):
    assert service.default_delivery() == "simple: 2 business days"


# --- SLA policies -------------------------------------------------------------------------


def test_policy_targets(policy):
    assert policy.triage_target("simple") == timedelta(hours=4)
    assert policy.delivery_target("simple") == timedelta(hours=16)
    assert policy.delivery_target(Complexity.COMPLEX) == timedelta(hours=120)
    assert policy.at_risk_ratio == 0.75
    assert policy.describe_hours(Decimal(16)) == "2 business days"
    assert policy.describe_hours(Decimal(8)) == "1 business day"
    assert policy.describe_hours(Decimal(4)) == "4 business hours"
    assert policy.describe_hours(Decimal("1")) == "1 business hour"
    assert policy.describe_hours(Decimal("12")) == "12 business hours"
    with pytest.raises(ValueError):
        policy.delivery_target("huge")


def test_policy_due_date_skips_nights_weekends_and_holidays(policy):
    # Friday 2025-07-03 16:00 (July 4 is a holiday, Friday): 2 business days (16 h)
    start = datetime(2025, 7, 3, 16, 0, tzinfo=NY)
    due = policy.due(clock="delivery", complexity="simple", start=start)
    # Thu 1h, (Fri holiday), Mon 8h, Tue 7h → Tue 16:00
    assert due == datetime(2025, 7, 8, 16, 0, tzinfo=NY)


def test_policy_validation(admin, calendar):
    from catalog.services import sla_policy_create

    with pytest.raises(ValidationError) as exc:
        sla_policy_create(
            actor=admin, name="Bad", slug="bad", calendar=calendar, at_risk_percent=150
        )
    assert "at_risk_percent" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        from tests.factories import UserFactory

        sla_policy_create(actor=UserFactory(role="pm"), name="PM", slug="pm", calendar=calendar)


# --- calendars ----------------------------------------------------------------------------


def test_engine_knows_hours_holidays_and_closed_days(calendar, admin):
    calendar_update(
        calendar=calendar, actor=admin, closed_days=[(date(2025, 12, 24), "Christmas Eve")]
    )
    engine = calendar.engine(years=[2025])
    assert engine.is_open(datetime(2025, 12, 23, 10, tzinfo=NY))
    assert not engine.is_open(datetime(2025, 12, 24, 10, tzinfo=NY))  # company closed day
    assert not engine.is_open(datetime(2025, 12, 25, 10, tzinfo=NY))  # public holiday
    assert not engine.is_open(datetime(2025, 12, 27, 10, tzinfo=NY))  # Saturday
    assert not engine.is_open(datetime(2025, 12, 23, 8, 59, tzinfo=NY))
    assert engine.elapsed(
        datetime(2025, 12, 22, 9, tzinfo=NY), datetime(2025, 12, 29, 9, tzinfo=NY)
    ) == timedelta(hours=24)  # Mon, Tue, Fri


def test_engine_is_cached_until_the_calendar_changes(calendar, admin):
    first = calendar.engine()
    assert calendar.engine() is first
    assert Calendar.objects.get(pk=calendar.pk).engine() is first
    calendar_update(calendar=calendar, actor=admin, closed_days=[(date(2025, 12, 31), "NYE")])
    fresh = Calendar.objects.get(pk=calendar.pk)
    assert fresh.engine() is not first
    assert not fresh.engine().is_open(datetime(2025, 12, 31, 10, tzinfo=NY))


def test_several_intervals_a_day_and_hours_per_day(admin):
    calendar = calendar_create(
        actor=admin,
        name="Berlin",
        slug="berlin",
        time_zone="Europe/Berlin",
        working_hours=demo.BERLIN_WEEK,
        holiday_regions=["DE-BE"],
    )
    assert calendar.hours_per_day == Decimal(8)  # Mon–Thu 3.5 + 4.5; Friday is shorter
    berlin = ZoneInfo("Europe/Berlin")
    engine = calendar.engine(years=[2025])
    assert not engine.is_open(datetime(2025, 3, 3, 13, tzinfo=berlin))  # lunch
    assert not engine.is_open(datetime(2025, 3, 8, 10, tzinfo=berlin))  # Women's Day (Berlin)


@pytest.mark.parametrize(
    "hours,message",
    [
        (
            {"0": [["09:00", "13:00"], ["12:00", "17:00"]]},
            "Monday: 09:00–13:00 overlaps 12:00–17:00",
        ),
        ({"1": [["17:00", "09:00"]]}, "Tuesday: 17:00–09:00 ends before it starts"),
        ({"2": [["25:00", "26:00"]]}, "Wednesday: '25:00' is not a time of day"),
        ({"7": [["09:00", "17:00"]]}, "'7' is not a weekday"),
        ({"0": "9-5"}, "Monday: intervals must be a list"),
        ({}, "Open at least one interval"),
    ],
)
def test_impossible_working_hours_are_refused_clearly(admin, hours, message):
    with pytest.raises(ValidationError) as exc:
        calendar_create(actor=admin, name="Bad", slug="bad", time_zone="UTC", working_hours=hours)
    assert any(message in m for m in exc.value.message_dict["working_hours"]), exc.value


def test_unknown_time_zone_and_holiday_region(admin):
    with pytest.raises(ValidationError) as exc:
        calendar_create(
            actor=admin,
            name="Bad",
            slug="bad",
            time_zone="Mars/Olympus",
            working_hours=demo.MON_FRI_9_17,
            holiday_regions=["XX", "DE-ZZ"],
        )
    errors = exc.value.message_dict
    assert "'Mars/Olympus' is not a known time zone" in errors["time_zone"][0]
    assert any("'XX' is not a country" in m for m in errors["holiday_regions"])


def test_parse_week_text():
    assert parse_week_text({0: "09:00-12:00, 13:00–17:00", 5: "", 6: "00:00-24:00"}) == {
        "0": [["09:00", "12:00"], ["13:00", "17:00"]],
        "6": [["00:00", "24:00"]],
    }
    with pytest.raises(ValidationError) as exc:
        parse_week_text({1: "09:00-13:00, 12:00-17:00", 2: "nine to five"})
    errors = exc.value.message_dict
    assert "day_2" in errors and "not an interval" in errors["day_2"][0]


def test_always_open_calendar(admin):
    calendar = calendar_create(
        actor=admin, name="24/7", slug="always", time_zone="UTC", working_hours=demo.ALWAYS
    )
    assert calendar.hours_per_day == Decimal(24)
    start = datetime(2025, 1, 4, 23, tzinfo=ZoneInfo("UTC"))
    assert calendar.engine().add(start, timedelta(hours=5)) == start + timedelta(hours=5)


# --- templates ----------------------------------------------------------------------------


def test_publish_keeps_old_versions(template, admin):
    v2 = template_publish(
        template=template, actor=admin, content="Every 10 days.", changelog="Slower"
    )
    assert v2.number == 2 and template.current_version == v2
    assert list(template.versions.values_list("number", flat=True)) == [2, 1]
    assert TemplateVersion.objects.get(template=template, number=1).content == "Weekly e-mail."


def test_rollback_restores_as_a_new_version_recorded_in_history(template, admin):
    template_publish(template=template, actor=admin, content="v2", spec={}, changelog="two")
    v3 = template_rollback(template=template, actor=admin, to_number=1)
    assert v3.number == 3
    assert v3.content == "Weekly e-mail." and v3.spec == {"cadence_days": 7}
    assert v3.restored_from.number == 1
    assert v3.changelog == "Rolled back to v1."
    assert Template.objects.get(pk=template.pk).current_version == v3
    reasons = list(template.history.values_list("history_change_reason", flat=True))
    assert "v3 restored from v1 by admin" in reasons


def test_rollback_to_a_missing_version_names_it(template, admin):
    with pytest.raises(ValidationError) as exc:
        template_rollback(template=template, actor=admin, to_number=7)
    assert exc.value.message_dict["to_number"] == ["Nurture has no version 7 (versions: v1)."]
    with pytest.raises(ValidationError):
        template_rollback(template=template, actor=admin, to_number=1)  # already current


def test_publishing_needs_a_changelog(template, admin):
    with pytest.raises(ValidationError) as exc:
        template_publish(template=template, actor=admin, content="x", changelog=" ")
    assert "changelog" in exc.value.message_dict


# --- demo ---------------------------------------------------------------------------------


def test_demo_catalog_is_complete_and_idempotent(demo_catalog):
    names = set(Service.objects.values_list("name", flat=True))
    assert {
        "Launch a campaign",
        "Add a field",
        "Create a segment",
        "Build a nurture",
        "Build a landing page",
        "Update lead scoring",
        "Create a UTM set",
    } <= names
    assert Service.objects.get(slug="create-a-utm-set").self_serve
    assert all(s.status == "active" for s in Service.objects.all())
    conditional = [
        s.slug for s in Service.objects.all() if any(f.get("condition") for f in s.input_definition)
    ]
    assert len(conditional) == 7
    assert set(Template.objects.values_list("kind", flat=True)) == {
        "welcome_series",
        "nurture",
        "re_engagement",
        "win_back",
        "upsell",
    }
    assert all(2 <= t.versions.count() <= 3 for t in Template.objects.all())
    standard = SlaPolicy.objects.get(slug="standard")
    assert [standard.describe_hours(standard.delivery_hours(c)) for c in Complexity.values] == [
        "2 business days",
        "5 business days",
        "15 business days",
    ]
    us = Calendar.objects.get(slug="us-business-hours")
    assert us.closed_days.filter(date__month=12, date__day__in=[24, 31]).count() >= 4
    assert set(Calendar.objects.values_list("slug", flat=True)) == {
        "us-business-hours",
        "berlin",
        "always-open",
    }
    counts = (
        Service.objects.count(),
        ServiceVersion.objects.count(),
        TemplateVersion.objects.count(),
    )
    demo.load()
    assert counts == (
        Service.objects.count(),
        ServiceVersion.objects.count(),
        TemplateVersion.objects.count(),
    )
