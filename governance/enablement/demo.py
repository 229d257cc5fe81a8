"""Demo enablement, idempotent: categories, a playbook for every self-serve service plus
a few process playbooks, "Campaign tracking 101" (which unlocks the self-serve UTM set),
"Intake 101", and office hours every Wednesday (four past sessions with attendance)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from catalog.models import Service, ServiceStatus
from mops.accounts.models import User

from .models import Booking, Category, Course, OfficeHours, Playbook
from .services import (
    category_save,
    course_save,
    module_save,
    office_hours_save,
    office_hours_sync,
    playbook_save,
)

CATEGORIES = {"self-serve": "Self-serve tasks", "process": "Working with MOPS"}

PROCESS_PLAYBOOKS = [
    (
        "name-a-campaign",
        "Name a campaign the taxonomy way",
        "Ordered tokens, allowed values, one delimiter.",
        "## Campaign names\n\nA campaign name is ordered tokens joined by `_`: fiscal year, "
        "quarter, region, channel, offer, name — e.g. `fy26_q3_na_email_ebook_launch-guide`.\n\n"
        "- Use only the values the taxonomy allows (the UTM builder offers them).\n"
        "- Lower case; hyphens inside a token.\n- Never reuse a name for a different campaign.",
    ),
    (
        "request-a-launch",
        "Request a campaign launch",
        "What a good brief carries so triage is same-day.",
        "## Before you submit\n\nPick the catalog service, then fill the brief: audience, "
        "creative, offer and the tracking plan. Missing facts send the request back as "
        "*needs info*, which pauses its clock.\n\n## After\n\nWatch the request: MOPS triages "
        "it the same business day and boards it on a Tuesday/Thursday release train.",
    ),
]

QUIZ_NAMING = [
    {
        "question": "Which delimiter joins the tokens of a campaign name?",
        "choices": ["Space", "Underscore (_)", "Comma"],
        "answer": 1,
    },
    {
        "question": "Where do allowed values come from?",
        "choices": ["The campaign taxonomy", "Whatever the team uses"],
        "answer": 0,
    },
]
QUIZ_UTM = [
    {
        "question": "What does registering a campaign in the UTM builder do?",
        "choices": ["Opens a ticket for MOPS", "Finishes the task: no ticket needed"],
        "answer": 1,
    }
]
QUIZ_INTAKE = [
    {
        "question": "What happens to the SLA clock while a request waits for your answers?",
        "choices": ["It keeps running", "It pauses"],
        "answer": 1,
    }
]


# The courses, by slug; modules are (title, playbook slug, quiz), in order.
COURSES: list[dict[str, Any]] = [
    {
        "slug": "campaign-tracking-101",
        "title": "Campaign tracking 101",
        "subject": "taxonomy",
        "description": "Name campaigns and tag links the taxonomy way. Finishing it unlocks "
        "creating UTM sets yourself.",
        "unlocks": ["create-a-utm-set"],
        "modules": [
            ("Campaign names", "name-a-campaign", QUIZ_NAMING),
            ("Tagged links", "how-to-create-a-utm-set", QUIZ_UTM),
        ],
    },
    {
        "slug": "intake-101",
        "title": "Intake 101",
        "subject": "intake",
        "description": "How to ask MOPS for work so it ships on time.",
        "modules": [("A good brief", "request-a-launch", QUIZ_INTAKE)],
    },
]


def _owner() -> User | None:
    owner = (
        User.objects.filter(username="pm").first() or User.objects.filter(username="admin").first()
    )
    if owner is None:
        owner = User.objects.filter(is_superuser=True).order_by("pk").first()
    if owner is not None:
        owner._mops_roles = frozenset({"pm"})
    return owner


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    actor = _owner()
    if actor is None:
        return
    review_by = timezone.localdate() + timedelta(days=180)
    _categories(actor)
    _service_playbooks(actor, review_by)
    _process_playbooks(actor, review_by)
    _courses(actor)
    _office_hours(actor)
    progress("enablement: playbooks, courses and office hours")


def _categories(actor: User) -> None:
    for slug, name in CATEGORIES.items():
        if not Category.objects.filter(slug=slug).exists():
            category_save(actor=actor, name=name, slug=slug)


def _service_playbooks(actor: User, review_by: date) -> None:
    """A "How to" playbook for each live self-serve service, built from its instructions."""
    selfserve = Category.objects.get(slug="self-serve")
    for service in Service.objects.filter(self_serve=True, status=ServiceStatus.ACTIVE):
        slug = f"how-to-{service.slug}"[:100]
        if Playbook.objects.filter(slug=slug).exists():
            continue
        playbook_save(
            actor=actor,
            slug=slug,
            title=f"How to: {service.name}",
            summary=f"Do “{service.name}” yourself, without a ticket.",
            body=f"## {service.name}\n\n{service.description}\n\n## Steps\n\n"
            + (service.instructions or "Use the tool linked from the service page."),
            category=selfserve,
            review_by=review_by,
            services=[service],
        )


def _process_playbooks(actor: User, review_by: date) -> None:
    """How to work with MOPS; the launch request's playbook shows on its catalog service."""
    process = Category.objects.get(slug="process")
    for slug, title, summary, body in PROCESS_PLAYBOOKS:
        if not Playbook.objects.filter(slug=slug).exists():
            playbook_save(
                actor=actor,
                slug=slug,
                title=title,
                summary=summary,
                body=body,
                category=process,
                review_by=review_by,
                services=list(Service.objects.filter(slug="launch-a-campaign"))
                if slug == "request-a-launch"
                else [],
            )


