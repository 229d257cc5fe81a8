"""Twelve months of demo history, so a first `make run` shows a living dashboard.

Requests across services, teams and classes went through the lifecycle in order (submit →
triage, sometimes needs-info → build → QA → boarding a departure → live once that departure
left → closed); a few were rejected or cancelled and some still wait (the aging backlog).
Triage and delivery durations are drawn on each service's business calendar as fractions
of the SLA target, so most meet it and some miss. Historic departures of the demo trains
carry what went live. Quarterly NPS surveys were answered by the demo marketers.

Written the way the bulk loader in `bench/bench_metrics.py` writes history: rows and their
lifecycle events directly (the services' notifications, checks and clocks belong to the
present, not to last spring), with `bulk_create_with_history` so the audit keeps a record.
The facts and the rollup are then rebuilt from those events by `metrics.demo`. Idempotent
(skipped once any historic demo request exists) and deterministic (a seeded generator).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from catalog.models import Service, ServiceStatus, TemplateVersion
from intake.demo import DEMO_MARK, _answers
from intake.models import OVERRIDE_LIVE, Priority, Request, RequestEvent, Status
from intake.services import _apply_scoring, _refresh_sla, default_scoring_version
from mops.accounts.models import Team, User
from mops.accounts.roles import GROUP_NAMES, Role
from releases.boarding.models import Boarding, BoardingStatus
from releases.trains import schedule
from releases.trains.models import Departure, DepartureStatus, Train

from .models import NpsInvitation, NpsResponse, NpsSurvey

DAYS = 365
PER_WEEK = 9  # requests submitted per week, on average
SEED = 20261204

THEMES = [
    "Spring product launch", "Q2 webinar series", "Partner summit follow-up",
    "Trial-to-paid nudge", "EMEA roadshow", "Customer advocacy program", "Pricing page refresh",
    "Renewal reminder", "Analyst report promotion", "Holiday promotion", "ABM tier-1 accounts",
    "Product-qualified leads", "Event no-show recovery", "Onboarding series", "Churn save offer",
    "Case study launch", "Retargeting refresh", "Newsletter redesign", "Lead routing fix",
    "Competitive displacement",
]  # fmt: skip
MARKETERS = [
    ("morgan", "Morgan", "Diaz", "demand-gen"), ("sasha", "Sasha", "Kim", "demand-gen"),
    ("noor", "Noor", "Haddad", "demand-gen"), ("taylor", "Taylor", "Brooks", "field-marketing"),
    ("jamie", "Jamie", "Okafor", "field-marketing"), ("alex", "Alex", "Moreau", "field-marketing"),
    ("casey", "Casey", "Lindqvist", "sales"), ("robin", "Robin", "Tanaka", "sales"),
    ("quinn", "Quinn", "Adeyemi", "sales"), ("drew", "Drew", "Novak", "demand-gen"),
]  # fmt: skip
NPS_COMMENTS = ["Fast and clear.", "Triage took too long.", "Great QA.", "", "", ""]


def history_exists() -> bool:
    return Request.objects.filter(
        title__startswith=DEMO_MARK, submitted_at__lt=timezone.now() - timedelta(days=60)
    ).exists()


def _marketers() -> list[User]:
    """The demo requesters plus ten more marketers (no password: they only appear in
    history and answer surveys), so the history spans people and teams."""
    group = Group.objects.filter(name=GROUP_NAMES[Role.REQUESTER]).first()
    teams = {t.slug: t for t in Team.objects.all()}
    people = list(User.objects.filter(username__in=["requester", "field"]))
    for username, first, last, team in MARKETERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "team": teams.get(team),
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
            if group is not None:
                user.groups.add(group)
        people.append(user)
    return [p for p in people if p.team_id is not None]


def _train_for(service: Service, trains: list[Train]) -> Train:
    """The train carrying most of the service's channels (the first train otherwise)."""
    wanted = set(service.channels or [])
    return max(trains, key=lambda t: (len(wanted & set(t.channels)), -trains.index(t)))


