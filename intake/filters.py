"""One FilterSet for the backlog page and the API list: filters plus the backlog sorts."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet

from catalog.models import Complexity, Service
from mops.accounts.models import Team
from mops.core.filters import FilterSet

from .models import BACKLOG_STATUSES, OPEN_STATUSES, Request, SlaState, Status
from .selectors import sees_all_requests
from .tally import tally_sum

SORTS = {
    # Ties break on the priority row's key (= the request id) so the sort walks its index.
    "-score": (
        "Score (highest first)",
        [F("priority__score").desc(nulls_last=True), F("priority__request").desc()],
    ),
    "score": (
        "Score (lowest first)",
        [F("priority__score").asc(nulls_last=True), F("priority__request").asc()],
    ),
    "age": ("Oldest first", [F("submitted_at").asc(nulls_last=True), "id"]),
    "-age": ("Newest first", [F("submitted_at").desc(nulls_last=True), "-id"]),
    "due": ("Time to SLA breach", [F("sla_due_at").asc(nulls_last=True), "id"]),
    "-due": ("Latest SLA breach first", [F("sla_due_at").desc(nulls_last=True), "-id"]),
}
# Sortable backlog columns: column → (first click's sort, the other direction), and the
# aria-sort each sort means for that column (age sorts by submission time, inverted).
COLUMN_SORTS = {
    "score": ("-score", "score"),
    "age": ("age", "-age"),
    "sla": ("due", "-due"),
}
ARIA_SORT = {
    "-score": "descending",
    "score": "ascending",
    "age": "descending",
    "-age": "ascending",
    "due": "ascending",
    "-due": "descending",
}
SCOPES = (("open", "Open (backlog)"), ("all", "All"), ("triage", "Waiting for triage"))
# Filters the status tally cannot answer: with one of them set, the list counts its rows.
UNTALLIED = ("q", "service", "complexity", "assignee", "sla_state")


class RequestFilter(FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    scope = django_filters.ChoiceFilter(
        choices=SCOPES, method="in_scope", label="Show", empty_label="Open (backlog)"
    )
    service = django_filters.ModelChoiceFilter(
        queryset=Service.objects.all(), to_field_name="slug", label="Service"
    )
    complexity = django_filters.ChoiceFilter(choices=Complexity.choices, label="Class")
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), to_field_name="slug", label="Team"
    )
    # A column of the request row itself: no join can repeat a row, so no DISTINCT (which
    # made PostgreSQL de-duplicate every wide row before the page and inside the count).
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, label="Status", distinct=False
    )
    assignee = django_filters.CharFilter(method="by_assignee", label="Assignee (username, 'none')")
    sla_state = django_filters.ChoiceFilter(
        choices=[c for c in SlaState.choices if c[0]], label="SLA"
    )
    sort = django_filters.ChoiceFilter(
        choices=[(k, v[0]) for k, v in SORTS.items()],
        method="sort_by",
        label="Sort",
        empty_label="Score (highest first)",
    )

    class Meta:
        model = Request
        fields = ["q", "scope", "service", "complexity", "team", "status", "assignee", "sla_state"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        ref = value.upper().removeprefix("REQ-")
        condition = Q(title__icontains=value)
        if ref.isdigit() and len(ref) < 12:
            condition |= Q(pk=int(ref))
        return queryset.filter(condition)

    def in_scope(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in `qs` so the default (open) holds when it is absent

    def by_assignee(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee__username=value)

    def _open(self) -> Q:
        """The open list: open requests and the drafts the viewer is working on (a submit
        that failed leaves one): a requester sees their team's drafts, MOPS staff their own.

        Written as the backlog indexes' status list, narrowed for staff, rather than
        "open OR own draft": PostgreSQL then walks the partial sort indexes and stops after
        a page, and counts from one of them without reading the rows (an OR made it sort
        and count every open row, 250+ ms at 100,000 requests)."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return Q(status__in=OPEN_STATUSES)
        listed = Q(status__in=BACKLOG_STATUSES)
        if sees_all_requests(user):
            return listed & (~Q(status=Status.DRAFT) | Q(requester=user))
        return listed

    def sort_by(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # applied in `qs` so a default order always holds

    def tallied_count(self) -> int | None:
        """The number of rows `qs` holds, read from the status tally (`intake.tally`) when
        the list is narrowed only by scope, status and team; None when another filter is set
        or the filters are invalid (the caller then counts the queryset). Mirrors `qs` and
        `request_visible_to` exactly; tests/intake/test_tally.py compares the two."""
        user = getattr(self.request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.is_bound and not self.form.is_valid():
            return None
        data = self.form.cleaned_data if self.is_bound else {}
        if any(data.get(name) for name in UNTALLIED):
            return None
        team = data.get("team")
        if sees_all_requests(user):
            team_id = team.pk if team else None
        elif user.team_id is None or (team and team.pk != user.team_id):
            return None  # sees nothing or another team's rows: the queryset is empty anyway
        else:
            team_id = user.team_id
        statuses = data.get("status")
        own_drafts = False
        if not statuses:
            scope = data.get("scope") or "open"
            if scope == "open":
                statuses = BACKLOG_STATUSES
                if sees_all_requests(user):  # staff: the open list plus their own drafts
                    statuses = BACKLOG_STATUSES - {Status.DRAFT}
                    own_drafts = True
            elif scope == "triage":
                statuses = [Status.SUBMITTED]
        count = tally_sum(statuses or None, team_id=team_id)
        if own_drafts:
            drafts = Request.objects.filter(requester=user, status=Status.DRAFT)
            count += (drafts.filter(team_id=team_id) if team_id else drafts).count()
        return count

    @property
    def qs(self) -> QuerySet:
        queryset = super().qs
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        scope = data.get("scope") or "open"
        if not data.get("status"):
            if scope == "open":
                queryset = queryset.filter(self._open())
            elif scope == "triage":
                queryset = queryset.filter(status=Status.SUBMITTED)
        sort = data.get("sort") or "-score"
        if sort in ("score", "-score"):
            return queryset.by_score(*SORTS[sort][1])
        return queryset.order_by(*SORTS[sort][1])


def assignee_choices() -> list[tuple[str, str]]:
    from mops.accounts.roles import GROUP_NAMES, Role

    User = get_user_model()
    staff = User.objects.filter(
        groups__name__in=[GROUP_NAMES[Role.PM], GROUP_NAMES[Role.ENGINEER]], is_active=True
    ).distinct()
    return [(u.username, u.display_name) for u in staff.order_by("username")]
