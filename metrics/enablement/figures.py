"""Enablement figures, computed in the database over a window of days ending now.

- Training completion by team: enrolments and completions per team (completion rate).
- Playbook use: reads (one per person, playbook and local day), distinct readers, "did this
  help?".
- Deflection: of the demand for catalog services that have a playbook, the share met
  without a ticket: self-serve completions ÷ (self-serve completions + requests submitted),
  both in the window. It rises as marketers read and do it themselves.
- Knowledge concentration (hero-culture risk): the share of playbooks and incident runbooks
  whose every version was written by one person, from the audit history; and the share of
  playbooks and integration flows owned by the single busiest owner.
- Office-hours attendance: of the seats booked (and not given back) on sessions held in
  the window whose attendance the host marked, the share marked present.

Every figure's written definition is in `DEFINITIONS`, shown next to it on the pages and
returned by the API.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import SelfServeCompletion
from governance.enablement.models import (
    Booking,
    Enrolment,
    OfficeHoursSession,
    Playbook,
    PlaybookFeedback,
    PlaybookRead,
    SessionStatus,
)
from intake.models import Request
from metrics.aggregates import percent
from metrics.definitions import ADOPTION, MetricDefinition

# Documents whose authorship is measured: (app label, model). Incident runbooks are found by
# label so a move of governance's modules does not break the figure.
AUTHORED = (("enablement", "Playbook"), ("governance", "Runbook"))
# Documents and automations with one named owner: the stack's integration flows when the
# stack registry is installed.
OWNED = (("enablement", "Playbook"), ("stack", "Flow"))


DEFINITIONS: dict[str, MetricDefinition] = {
    d.key: d
    for d in [
        MetricDefinition(
            key="training_completion",
            title="Training completion",
            unit="%",
            group=ADOPTION,
            tracked_by="enablement",
            definition=(
                "Per team (the person's team when they enrolled): enrolments made in the window "
                "and how many of them are completed (every module's quiz passed) by now; the "
                "rate is completed ÷ enrolled. The overall rate sums every team."
            ),
        ),
        MetricDefinition(
            key="playbook_use",
            title="Playbook use",
            unit="reads",
            group=ADOPTION,
            tracked_by="enablement",
            definition=(
                "Reads of playbooks on the last N local days (today included), counting one read "
                "per person, playbook and day; readers are the distinct people. Helpful share: "
                "“did this help?” answers given in the window that said yes ÷ all answers given "
                "in the window (one answer per person and playbook, the latest)."
            ),
        ),
        MetricDefinition(
            key="deflection",
            title="Deflection",
            unit="%",
            group=ADOPTION,
            tracked_by="enablement",
            definition=(
                "For catalog services that have at least one playbook: self-serve completions ÷ "
                "(self-serve completions + requests first submitted), both in the window. The "
                "share of the demand met without a ticket."
            ),
        ),
        MetricDefinition(
            key="office_hours_attendance",
            title="Office-hours attendance",
            unit="%",
            group=ADOPTION,
            tracked_by="enablement",
            definition=(
                "Sessions held: office-hours sessions that started in the window and were not "
                "cancelled. Attendance: of the seats booked and not given back on those sessions "
                "whose attendance the host marked, the share marked present. Fill rate: seats "
                "booked ÷ seats offered on the sessions held."
            ),
        ),
        MetricDefinition(
            key="knowledge_concentration",
            title="Knowledge concentration",
            unit="%",
            group=ADOPTION,
            better="down",
            tracked_by="enablement",
            definition=(
                "The hero-culture risk. Single-author share: of the playbooks and incident "
                "runbooks with a known author in the audit history, those whose every version "
                "was written by one person. Busiest-owner share: of the playbooks and the "
                "stack's integration flows (owned or not), the share owned by the one person "
                "who owns the most. Current state, not windowed. Lower is better."
            ),
        ),
    ]
}


@dataclass
class TeamCompletion:
    team: str
    enrolled: int
    completed: int

    @property
    def rate(self) -> float | None:
        return percent(self.completed, self.enrolled)


@dataclass
class EnablementFigures:
    since: datetime
    days: int
    training: list[TeamCompletion] = field(default_factory=list)
    reads: int = 0
    readers: int = 0
    helpful: int = 0
    unhelpful: int = 0
    top_playbooks: list[tuple[str, str, int]] = field(default_factory=list)  # title, url, reads
    self_served: int = 0
    ticketed: int = 0
    single_author: int = 0
    documents: int = 0
    top_owner: str = ""
    top_owner_items: int = 0
    owned_items: int = 0
    sessions_held: int = 0
    sessions_marked: int = 0
    seats_offered: int = 0
    seats_booked: int = 0
    marked_bookings: int = 0
    attended: int = 0

    @property
    def enrolled(self) -> int:
        return sum(t.enrolled for t in self.training)

    @property
    def completed(self) -> int:
        return sum(t.completed for t in self.training)

    @property
    def training_rate(self) -> float | None:
        return percent(self.completed, self.enrolled)

    @property
    def attendance(self) -> float | None:
        return percent(self.attended, self.marked_bookings)

    @property
    def fill_rate(self) -> float | None:
        return percent(self.seats_booked, self.seats_offered)

    @property
    def deflection(self) -> float | None:
        return percent(self.self_served, self.self_served + self.ticketed)

    @property
    def concentration(self) -> float | None:
        return percent(self.single_author, self.documents)

    @property
    def top_owner_share(self) -> float | None:
        return percent(self.top_owner_items, self.owned_items)

    @property
    def helpful_share(self) -> float | None:
        return percent(self.helpful, self.helpful + self.unhelpful)


def _single_author_counts(model: Any) -> tuple[int, int]:
    """(documents written by one person only, documents with a known author) from the
    model's audit history; versions saved by no one (a system import) name no author."""
    # `model` is a tracked model class: django-simple-history adds `history` at run time.
    history: QuerySet = model.history.filter(id__in=model.objects.values("pk"))
    authors = history.values("id").annotate(n=Count("history_user", distinct=True))
    counted = authors.aggregate(
        single=Count("id", filter=Q(n=1)), known=Count("id", filter=Q(n__gte=1))
    )
    return counted["single"], counted["known"]