def _departures(trains: list[Train], now: datetime) -> dict[int, list[Departure]]:
    """Each train's past departures over the history window, created once (departed, or
    closed once over), oldest first."""
    start = now - timedelta(days=DAYS + 7)
    out: dict[int, list[Departure]] = {}
    for train in trains:
        found = schedule.occurrences(
            rule=train.rrule,
            first_date=start.date(),
            start_time=train.start_time,
            duration=train.duration,
            time_zone=train.time_zone,
            window_start=start,
            window_end=now,
            limit=1000,
        )
        existing = {d.scheduled_start: d for d in train.departures.filter(scheduled_start__lt=now)}
        # Train.cutoff_for, with the calendar's engine built once for the whole year
        years = range(start.year - 1, now.year + 1)
        engine = train.calendar.engine(years) if train.calendar is not None else None
        new = []
        for o in found:
            if o.start in existing or o.start >= now:
                continue
            status = DepartureStatus.CLOSED if o.end <= now else DepartureStatus.DEPARTED
            cutoff = (
                schedule.business_cutoff(engine, o.start, float(train.cutoff_hours))
                if engine is not None
                else train.cutoff_for(o.start)
            )
            new.append(
                Departure(
                    train=train,
                    scheduled_start=o.start,
                    starts_at=o.start,
                    ends_at=o.end,
                    cutoff_at=cutoff,
                    capacity=train.capacity,
                    status=status,
                )
            )
        bulk_create_with_history(new, Departure, default_change_reason="demo history")
        out[train.pk] = list(
            train.departures.filter(
                starts_at__lt=now, status__in=[DepartureStatus.DEPARTED, DepartureStatus.CLOSED]
            ).order_by("starts_at")
        )
    return out


@dataclass
class Story:
    """One historic request: its row, its events and (if it went live) its boarding."""

    request: Request
    events: list[tuple[datetime, str, str, str, Any, str]] = field(default_factory=list)
    departure: Departure | None = None
    boarded_at: datetime | None = None

    def add(
        self, at: datetime, name: str, source: str, target: str, actor: User, note: str = ""
    ) -> None:
        self.events.append((at, name, source, target, actor, note))


def _story(
    rng: random.Random,
    request: Request,
    submitted: datetime,
    departures: list[Departure],
    people: dict[str, User],
    now: datetime,
) -> Story:
    """Walk the lifecycle from `submitted`, stopping at the first step still in the future."""
    version = request.service_version
    policy = version.sla_policy
    engine = policy.calendar.engine_for(submitted, now)
    story = Story(request)
    pm, eng, maker = people["pm"], people["engineer"], request.requester
    story.add(submitted - timedelta(minutes=20), "create", "", Status.DRAFT, maker)
    story.add(submitted, "submit", Status.DRAFT, Status.SUBMITTED, maker)
    triage = policy.triage_target(request.complexity)
    ratio = rng.uniform(1.1, 2.5) if rng.random() < 0.12 else rng.uniform(0.05, 0.9)
    at = engine.add(submitted, triage * ratio)
    if rng.random() < 0.15:  # asks for more, gets an answer a day or two later
        story.add(at, "needs_info", Status.SUBMITTED, Status.NEEDS_INFO, pm, "Which segment?")
        at = engine.add(at, timedelta(hours=rng.uniform(2, 14)))
        story.add(at, "answer", Status.NEEDS_INFO, Status.SUBMITTED, maker, "The EMEA list.")
        at = engine.add(at, triage * rng.uniform(0.1, 0.8))
    fate = rng.random()
    if fate < 0.05:
        story.add(at, "reject", Status.SUBMITTED, Status.REJECTED, pm, "Out of scope.")
        return story
    if fate < 0.08:
        story.add(at, "cancel", Status.SUBMITTED, Status.CANCELLED, maker, "Plans changed.")
        return story
    story.add(at, "accept", Status.SUBMITTED, Status.ACCEPTED, pm)
    if fate < 0.095:  # accepted and never started: the aging backlog
        return story
    delivery = policy.delivery_target(request.complexity)
    due = engine.add(at, delivery)
    at = engine.add(at, delivery * rng.uniform(0.02, 0.08))
    story.add(at, "start", Status.ACCEPTED, Status.IN_PROGRESS, eng)
    if fate < 0.11:  # stuck in build
        return story
    # Most work is built for a departure before its due date; some misses it.
    ahead = [d for d in departures if d.cutoff_at > at + timedelta(hours=4)]
    fits = [d for d in ahead if d.starts_at <= due]
    if fits and rng.random() > 0.15:
        departure: Departure | None = fits[0] if rng.random() < 0.6 else rng.choice(fits[:3])
    else:
        departure = next((d for d in ahead if d.starts_at > due), None)
    if departure is None:  # the departure it needs is still ahead: in build or QA now
        story.add(engine.add(at, delivery * rng.uniform(0.3, 0.8)), "send_to_qa",
                  Status.IN_PROGRESS, Status.IN_QA, eng)  # fmt: skip
        return story
    at = at + (departure.cutoff_at - at) * rng.uniform(0.4, 0.8)
    story.add(at, "send_to_qa", Status.IN_PROGRESS, Status.IN_QA, eng)
    qa_done = at + (departure.cutoff_at - at) * rng.uniform(0.3, 0.9)
    story.departure, story.boarded_at = departure, qa_done
    story.add(qa_done, "schedule", Status.IN_QA, Status.SCHEDULED, eng, f"Boarded {departure}.")
    live = departure.starts_at + timedelta(minutes=rng.randint(5, 50))
    story.add(live, "go_live", Status.SCHEDULED, Status.LIVE, eng, f"Live on {departure}.")
    closed = live + timedelta(days=rng.randint(7, 20))
    story.add(closed, "close", Status.LIVE, Status.CLOSED, eng)
    return story