def _courses(actor: User) -> None:
    """Each course of COURSES once (by slug), with its modules in order; a module whose
    playbook is missing is left out (the UTM playbook exists only while the self-serve UTM
    set does, and finishing Campaign tracking 101 unlocks that set)."""
    for spec in COURSES:
        if Course.objects.filter(slug=spec["slug"]).exists():
            continue
        unlocks = Service.objects.filter(slug__in=spec.get("unlocks", ()), self_serve=True)
        course = course_save(
            actor=actor,
            slug=spec["slug"],
            title=spec["title"],
            subject=spec["subject"],
            level="101",
            description=spec["description"],
            unlocks=list(unlocks),
        )
        for title, playbook_slug, quiz in spec["modules"]:
            playbook = Playbook.objects.filter(slug=playbook_slug).first()
            if playbook is not None:
                module_save(actor=actor, course=course, title=title, playbook=playbook, quiz=quiz)


def _office_hours(actor: User) -> None:
    """Every Wednesday 15:00 (MOPS time zone), hosted by the demo engineer; the four past
    Wednesdays carry bookings and the host's attendance marks (history, written directly:
    the booking service refuses sessions that already started)."""
    if OfficeHours.objects.filter(topic="Ask MOPS: tools, taxonomy and requests").exists():
        return
    host = User.objects.filter(username="engineer").first() or actor
    today = timezone.localdate()
    first = today - timedelta(days=28 + (today.weekday() - 2) % 7)  # a Wednesday 4 weeks back
    series = office_hours_save(
        actor=actor,
        data={
            "topic": "Ask MOPS: tools, taxonomy and requests",
            "description": "Bring a question about a tool, a campaign name or a request.",
            "host": host,
            "rrule": "FREQ=WEEKLY;BYDAY=WE",
            "first_date": first,
            "start_time": time(15, 0),
            "duration_minutes": 60,
            "capacity": 6,
            "location": "Video call (link in the calendar invitation)",
        },
    )
    start = timezone.make_aware(datetime.combine(first, time(0, 0)))
    office_hours_sync(series=series, now=start)
    people = list(User.objects.filter(username__in=["requester", "field", "approver"]))
    past = series.sessions.filter(ends_at__lte=timezone.now()).order_by("starts_at")
    for n, session in enumerate(past):
        for k, person in enumerate(people):
            if (n + k) % 3 == 2:  # not everyone books every week
                continue
            booking = Booking(
                session=session,
                user=person,
                booked_at=session.starts_at - timedelta(days=2),
                attended=(n + k) % 4 != 3,
            )
            booking._change_reason = "demo history"  # type: ignore[attr-defined]
            booking.save()
        session.attendance_marked_at = session.ends_at
        session.save(update_fields=["attendance_marked_at"])