def _owners(figures: EnablementFigures) -> None:
    """The person who owns the most playbooks and flows, and their share (one query: the
    per-owner counts of each model, UNION ALL)."""
    parts = []
    for label, name in OWNED:
        try:
            model = apps.get_model(label, name)
        except LookupError:
            continue
        parts.append(model.objects.values("owner__username").annotate(n=Count("pk")).order_by())
    if not parts:
        return
    owners: Counter[str] = Counter()
    for row in parts[0].union(*parts[1:], all=True):  # one row per owner and model
        owners[row["owner__username"] or ""] += row["n"]
    figures.owned_items = sum(owners.values())
    named = [(n, who) for who, n in owners.items() if who]
    if named:
        figures.top_owner_items, figures.top_owner = max(named)


def enablement_figures(
    *, days: int = 90, now: datetime | None = None, top: bool = True
) -> EnablementFigures:
    """Every enablement figure over the `days` before `now`; `top=False` skips the most-read
    playbooks (the dashboard panel does not list them)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    figures = EnablementFigures(since=since, days=days)
    rows = (
        Enrolment.objects.filter(enrolled_at__gte=since, enrolled_at__lte=now)
        .values(name=F("team__name"))
        .annotate(enrolled=Count("pk"), completed=Count("pk", filter=Q(completed_at__lte=now)))
        .order_by("name")
    )
    figures.training = [
        TeamCompletion(r["name"] or "No team", r["enrolled"], r["completed"]) for r in rows
    ]
    last_day = timezone.localdate(now)
    first_day = last_day - timedelta(days=days - 1)  # the last `days` local days
    reads = PlaybookRead.objects.filter(day__gte=first_day, day__lte=last_day)
    usage = reads.aggregate(reads=Count("pk"), readers=Count("user", distinct=True))
    figures.reads, figures.readers = usage["reads"], usage["readers"]
    feedback = PlaybookFeedback.objects.filter(
        answered_at__gte=since, answered_at__lte=now
    ).aggregate(yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False)))
    figures.helpful, figures.unhelpful = feedback["yes"], feedback["no"]
    in_days = Q(reads__day__gte=first_day, reads__day__lte=last_day)
    if top:
        most = (
            Playbook.objects.annotate(n=Count("reads", filter=in_days))
            .filter(n__gt=0)
            .order_by("-n", "title")[:5]
        )
        figures.top_playbooks = [(p.title, p.get_absolute_url(), p.n) for p in most]
    covered = Playbook.services.through.objects.values("service_id")
    figures.self_served = SelfServeCompletion.objects.filter(
        completed_at__gte=since, completed_at__lte=now, service_id__in=covered
    ).count()
    figures.ticketed = Request.objects.filter(
        submitted_at__gte=since, submitted_at__lte=now, service_id__in=covered
    ).count()
    for label, name in AUTHORED:
        try:
            model = apps.get_model(label, name)
        except LookupError:
            continue
        single, total = _single_author_counts(model)
        figures.single_author += single
        figures.documents += total
    _owners(figures)
    _office_hours(figures, since, now)
    return figures


def _office_hours(figures: EnablementFigures, since: datetime, now: datetime) -> None:
    """Sessions held in [since, now], their seats, and the attendance the hosts marked (one
    query: each session's booking counts as subqueries, summed)."""
    active = Booking.objects.filter(session=OuterRef("pk"), cancelled_at__isnull=True)

    def count(qs: QuerySet) -> Subquery:
        return Subquery(
            qs.order_by().values("session").annotate(c=Count("pk")).values("c"),
            output_field=IntegerField(),
        )

    marked = Q(attendance_marked_at__isnull=False)
    totals = (
        OfficeHoursSession.objects.filter(
            starts_at__gte=since, starts_at__lte=now, status=SessionStatus.SCHEDULED
        )
        .annotate(
            seats_taken=Coalesce(count(active), 0),
            present=Coalesce(count(active.filter(attended=True)), 0),
        )
        .aggregate(
            n=Count("pk"),
            marked=Count("pk", filter=marked),
            seats=Coalesce(Sum("capacity"), 0),
            booked=Coalesce(Sum("seats_taken"), 0),
            marked_bookings=Coalesce(Sum("seats_taken", filter=marked), 0),
            came=Coalesce(Sum("present", filter=marked), 0),
        )
    )
    figures.sessions_held, figures.sessions_marked = totals["n"], totals["marked"]
    figures.seats_offered, figures.seats_booked = totals["seats"], totals["booked"]
    figures.marked_bookings, figures.attended = totals["marked_bookings"], totals["came"]