def _trim(story: Story, now: datetime) -> None:
    """Drop steps still in the future; the request stands where its last event left it."""
    story.events = [e for e in story.events if e[0] < now]
    if story.departure is not None and not any(e[1] == "go_live" for e in story.events):
        story.events = [e for e in story.events if e[1] != "schedule"]
        story.departure = story.boarded_at = None
    request = story.request
    first = {name: at for at, name, *_ in reversed(story.events)}
    request.status = story.events[-1][3]
    request.created_at = story.events[0][0]
    request.submitted_at = first.get("submit")
    request.accepted_at = first.get("accept")
    request.live_at = first.get("go_live")
    request.closed_at = first.get("close")


def _hotfix(stories: list[Story], admin: User | None, now: datetime) -> None:
    """Early in a week no train has left yet, so this week's figures would be empty: then
    the freshest request waiting in QA went live this morning by the admin override
    (`override_live`, its reason on the event), the one way to live outside the trains."""
    local = timezone.localtime(now)
    week_start = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0)
    if admin is None or any(s.request.live_at and s.request.live_at >= week_start for s in stories):
        return
    waiting = [s for s in stories if s.request.status == Status.IN_QA]
    if not waiting:
        return
    story = max(waiting, key=lambda s: s.events[-1][0])
    at = max(story.events[-1][0], week_start) + timedelta(minutes=1)
    at = min(at, now - timedelta(minutes=1))
    reason = "Urgent fix shipped outside the trains: the sign-up form on the site was broken."
    story.add(at, OVERRIDE_LIVE, Status.IN_QA, Status.LIVE, admin, reason)
    story.request.status = Status.LIVE
    story.request.live_at = at


