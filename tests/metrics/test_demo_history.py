"""The demo data carries twelve months of history: a first run shows a living dashboard, and
the history keeps the lifecycle's rules (events in order, live only from a departed train or
a recorded admin override)."""

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from intake.models import OVERRIDE_LIVE, REQUEST_LIFECYCLE, Request, RequestEvent, Status
from metrics import demo_history
from metrics.definitions import HEADLINE
from mops.accounts.models import User
from releases.boarding.models import Boarding, BoardingStatus
from releases.trains.models import DepartureStatus


def test_every_headline_tile_has_data_after_the_demo_load(demo):
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    html = client.get("/metrics/").content.decode()
    tiles = re.findall(r'data-metric="(\w+)">(.*?)</article>', html, re.S)
    assert [key for key, _ in tiles] == list(HEADLINE)
    empty = [key for key, body in tiles if "no data" in body]
    assert empty == []


def test_history_spans_twelve_months_teams_services_and_classes(demo):
    history = Request.objects.filter(submitted_at__lt=timezone.now() - timedelta(days=60))
    assert history.count() > 250
    oldest = history.order_by("submitted_at").first().submitted_at
    assert oldest < timezone.now() - timedelta(days=330)
    assert history.values("team").distinct().count() >= 3
    assert history.values("service").distinct().count() >= 5
    assert history.values("complexity").distinct().count() >= 2
    statuses = set(Request.objects.values_list("status", flat=True))
    assert {Status.CLOSED, Status.LIVE, Status.REJECTED, Status.ACCEPTED, Status.IN_PROGRESS} <= (
        statuses
    )
    # SLA hits and misses, and an aging backlog
    from metrics.models import RequestFact

    facts = RequestFact.objects.all()
    assert facts.filter(delivery_met=True).exists() and facts.filter(delivery_met=False).exists()
    assert facts.filter(triage_met=True).exists() and facts.filter(triage_met=False).exists()
    aged = Request.objects.filter(
        status__in=[Status.ACCEPTED, Status.IN_PROGRESS],
        submitted_at__lt=timezone.now() - timedelta(days=14),
    )
    assert aged.exists()
    # the reliability and data-health panels have a past too
    from governance.models import CheckRun, Incident, Ping

    year_ago = timezone.now() - timedelta(days=300)
    assert CheckRun.objects.filter(started_at__lt=year_ago).exists()
    assert Ping.objects.filter(received_at__lt=timezone.now() - timedelta(days=80)).exists()
    assert Incident.objects.filter(
        status="resolved", resolved_at__lt=year_ago + timedelta(days=280)
    ).exists()


def test_history_follows_the_lifecycle(demo):
    """Each event leaves the state the previous one entered by an allowed transition; a
    request is scheduled only by boarding a departure that then left and live only after that
    departure started, or live by the admin override with its reason on the event."""
    transitions = REQUEST_LIFECYCLE.transitions  # name → Transition
    events: dict[int, list[RequestEvent]] = {}
    for event in RequestEvent.objects.order_by("at", "id"):
        events.setdefault(event.request_id, []).append(event)
    boardings = {
        b.request_id: b
        for b in Boarding.objects.filter(request__isnull=False).select_related("departure")
    }
    for request in Request.objects.all():
        trail = events[request.pk]
        assert trail[0].transition == "create"
        for before, after in zip(trail, trail[1:], strict=False):
            assert after.from_status == before.to_status, (request.pk, after.transition)
            rule = transitions[after.transition]
            assert after.from_status in rule.sources and after.to_status == rule.target
        assert trail[-1].to_status == request.status
        overrides = [e for e in trail if e.transition == OVERRIDE_LIVE]
        if overrides:  # the admin override: an admin, a reason, no train
            assert overrides[0].actor.username == "admin" and overrides[0].note, request.pk
            continue
        went_live = [e for e in trail if e.transition == "go_live"]
        if not went_live:
            continue
        boarding = boardings[request.pk]
        assert boarding.status == BoardingStatus.LIVE
        assert boarding.departure.status in (DepartureStatus.DEPARTED, DepartureStatus.CLOSED)
        scheduled = next(e for e in trail if e.transition == "schedule")
        assert scheduled.at <= boarding.departure.cutoff_at
        assert went_live[0].at >= boarding.departure.starts_at


def test_the_history_is_written_once(demo):
    before = (Request.objects.count(), RequestEvent.objects.count(), Boarding.objects.count())
    assert demo_history.load() == 0
    from mops.core import registry

    for _name, load in registry.demo_loaders:
        load()
    after = (Request.objects.count(), RequestEvent.objects.count(), Boarding.objects.count())
    assert after == before


def test_early_in_a_week_the_override_fills_this_weeks_figures():
    """Monday before the first train: the freshest request in QA went live by the admin
    override (its reason on the event), so this week's live figures are not empty."""
    local = timezone.localtime()
    monday = (local + timedelta(days=7 - local.weekday())).replace(
        hour=6, minute=0, second=0, microsecond=0
    )
    admin = User(username="admin")
    friday = monday - timedelta(days=3)

    def story(at, status, live_at=None):  # type: ignore[no-untyped-def]
        request = Request(status=status, live_at=live_at)
        s = demo_history.Story(request)
        s.add(at, "send_to_qa", Status.IN_PROGRESS, Status.IN_QA, admin)
        return s

    older, fresher = story(friday, Status.IN_QA), story(friday + timedelta(hours=5), Status.IN_QA)
    shipped = story(friday, Status.LIVE, live_at=friday)
    demo_history._hotfix([older, fresher, shipped], admin, monday)
    at, name, source, target, actor, note = fresher.events[-1]
    assert (name, source, target, actor) == (OVERRIDE_LIVE, Status.IN_QA, Status.LIVE, admin)
    assert note and monday - timedelta(hours=6) <= at < monday
    assert fresher.request.status == Status.LIVE and fresher.request.live_at == at
    assert older.request.status == Status.IN_QA and len(older.events) == 1
    # once a train has left this week, nothing is overridden
    tuesday = story(monday + timedelta(days=1), Status.LIVE, live_at=monday + timedelta(days=1))
    waiting = story(friday, Status.IN_QA)
    demo_history._hotfix([tuesday, waiting], admin, monday + timedelta(days=2))
    assert waiting.request.status == Status.IN_QA
