"""Requests waiting in QA, made the way intake makes them; trains and approved RFCs made
through their services.

The service comes from catalog's services (one per channel set and change type, reused), the
request from intake's `request_create(submit=True)`, then it walks intake's own lifecycle:
accepted by a PM, started and sent to QA by an engineer. No status is written directly, so
every request carries the events and SLA fields intake would give it.
"""

from datetime import timedelta

from django.utils import timezone

from catalog.models import Calendar, Service, SlaPolicy
from catalog.services import calendar_create, service_create, service_publish, sla_policy_create
from intake.services import request_create, request_transition
from mops.accounts.models import User
from mops.accounts.roles import GROUP_NAMES, Role
from tests import factories

MON_FRI_9_17 = {str(d): [["09:00", "17:00"]] for d in range(5)}


def _user_with(role: Role, default_name: str) -> User:
    found = User.objects.filter(groups__name=GROUP_NAMES[role.value]).order_by("pk").first()
    return found or factories.UserFactory(username=default_name, role=role)


def _service(*, channels: list[str], change_type: str, admin: User) -> Service:
    slug = f"releases-{'-'.join(sorted(channels))}-{change_type}".replace("_", "-")
    service = Service.objects.filter(slug=slug).first()
    if service is not None:
        return service
    calendar = Calendar.objects.filter(slug="releases-tests").first() or calendar_create(
        actor=admin,
        name="Releases tests",
        slug="releases-tests",
        time_zone="America/New_York",
        working_hours=MON_FRI_9_17,
    )
    policy = SlaPolicy.objects.filter(slug="releases-tests").first() or sla_policy_create(
        actor=admin, name="Releases tests", slug="releases-tests", calendar=calendar
    )
    service = service_create(
        actor=admin,
        name=f"Launch ({', '.join(channels)}, {change_type})",
        slug=slug,
        description="Made by the releases tests.",
        channels=list(channels),
        change_type=change_type,
        default_complexity="standard",
        sla_policy=policy,
        input_definition=[{"key": "notes", "label": "Notes", "type": "long_text"}],
    )
    return service_publish(service=service, actor=admin)


def qa_request(*, channels, change_type="new_campaign", requester=None, **kwargs):
    """A request in QA from a service launching in `channels` (intake's lifecycle walked:
    submit → accept → start → send_to_qa). kwargs: title, template_version."""
    admin = _user_with(Role.ADMIN, "releases-admin")
    pm = _user_with(Role.PM, "releases-pm")
    engineer = _user_with(Role.ENGINEER, "releases-engineer")
    requester = requester or _user_with(Role.REQUESTER, "releases-requester")
    service = _service(channels=list(channels), change_type=change_type, admin=admin)
    request = request_create(
        service=service,
        actor=requester,
        title=kwargs.get("title", "Spring launch"),
        brief="Launch the spring offer.",
        audience="Trial users in the US",
        offer="20% off",
        tracking_plan={
            "utm_source": "newsletter",
            "utm_medium": "email",
            "utm_campaign": "fy30q1_na_email_promo_spring",
        },
        desired_live_date=timezone.localdate() + timedelta(days=30),
        scoring_inputs={"impact": 4, "effort": 2, "risk": 3},
        template_version=kwargs.get("template_version"),
        submit=True,
    )
    request = request_transition(request=request, name="accept", actor=pm)
    request = request_transition(request=request, name="start", actor=engineer)
    return request_transition(request=request, name="send_to_qa", actor=engineer)


def all_day_freeze(admin, **extra):
    """A daily, all-day recurring freeze in New York (every departure is inside it)."""
    from datetime import date, time

    from releases.trains import services as trains_services
    from releases.trains.models import Freeze

    return trains_services.freeze_create(
        actor=admin,
        name="Everything frozen",
        kind=Freeze.Kind.RECURRING,
        rrule="FREQ=DAILY",
        first_date=date(2020, 1, 1),
        start_time=time(0, 0),
        duration_minutes=24 * 60,
        time_zone="America/New_York",
        **extra,
    )


def daily_train(admin, **fields):
    """A daily 10:00 New York e-mail train, first departure three days ago, departures
    materialised for the next two weeks; `fields` change any train field."""
    from datetime import time
    from decimal import Decimal

    from releases.trains import services as trains_services

    defaults = {
        "name": "E-mail train",
        "slug": "email",
        "channels": ["email"],
        "time_zone": "America/New_York",
        "rrule": "FREQ=DAILY",
        "first_date": timezone.localdate() - timedelta(days=3),
        "start_time": time(10, 0),
        "duration_minutes": 120,
        "capacity": 2,
        "cutoff_hours": Decimal(2),
        "horizon_days": 14,
    }
    return trains_services.train_create(actor=admin, **{**defaults, **fields})


def train_for(channels, *, admin=None, slug="", capacity=50):
    """A daily 10:00 New York train carrying `channels` (made once per slug), departures
    materialised for the next two weeks."""
    from releases.trains.models import Train

    admin = admin or _user_with(Role.ADMIN, "releases-admin")
    slug = slug or "train-" + "-".join(sorted(channels)).replace("_", "-")
    return Train.objects.filter(slug=slug).first() or daily_train(
        admin,
        name=f"Train ({', '.join(channels)})",
        slug=slug,
        channels=list(channels),
        capacity=capacity,
    )


def board_next(request, *, actor, train=None):
    """Board `request` (in QA, checklist passed or none applying) on the next departure of
    `train` (default: a train carrying its service's channels) whose cutoff is a day away."""
    from releases.boarding import services as boarding_services
    from releases.trains.models import Departure

    train = train or train_for(request.service.channels or ["email"])
    departure = (
        Departure.objects.filter(train=train, cutoff_at__gt=timezone.now() + timedelta(days=1))
        .order_by("starts_at")
        .first()
    )
    return boarding_services.departure_board(departure=departure, request=request, actor=actor)


def depart_and_land(boarding, *, actor, outcome="live", note=""):
    """The departure leaves (its start moved to five minutes ago, as the clock would) and
    `actor` marks the boarded request `outcome` on it: the only way to live besides the
    admin override."""
    from releases.boarding import services as boarding_services
    from releases.trains.models import Departure

    Departure.objects.filter(pk=boarding.departure_id).update(
        starts_at=timezone.now() - timedelta(minutes=5),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    return boarding_services.boarding_mark(
        boarding=boarding, outcome=outcome, actor=actor, note=note
    )


def to_live(request, *, actor):
    """In QA → boarded on the next departure → live when it leaves. Returns the request."""
    boarding = board_next(request, actor=actor)
    depart_and_land(boarding, actor=actor)
    request.refresh_from_db()
    return request


RFC_FIELDS = {
    "title": "Re-route EMEA leads",
    "change_type": "routing",
    "summary": "New round-robin for EMEA.",
    "proposal": "Change the assignment rule.",
    "channels": ["email"],
    "test_plan": "Route 10 sandbox leads.",
    "rollback_plan": "Restore the previous rule version.",
}


def approved_rfc(users, **overrides):
    """An e-mail routing RFC (`RFC_FIELDS` with `overrides`) by the engineer, approved by the
    approver (and approver2 when high-risk)."""
    from governance.rfc.services import rfc_approve, rfc_create

    rfc = rfc_create(actor=users["engineer"], submit=True, **{**RFC_FIELDS, **overrides})
    rfc_approve(rfc=rfc, actor=users["approver"])
    if rfc.risk == "high":
        rfc_approve(rfc=rfc, actor=users["approver2"])
    rfc.refresh_from_db()
    assert rfc.status == "approved"
    return rfc
