"""The enablement demo: a playbook per self-serve service, Campaign tracking 101 gating the
self-serve UTM set, idempotent."""

import pytest

from catalog import demo as catalog_demo
from catalog.models import Service
from catalog.services import can_self_serve
from governance.enablement import demo
from governance.enablement.models import Course, Playbook

pytestmark = pytest.mark.django_db


def test_demo_loads_twice_and_gates_the_utm_set(users):
    catalog_demo.load()
    demo.load()
    demo.load()
    self_serve = Service.objects.filter(self_serve=True, status="active")
    assert self_serve.exists()
    for service in self_serve:
        assert Playbook.objects.filter(services=service).count() == 1
    course = Course.objects.get(slug="campaign-tracking-101")
    assert course.level == "101" and course.modules.count() == 2
    utm = Service.objects.get(slug="create-a-utm-set")
    assert list(course.unlocks.all()) == [utm]
    assert not can_self_serve(users["requester"], utm)


def test_demo_office_hours_are_every_wednesday_with_attendance_in_the_past(users):
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    from governance.enablement.models import OfficeHours
    from metrics.enablement.figures import enablement_figures

    demo.load()
    demo.load()
    series = OfficeHours.objects.get()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=WE"
    local = ZoneInfo(settings.TIME_ZONE)
    starts = [s.starts_at.astimezone(local) for s in series.sessions.all()]
    assert {(t.weekday(), t.hour) for t in starts} == {(2, 15)}
    past = series.sessions.filter(ends_at__lte=timezone.now())
    assert past.count() >= 4 and all(s.attendance_marked_at for s in past)
    assert series.sessions.filter(starts_at__gt=timezone.now()).count() == 8
    assert enablement_figures().attendance is not None
