"""Reads of enablement: ranked, highlighted playbook search, stale playbooks, courses with
a person's progress, and the catalog hooks (reading links, the course gate)."""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from catalog.hooks import SelfServeLock
from mops.accounts.roles import READ_EVERYTHING, Role, has_role

from .models import (
    PLAYBOOK_VECTOR,
    Booking,
    Course,
    Enrolment,
    OfficeHours,
    OfficeHoursSession,
    Playbook,
)

# Sentinels, not tags: the fragment is escaped first, then they become <mark>.
MARK_START, MARK_STOP = "\u27e6", "\u27e7"
HIGHLIGHT: dict[str, Any] = {
    "start_sel": MARK_START,
    "stop_sel": MARK_STOP,
    "max_fragments": 2,
    "max_words": 30,
    "min_words": 10,
}


def highlighted(headline: str) -> SafeString:
    """A ts_headline fragment as HTML: the user's text escaped, the matches in <mark>."""
    html = escape(headline).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own <mark> tags added


def playbooks_base() -> QuerySet[Playbook]:
    """Playbooks with category, owner and their "did this help?" counts, by title."""
    return (
        Playbook.objects.select_related("category", "owner")
        .annotate(
            helpful=Count("feedback", filter=Q(feedback__helpful=True)),
            unhelpful=Count("feedback", filter=Q(feedback__helpful=False)),
        )
        .order_by("title")
    )


def playbooks_matching(qs: QuerySet[Playbook], q: str) -> QuerySet[Playbook]:
    """`qs` narrowed to `q` (English stemming; websearch syntax), best first: title words
    weigh more than body words (A over B), equal ranks go to the most recently updated.
    Each carries `rank` and `headline` (body fragments, matches between sentinels)."""
    if not q.strip():
        return qs
    query = SearchQuery(q, config="english", search_type="websearch")
    return (
        qs.annotate(search=PLAYBOOK_VECTOR, rank=SearchRank(PLAYBOOK_VECTOR, query))
        .filter(search=query)
        .annotate(headline=SearchHeadline("body", query, config="english", **HIGHLIGHT))
        .order_by("-rank", "-updated_at", "pk")
    )


def playbooks_stale(qs: QuerySet[Playbook], stale: bool) -> QuerySet[Playbook]:
    today = timezone.localdate()
    return qs.filter(review_by__lt=today) if stale else qs.filter(review_by__gte=today)


def playbooks_search(q: str = "", *, category: str = "", stale: bool | None = None) -> QuerySet:
    """Playbooks matching `q`, in `category`, stale or not (see `playbooks_matching`)."""
    qs = playbooks_base()
    if category:
        qs = qs.filter(category__slug=category)
    if stale is not None:
        qs = playbooks_stale(qs, stale)
    return playbooks_matching(qs, q)


def playbook_versions(playbook: Playbook) -> QuerySet:
    """One row per version, newest first: the last history record of each (linking a
    service writes a history record too, without a new version)."""
    return (
        playbook.history.select_related("history_user")
        .order_by("-version", "-history_date")
        .distinct("version")
    )


def courses_with_progress(user: Any) -> QuerySet[Course]:
    """Every course with its module count and the user's enrolment state."""
    mine = Enrolment.objects.filter(course=OuterRef("pk"), user=user)
    return (
        Course.objects.prefetch_related("unlocks")
        .annotate(
            module_count=Count("modules", distinct=True),
            enrolled=Exists(mine),
            completed=Exists(mine.filter(completed_at__isnull=False)),
        )
        .order_by("subject", "level", "title")
    )


def passed_module_ids(user: Any, course: Course) -> set[int]:
    return set(course.modules.filter(passes__enrolment__user=user).values_list("pk", flat=True))


def courses_unfinished_for(user: Any, service: Any) -> list[Course]:
    """Courses `service` requires that `user` has not completed."""
    return list(
        service.required_courses.exclude(
            enrolments__user=user, enrolments__completed_at__isnull=False
        ).order_by("title")
    )


# --- catalog hooks ----------------------------------------------------------------------------


def service_reading(service: Any, user: Any) -> list[tuple[str, str]]:
    """Playbooks linked to a catalog service: the "before you ask, read…" list."""
    return [
        (p.title, p.get_absolute_url())
        for p in Playbook.objects.filter(services=service).only("slug", "title").order_by("title")
    ]


def selfserve_gate(service: Any, user: Any) -> SelfServeLock | None:
    """Locked while a course the service requires is unfinished by the user."""
    if not getattr(user, "is_authenticated", False):
        return None
    missing = courses_unfinished_for(user, service)
    if not missing:
        return None
    names = ", ".join(c.title for c in missing)
    return SelfServeLock(
        reason=f"Finish the course {names} to unlock doing this yourself.",
        url=reverse("enablement:course_detail", args=[missing[0].slug]),
        label=f"Take {missing[0].title}",
    )


def enrolments_visible_to(user: Any) -> QuerySet[Enrolment]:
    """Staff and leadership see every enrolment; anyone else their own."""
    qs = Enrolment.objects.select_related("course", "user", "team").order_by("-enrolled_at", "-pk")
    return qs if has_role(user, READ_EVERYTHING) else qs.filter(user=user)


# --- office hours -----------------------------------------------------------------------------


def sessions_with_seats(user: Any) -> QuerySet[OfficeHoursSession]:
    """Sessions with their series and host, `booked` (seats taken), `seats_left` and `mine`
    (the user holds a seat), in time order."""
    active = Booking.objects.filter(session=OuterRef("pk"), cancelled_at__isnull=True)
    return (
        OfficeHoursSession.objects.select_related("series", "series__host")
        .annotate(
            booked=Count("bookings", filter=Q(bookings__cancelled_at__isnull=True)),
            mine=Exists(active.filter(user=user)) if user.is_authenticated else Value(False),
        )
        .annotate(seats_left=Greatest(F("capacity") - F("booked"), Value(0)))
        .order_by("starts_at", "pk")
    )


def sessions_upcoming(user: Any, *, now: Any = None) -> QuerySet[OfficeHoursSession]:
    """Sessions not yet over (cancelled ones included, marked), soonest first."""
    return sessions_with_seats(user).filter(ends_at__gt=now or timezone.now())


def session_bookings(session: OfficeHoursSession) -> QuerySet[Booking]:
    """Who holds a seat (cancelled bookings last), for the host's attendance list."""
    return (
        Booking.objects.filter(session=session)
        .select_related("user")
        .order_by(F("cancelled_at").asc(nulls_first=True), "booked_at", "pk")
    )


def session_manageable_by(user: Any, session: OfficeHoursSession) -> bool:
    """The host, a PM or an admin runs a session: bookings, attendance, cancelling."""
    return user.pk == session.series.host_id or has_role(user, {Role.PM, Role.ADMIN})


def office_hours_series() -> QuerySet[OfficeHours]:
    return OfficeHours.objects.select_related("host").order_by("-active", "topic", "pk")
