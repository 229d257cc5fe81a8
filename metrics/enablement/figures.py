"""Enablement figures, computed in the database over a window of days ending now.

- Training completion by team: enrolments and completions per team (completion rate).
- Playbook use: reads (one per person, playbook and day), distinct readers, "did this help?".
- Deflection: of the demand for catalog services that have a playbook, the share met
  without a ticket: self-serve completions ÷ (self-serve completions + requests submitted),
  both in the window. It rises as marketers read and do it themselves.
- Knowledge concentration (hero-culture risk): the share of playbooks and incident runbooks
  whose every version was written by one person, from the audit history; and the share of
  playbooks and integration flows owned by the single busiest owner.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from catalog.models import SelfServeCompletion
from governance.enablement.models import Enrolment, Playbook, PlaybookFeedback, PlaybookRead
from intake.models import Request

# Documents whose authorship is measured: (app label, model). Incident runbooks are found by
# label so a move of governance's modules does not break the figure.
AUTHORED = (("enablement", "Playbook"), ("governance", "Runbook"))
# Documents and automations with one named owner: the stack's integration flows when the
# stack registry is installed.
OWNED = (("enablement", "Playbook"), ("stack", "Flow"))


@dataclass
class TeamCompletion:
    team: str
    enrolled: int
    completed: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.completed / self.enrolled, 1) if self.enrolled else None


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

    @property
    def deflection(self) -> float | None:
        total = self.self_served + self.ticketed
        return round(100 * self.self_served / total, 1) if total else None

    @property
    def concentration(self) -> float | None:
        return round(100 * self.single_author / self.documents, 1) if self.documents else None

    @property
    def top_owner_share(self) -> float | None:
        return round(100 * self.top_owner_items / self.owned_items, 1) if self.owned_items else None

    @property
    def helpful_share(self) -> float | None:
        total = self.helpful + self.unhelpful
        return round(100 * self.helpful / total, 1) if total else None


def _single_author_counts(model: type) -> tuple[int, int]:
    """(documents written by one person only, documents) from the model's audit history."""
    history: QuerySet = model.history.filter(id__in=model.objects.values("pk"))  # type: ignore[attr-defined]
    authors = history.values("id").annotate(n=Count("history_user", distinct=True))
    return authors.filter(n__lte=1).count(), authors.count()


def _owners(figures: EnablementFigures) -> None:
    """The person who owns the most playbooks and flows, and their share (one query each)."""
    owners: Counter[str] = Counter()
    for label, name in OWNED:
        try:
            model = apps.get_model(label, name)
        except LookupError:
            continue
        rows = model.objects.values("owner__username").annotate(n=Count("pk"))
        for row in rows:
            owners[row["owner__username"] or ""] += row["n"]
    figures.owned_items = sum(owners.values())
    named = [(n, who) for who, n in owners.items() if who]
    if named:
        figures.top_owner_items, figures.top_owner = max(named)


def enablement_figures(*, days: int = 90, now: datetime | None = None) -> EnablementFigures:
    now = now or timezone.now()
    since = now - timedelta(days=days)
    figures = EnablementFigures(since=since, days=days)
    rows = (
        Enrolment.objects.filter(enrolled_at__gte=since)
        .values(name=F("team__name"))
        .annotate(enrolled=Count("pk"), completed=Count("pk", filter=Q(completed_at__isnull=False)))
        .order_by("name")
    )
    figures.training = [
        TeamCompletion(r["name"] or "No team", r["enrolled"], r["completed"]) for r in rows
    ]
    reads = PlaybookRead.objects.filter(day__gte=since.date())
    usage = reads.aggregate(reads=Count("pk"), readers=Count("user", distinct=True))
    figures.reads, figures.readers = usage["reads"], usage["readers"]
    feedback = PlaybookFeedback.objects.filter(answered_at__gte=since).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    figures.helpful, figures.unhelpful = feedback["yes"], feedback["no"]
    top = (
        Playbook.objects.annotate(n=Count("reads", filter=Q(reads__day__gte=since.date())))
        .filter(n__gt=0)
        .order_by("-n", "title")[:5]
    )
    figures.top_playbooks = [(p.title, p.get_absolute_url(), p.n) for p in top]
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
    return figures