GOVERNANCE_SQL = """
INSERT INTO governance_ping (monitor_id, received_at, method, user_agent)
SELECT m.id, t, 'POST', 'demo history'
FROM governance_monitor m
CROSS JOIN LATERAL (SELECT min(received_at) AS first FROM governance_ping p
                    WHERE p.monitor_id = m.id) f
CROSS JOIN LATERAL generate_series(f.first - interval '91 days', f.first - m.period, m.period) t
WHERE f.first IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM unnest(%(outages)s::int[]) AS o (days)
    WHERE t > f.first - make_interval(days => o.days + m.id::int)
      AND t < f.first - make_interval(days => o.days + m.id::int) + interval '3 hours');
INSERT INTO governance_incident (source_key, source, title, summary, status, check_key,
    escalation_level, occurrences, opened_at, last_seen_at, acknowledged_at, resolved_at,
    resolution, monitor_id, runbook_id)
SELECT 'monitor:' || m.id, 'monitor', m.name || ' missed its heartbeat',
       'Expected every ' || m.period || ' (+' || m.grace || ' grace).', 'resolved', '', 0, 1,
       s + m.period + m.grace, s + m.period + m.grace, s + m.period + m.grace + interval '18 minutes',
       s + interval '3 hours', 'Heartbeat received again.', m.id,
       (SELECT runbook_id FROM governance_incident i WHERE i.monitor_id = m.id
        AND runbook_id IS NOT NULL LIMIT 1)
FROM governance_monitor m
CROSS JOIN LATERAL (SELECT min(received_at) AS first FROM governance_ping p
                    WHERE p.monitor_id = m.id AND p.user_agent <> 'demo history') f
CROSS JOIN unnest(%(outages)s::int[]) AS o (days)
CROSS JOIN LATERAL (SELECT f.first - make_interval(days => o.days + m.id::int) AS s) x
WHERE f.first IS NOT NULL;
UPDATE governance_monitor m SET started_at = f.first
FROM (SELECT monitor_id, min(received_at) AS first FROM governance_ping GROUP BY 1) f
WHERE f.monitor_id = m.id AND f.first < m.started_at;
WITH src AS (
    SELECT DISTINCT ON (dataset_id) * FROM governance_checkrun
    ORDER BY dataset_id, started_at DESC
), runs AS (
    INSERT INTO governance_checkrun (dataset_id, contract_version, mode, trigger, status,
        started_at, finished_at, duration_ms, statements, attempt, rows_in_scope, notes, error,
        score_completeness, score_validity, score_timeliness, score_uniqueness,
        score_consistency, score_coverage)
    SELECT s.dataset_id, s.contract_version, s.mode, 'schedule', s.status,
           s.started_at - d * interval '1 day', s.finished_at - d * interval '1 day',
           s.duration_ms, s.statements, 1, s.rows_in_scope, s.notes, s.error,
           s.score_completeness - random() * d / 60.0, s.score_validity - random() * d / 60.0,
           s.score_timeliness, s.score_uniqueness - random() * d / 90.0, s.score_consistency,
           s.score_coverage - random() * d / 45.0
    FROM src s CROSS JOIN generate_series(1, %(days)s) AS d
    RETURNING id, dataset_id, started_at
)
INSERT INTO governance_checkresult (run_id, key, kind, dimension, status, value, count,
    denominator, unit, warn, fail, semantics, error, error_code, error_detail, detail, sample)
SELECT n.id, r.key, r.kind, r.dimension, r.status,
       CASE WHEN r.kind IN ('duplicates', 'duplicates_normalised', 'coverage', 'coverage_value')
            THEN r.value * (1 + random() * extract(epoch FROM s.started_at - n.started_at)
                                / (86400 * 250.0))
            ELSE r.value END,
       r.count, r.denominator, r.unit, r.warn, r.fail, r.semantics, r.error, r.error_code,
       r.error_detail, r.detail, NULL
FROM runs n JOIN src s ON s.dataset_id = n.dataset_id
JOIN governance_checkresult r ON r.run_id = s.id
"""


def _governance(now: datetime) -> None:
    """A year of daily check runs before each dataset's first (scores a little lower the
    further back: the team has been improving), and ninety days of heartbeats before each
    watched automation's first ping, with a three-hour outage a month (an incident opened
    and resolved, for uptime and MTTR). SQL, like the bench's `governance_load`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.19)")
        for statement in GOVERNANCE_SQL.split(";\n"):
            cursor.execute(statement, {"outages": [12, 40, 71], "days": DAYS})


def load(progress: Callable[[str], None] = lambda _: None, *, now: datetime | None = None) -> int:
    """Write the history (nothing if it is there already); the number of requests written."""
    if history_exists():
        return 0
    now = now or timezone.now()
    people = {u.username: u for u in User.objects.filter(username__in=["pm", "engineer"])}
    services = list(
        Service.objects.filter(status=ServiceStatus.ACTIVE, current_version__isnull=False)
        .exclude(self_serve=True)
        .select_related("current_version__sla_policy__calendar")
        .order_by("pk")
    )
    trains = list(Train.objects.filter(active=True).order_by("pk"))
    if len(people) < 2 or not services or not trains:
        return 0
    marketers = _marketers()
    default_scoring_version()
    departures = _departures(trains, now)
    templates = {tv.pk: tv for tv in TemplateVersion.objects.all()}
    rng = random.Random(SEED)
    stories: list[Story] = []
    start = now - timedelta(days=DAYS)
    for week in range(DAYS // 7 + 1):
        for _ in range(rng.randint(PER_WEEK - 2, PER_WEEK + 2)):
            submitted = start + timedelta(days=week * 7 + rng.uniform(0, 7))
            if submitted >= now - timedelta(hours=2):
                continue
            service = rng.choice(services)
            version = service.current_version
            if version is None:  # the query keeps only services with one
                continue
            maker = rng.choice(marketers)
            request = _draw_request(rng, service, maker, people, templates, submitted, len(stories))
            story = _story(rng, request, submitted, departures[_train_for(service, trains).pk],
                           people, now)  # fmt: skip
            _trim(story, now)
            stories.append(story)
    _hotfix(stories, User.objects.filter(username="admin").first(), now)
    requests = _write(stories, people)
    _refresh_open(requests, now)
    _nps(rng, marketers, now)
    _governance(now)
    progress(f"metrics: {len(requests)} historic request(s)")
    return len(requests)


def _draw_request(
    rng: random.Random,
    service: Service,
    maker: User,
    people: dict[str, User],
    templates: dict[int, TemplateVersion],
    submitted: datetime,
    index: int,
) -> Request:
    """One historic request for `service` by `maker` (unsaved), its answers and scoring drawn."""
    version = service.current_version
    assert version is not None  # load keeps only services with one
    offered = [templates[i] for i in version.template_version_ids() if i in templates]
    return Request(
        title=f"{DEMO_MARK}{rng.choice(THEMES)} — {service.name.lower()}",
        service=service,
        service_version=version,
        team=maker.team,
        requester=maker,
        assignee=people["engineer"],
        complexity=version.complexity,
        answers=_answers(version.input_definition or []),
        brief="What we want and why: more pipeline from the segment below.",
        audience="Customers and trials in North America and EMEA",
        offer="Free trial extension",
        tracking_plan={
            "utm_source": "newsletter",
            "utm_medium": "email",
            "utm_campaign": f"fy{submitted:%y}q{(submitted.month - 1) // 3 + 1}"
            f"_na_email_promo_demo-{index}",
        },
        desired_live_date=(submitted + timedelta(days=rng.randint(14, 40))).date(),
        scoring_inputs={
            "impact": rng.randint(1, 5),
            "effort": rng.randint(1, 5),
            "risk": rng.randint(1, 3),
        },
        template_version=rng.choice(offered) if offered and rng.random() < 0.7 else None,
    )


def _write(stories: list[Story], people: dict[str, User]) -> list[Request]:
    """Save the stories' requests with their priorities, events and boardings (bulk, with
    history where the model keeps it)."""
    requests = [s.request for s in stories]
    priorities = []
    for request in requests:
        _apply_scoring(request)  # the score as request_create gives it (an unsaved Priority)
        priorities.append(request.priority)
    requests = bulk_create_with_history(requests, Request, default_change_reason="demo history")
    for story, request, priority in zip(stories, requests, priorities, strict=True):
        story.request = priority.request = request
    Priority.objects.bulk_create(priorities)
    RequestEvent.objects.bulk_create(
        RequestEvent(request=s.request, at=at, transition=name, from_status=source,
                     to_status=target, actor=actor, note=note)
        for s in stories for at, name, source, target, actor, note in s.events
    )  # fmt: skip
    boardings = [
        Boarding(
            departure=s.departure,
            request=s.request,
            status=BoardingStatus.LIVE,
            boarded_by=people["engineer"],
            boarded_at=s.boarded_at,
            outcome_by=people["engineer"],
            outcome_at=s.request.live_at,
            outcome_note="Live on the train.",
        )
        for s in stories
        if s.departure is not None and s.boarded_at is not None
    ]
    bulk_create_with_history(boardings, Boarding, default_change_reason="demo history")
    return requests


def _refresh_open(requests: list[Request], now: datetime) -> None:
    """The SLA fields of the requests still open, read from their events as intake does."""
    fields = ["triage_due_at", "delivery_due_at", "sla_clock", "sla_state", "sla_due_at",
              "sla_at_risk_at", "paused_since"]  # fmt: skip
    still_open = [r for r in requests if r.closed_at is None and r.status != Status.LIVE]
    for request in still_open:
        _refresh_sla(request, now=now)
    Request.objects.bulk_update(still_open, fields)


def _nps(rng: random.Random, people: list[User], now: datetime) -> None:
    """A survey a quarter (the latest sent six days ago, answers still arriving)."""
    for k in range(4):
        sent = now - timedelta(days=6 + 91 * k)
        local = timezone.localtime(sent)
        quarter = f"{local.year}-Q{(local.month - 1) // 3 + 1}"
        survey, created = NpsSurvey.objects.get_or_create(
            quarter=quarter, defaults={"sent_at": sent}
        )
        if not created:
            continue
        last = min(now, sent + timedelta(days=14))
        for person in people:
            answered = sent + (last - sent) * rng.random() if rng.random() < 0.75 else None
            group = person.team.group if person.team else ""
            invitation = NpsInvitation.objects.create(
                survey=survey, requester=person, group=group or "other", sent_at=sent,
                responded_at=answered,
            )  # fmt: skip
            if answered is not None:
                score = min(10, max(0, round(rng.gauss(8.8 - k * 0.3, 1.5))))
                NpsResponse.objects.create(
                    invitation=invitation, survey=survey, group=invitation.group, score=score,
                    comment=rng.choice(NPS_COMMENTS), responded_at=answered,
                )  # fmt: skip
