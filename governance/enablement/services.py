"""Every write of enablement: playbooks (versions, restore, feedback, reads), courses,
modules, enrolment, server-graded quizzes, course reminders through the outbox, and office
hours (series, their scheduled sessions, booking without overbooking, attendance)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from catalog.models import Service
from mops.accounts.models import User
from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, Role, has_role
from mops.core import recurrence
from mops.core.audit import set_change_reason, set_history_user
from mops.core.concurrency import version_check
from mops.core.services import model_save, model_update, require_role
from mops.core.versioned import V, lock_for_edit
from mops.notify.models import Kind
from mops.notify.services import outbox_enqueue

from .models import (
    Booking,
    Category,
    Course,
    CourseModule,
    Enrolment,
    ModulePass,
    OfficeHours,
    OfficeHoursSession,
    Playbook,
    PlaybookFeedback,
    PlaybookRead,
    SessionStatus,
)
from .selectors import session_manageable_by

EDITORS: frozenset[str] = MOPS_STAFF
# Leadership reads the library; training, feedback and enrolment are for the people who work.
LEARNERS: frozenset[str] = ALL_ROLES - {Role.LEADERSHIP}
# Remind an unfinished learner this long after enrolling, then at most this often.
REMIND_AFTER = timedelta(days=7)
REMIND_EVERY = timedelta(days=7)
# Office-hours sessions are scheduled this far ahead (the daily task keeps the horizon).
OFFICE_HOURS_HORIZON = timedelta(days=56)


def _clean_list(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


def _save(obj: models.Model, *, actor: User, reason: str) -> None:
    """Save `obj` without validating it (a booking, attendance, a cancellation: the service
    checked what changed); its history row names `actor` as the author and `reason`."""
    set_change_reason(obj, reason)
    set_history_user(obj, actor)
    obj.save()


def _locked_or_new(obj: V | None, model: type[V], expected_version: int | None) -> tuple[V, str]:
    """The row to edit, locked with its version bumped (a stale `expected_version` is refused),
    or a new `model()`; and the history reason: "edited (vN)" or "created"."""
    if obj is None:
        return model(), "created"
    locked = lock_for_edit(obj, expected_version)
    return locked, f"edited (v{locked.version})"


# --- categories -----------------------------------------------------------------------------


def category_save(
    *, actor: User, name: str, slug: str, category: Category | None = None
) -> Category:
    """Create or rename a playbook category."""
    require_role(actor, EDITORS, "edit playbook categories")
    category = category or Category()
    category.name, category.slug = " ".join(name.split()), slug
    with transaction.atomic():
        model_save(category, reason="category saved")
    return category


# --- playbooks ------------------------------------------------------------------------------


def playbook_save(
    *,
    actor: User,
    slug: str,
    title: str,
    body: str,
    review_by: date,
    summary: str = "",
    category: Category | None = None,
    owner: Any | None = None,
    services: Sequence[Service] = (),
    playbook: Playbook | None = None,
    expected_version: int | None = None,
) -> Playbook:
    """Create a playbook, or edit one as a new version (history keeps every version).

    An edit from a stale copy (`expected_version` behind) is refused, never merged.
    """
    require_role(actor, EDITORS, "edit playbooks")
    with transaction.atomic():
        playbook, reason = _locked_or_new(playbook, Playbook, expected_version)
        playbook.slug, playbook.title, playbook.summary = slug, title.strip(), summary.strip()
        playbook.body, playbook.review_by = body, review_by
        playbook.category, playbook.owner = category, owner or playbook.owner or actor
        model_save(playbook, reason=reason, author=actor)
        playbook.services.set(_clean_list(services))
    return playbook


def playbook_restore(
    *, actor: User, playbook: Playbook, version: int, expected_version: int | None = None
) -> Playbook:
    """Bring back the text of an earlier `version`, saved as a new version (nothing lost)."""
    require_role(actor, EDITORS, "restore playbooks")
    old = playbook.history.filter(version=version).order_by("-history_date").first()
    if old is None:
        raise ValidationError({"version": f"Playbook '{playbook.slug}' has no version {version}."})
    with transaction.atomic():
        current = lock_for_edit(playbook, expected_version)
        for field in ("title", "summary", "body", "category_id", "review_by"):
            setattr(current, field, getattr(old, field))
        model_save(current, reason=f"restored v{version} as v{current.version}", author=actor)
    return current


def playbook_feedback(
    *, actor: User, playbook: Playbook, helpful: bool, comment: str = ""
) -> PlaybookFeedback:
    """Record "did this help?"; answering again replaces the person's earlier answer."""
    require_role(actor, LEARNERS, "rate playbooks")
    with transaction.atomic():
        feedback, _ = PlaybookFeedback.objects.update_or_create(
            playbook=playbook,
            user=actor,
            defaults={
                "helpful": helpful,
                "comment": " ".join(comment.split())[:300],
                "answered_at": timezone.now(),
            },
        )
    return feedback


def playbook_read(*, user: Any, playbook: Playbook) -> None:
    """Count a read (once per person and day). A usage log, not an audited change."""
    if not getattr(user, "is_authenticated", False):
        return
    PlaybookRead.objects.get_or_create(playbook=playbook, user=user, day=timezone.localdate())


# --- courses --------------------------------------------------------------------------------


def course_save(
    *,
    actor: User,
    slug: str,
    title: str,
    subject: str,
    level: str = "101",
    description: str = "",
    tool: str = "",
    unlocks: Sequence[Service] = (),
    course: Course | None = None,
) -> Course:
    """Create or edit a course; `unlocks` are the self-serve services it gates."""
    require_role(actor, EDITORS, "edit courses")
    not_self_serve = [s.name for s in unlocks if not s.self_serve]
    if not_self_serve:
        raise ValidationError(
            {"unlocks": f"Only self-serve services can be unlocked: {', '.join(not_self_serve)}."}
        )
    with transaction.atomic():
        course = course or Course()
        course.slug, course.title, course.description = slug, title.strip(), description
        course.level, course.subject, course.tool = level, subject, tool.strip()
        model_save(course, reason="course saved", author=actor)
        course.unlocks.set(_clean_list(unlocks))
    return course


def module_save(
    *,
    actor: User,
    course: Course,
    title: str,
    playbook: Playbook,
    quiz: list[dict[str, Any]],
    position: int | None = None,
    pass_mark: int = 100,
    module: CourseModule | None = None,
) -> CourseModule:
    """Add a module (a playbook and its quiz) to a course, or edit one."""
    require_role(actor, EDITORS, "edit courses")
    if not 1 <= pass_mark <= 100:
        raise ValidationError({"pass_mark": "Give a percentage between 1 and 100."})
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)  # one position writer at a time
        module = module or CourseModule(course=course)
        if position is None and module.pk is None:
            position = course.modules.count() + 1
        if position is not None:
            module.position = position
        module.title, module.playbook, module.quiz = title.strip(), playbook, quiz
        module.pass_mark = pass_mark
        model_save(module, reason="module saved", author=actor)
    return module


def course_enrol(*, actor: User, course: Course) -> Enrolment:
    """Enrol the actor (idempotent: enrolling twice returns the first enrolment)."""
    require_role(actor, LEARNERS, "take courses")
    try:
        with transaction.atomic():
            enrolment, _ = Enrolment.objects.get_or_create(
                course=course, user=actor, defaults={"team": getattr(actor, "team", None)}
            )
    except IntegrityError:  # a concurrent enrolment of the same person won the race
        enrolment = Enrolment.objects.get(course=course, user=actor)
    return enrolment


def quiz_grade(quiz: Sequence[dict[str, Any]], answers: Sequence[Any]) -> int:
    """Percentage of right answers (100 for a module without questions)."""
    if not quiz:
        return 100
    right = sum(
        1
        for n, q in enumerate(quiz)
        if n < len(answers) and isinstance(answers[n], int) and answers[n] == q["answer"]
    )
    return round(100 * right / len(quiz))


def module_submit(*, actor: User, module: CourseModule, answers: Sequence[Any]) -> tuple[int, bool]:
    """Grade the actor's quiz answers on the server; a pass is recorded, and the course is
    complete once every module is passed. Returns (score %, passed)."""
    require_role(actor, LEARNERS, "take courses")
    if len(answers) != len(module.quiz):
        raise ValidationError(
            {"answers": f"Answer all {len(module.quiz)} question(s) (got {len(answers)})."}
        )
    for n, (answer, question) in enumerate(zip(answers, module.quiz, strict=True), 1):
        if not isinstance(answer, int) or isinstance(answer, bool):
            raise ValidationError({"answers": f"Question {n}: give the number of a choice."})
        if not 0 <= answer < len(question["choices"]):
            raise ValidationError({"answers": f"Question {n}: there is no choice {answer}."})
    score = quiz_grade(module.quiz, answers)
    passed = score >= module.pass_mark
    if not passed:
        return score, False
    with transaction.atomic():
        enrolment = course_enrol(actor=actor, course=module.course)
        enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        ModulePass.objects.get_or_create(
            enrolment=enrolment, module=module, defaults={"score": score}
        )
        remaining = module.course.modules.exclude(passes__enrolment=enrolment).exists()
        if not remaining and enrolment.completed_at is None:
            enrolment.completed_at = timezone.now()
            set_change_reason(enrolment, "course completed")
            enrolment.save(update_fields=["completed_at"])
    return score, True


def course_reminders_send(*, now: datetime | None = None) -> int:
    """E-mail (through the outbox) everyone with an unfinished course enrolled more than
    REMIND_AFTER ago and not reminded within REMIND_EVERY. Returns how many were queued.

    Each enrolment is claimed with a conditional UPDATE, so two workers never both remind.
    """
    now = now or timezone.now()
    due = Enrolment.objects.filter(
        completed_at__isnull=True,
        enrolled_at__lte=now - REMIND_AFTER,
        user__is_active=True,
    ).exclude(reminded_at__gt=now - REMIND_EVERY)
    sent = 0
    for enrolment in due.select_related("course", "user").exclude(user__email="")[:500]:
        with transaction.atomic():
            claimed = Enrolment.objects.filter(
                pk=enrolment.pk, reminded_at=enrolment.reminded_at
            ).update(reminded_at=now)
            if not claimed:
                continue
            url = settings.SITE_URL + reverse(
                "enablement:course_detail", args=[enrolment.course.slug]
            )
            outbox_enqueue(
                kind=Kind.EMAIL,
                target=enrolment.user.email,
                subject=f"[mops] Finish your course: {enrolment.course.title}",
                body=f"You enrolled in {enrolment.course.title} and have modules left.\n{url}\n",
                idempotency_key=f"enablement:remind:{enrolment.pk}:{now:%Y-%m-%d}",
                source="enablement.reminder",
            )
            sent += 1
    return sent


# --- office hours -----------------------------------------------------------------------------

OFFICE_HOURS_FIELDS = (
    "topic", "description", "host", "time_zone", "rrule", "first_date", "start_time",
    "duration_minutes", "capacity", "location", "active",
)  # fmt: skip


def office_hours_save(
    *,
    actor: User,
    data: dict[str, Any],
    series: OfficeHours | None = None,
    expected_version: int | None = None,
) -> OfficeHours:
    """Create a series, or edit one (a stale `expected_version` is refused), then schedule
    its sessions over the horizon (`office_hours_sync`). The host must be MOPS staff."""
    require_role(actor, EDITORS, "edit office hours")
    host = data.get("host", series.host if series else None)
    if host is not None and not has_role(host, MOPS_STAFF):
        raise ValidationError({"host": "The host must be a MOPS PM, engineer or admin."})
    with transaction.atomic():
        series, reason = _locked_or_new(series, OfficeHours, expected_version)
        model_update(series, fields=OFFICE_HOURS_FIELDS, data=data)
        series.topic = " ".join((series.topic or "").split())
        series.full_clean()
        try:  # the rule must expand with this start and zone (e.g. an UNTIL before it)
            _series_occurrences(series, timezone.now(), timedelta(days=1))
        except recurrence.ScheduleError as exc:
            raise ValidationError({exc.field: exc.message}) from None
        _save(series, actor=actor, reason=reason)
        office_hours_sync(series=series)
    return series


def _series_occurrences(
    series: OfficeHours, start: datetime, span: timedelta
) -> list[recurrence.Occurrence]:
    return recurrence.occurrences(
        rule=series.rrule,
        first_date=series.first_date,
        start_time=series.start_time,
        duration=timedelta(minutes=series.duration_minutes),
        time_zone=series.time_zone,
        window_start=start,
        window_end=start + span,
        limit=200,
    )


def office_hours_sync(*, series: OfficeHours, now: datetime | None = None) -> int:
    """Make the series' future sessions match its rule up to OFFICE_HOURS_HORIZON: create
    the missing ones (seats = the series' capacity), cancel those the rule no longer has
    (an inactive series has none) and give the rest the series' capacity and length.
    Past sessions and those past the horizon are never touched; a cancelled session is not
    reopened. Returns how many sessions were created."""
    now = now or timezone.now()
    wanted = {}
    if series.active:
        for o in _series_occurrences(series, now, OFFICE_HOURS_HORIZON):
            if o.start >= now:
                wanted[o.start] = o.end
    created = 0
    with transaction.atomic():
        future = {
            s.starts_at: s
            for s in OfficeHoursSession.objects.select_for_update().filter(
                series=series, starts_at__gte=now, starts_at__lt=now + OFFICE_HOURS_HORIZON
            )
        }
        for starts_at, session in future.items():
            if session.status != SessionStatus.SCHEDULED:
                continue
            if starts_at not in wanted:
                session.status = SessionStatus.CANCELLED
                session.cancel_reason = "No longer in the series' schedule."
                session.version += 1
                set_change_reason(session, "cancelled: the series' schedule changed")
                session.save()
            elif (session.capacity, session.ends_at) != (series.capacity, wanted[starts_at]):
                session.capacity, session.ends_at = series.capacity, wanted[starts_at]
                session.version += 1
                set_change_reason(session, "series edited")
                session.save()
        for starts_at, ends_at in wanted.items():
            if starts_at in future:
                continue
            session = OfficeHoursSession(
                series=series, starts_at=starts_at, ends_at=ends_at, capacity=series.capacity
            )
            set_change_reason(session, "scheduled")
            session.save()
            created += 1
    return created


def office_hours_sync_all(*, now: datetime | None = None) -> int:
    """Daily: extend every active series' sessions to the horizon (and close inactive ones)."""
    return sum(office_hours_sync(series=s, now=now) for s in OfficeHours.objects.all())


def _locked_session(session: OfficeHoursSession) -> OfficeHoursSession:
    return (
        OfficeHoursSession.objects.select_for_update(of=("self",))
        .select_related("series")
        .get(pk=session.pk)
    )


def session_book(*, actor: User, session: OfficeHoursSession) -> Booking:
    """Book the actor a seat. The session row is locked while seats are counted, so two
    people booking the last seat at once get one seat and one "fully booked" refusal.
    Booking twice returns the same booking; booking after cancelling reopens it."""
    require_role(actor, LEARNERS, "book office hours")
    with transaction.atomic():
        session = _locked_session(session)
        if session.status != SessionStatus.SCHEDULED:
            raise ValidationError({"session": "This session is cancelled."})
        if session.starts_at <= timezone.now():
            raise ValidationError({"session": "This session has already started."})
        booking = Booking.objects.filter(session=session, user=actor).first()
        if booking is not None and booking.cancelled_at is None:
            return booking
        taken = Booking.objects.filter(session=session, cancelled_at__isnull=True).count()
        if taken >= session.capacity:
            raise ValidationError(
                {"session": f"Fully booked: all {session.capacity} seats are taken."}
            )
        booking = booking or Booking(session=session, user=actor)
        booking.cancelled_at, booking.booked_at, booking.attended = None, timezone.now(), None
        _save(booking, actor=actor, reason="booked")
    return booking


def booking_cancel(*, actor: User, session: OfficeHoursSession, user: Any | None = None) -> Booking:
    """Give back a seat: one's own, or (host, PM, admin) someone else's. Only before the
    session starts; cancelling twice is harmless."""
    user = user or actor
    if user.pk != actor.pk and not session_manageable_by(actor, session):
        raise PermissionDenied("Only the host, a PM or an admin may cancel someone's booking.")
    with transaction.atomic():
        session = _locked_session(session)
        booking = Booking.objects.filter(session=session, user=user).first()
        if booking is None:
            raise ValidationError({"session": f"{user} has no booking for this session."})
        if booking.cancelled_at is not None:
            return booking
        if session.starts_at <= timezone.now():
            raise ValidationError({"session": "This session has already started."})
        booking.cancelled_at = timezone.now()
        _save(
            booking,
            actor=actor,
            reason="cancelled" if user.pk == actor.pk else f"cancelled by {actor}",
        )
    return booking


def session_attendance(
    *,
    actor: User,
    session: OfficeHoursSession,
    attended: Iterable[int],
    expected_version: int | None = None,
) -> OfficeHoursSession:
    """The host (or a PM/admin) marks who came: `attended` are user ids of people booked;
    every other booked person is marked absent. Once the session has started; marking
    again replaces the earlier marks (a stale `expected_version` is refused)."""
    if not session_manageable_by(actor, session):
        raise PermissionDenied("Only the host, a PM or an admin may mark attendance.")
    present = set(attended)
    with transaction.atomic():
        session = _locked_session(session)
        version_check(session.version, expected_version)
        if session.status != SessionStatus.SCHEDULED:
            raise ValidationError({"attended": "This session was cancelled."})
        if session.starts_at > timezone.now():
            raise ValidationError({"attended": "Attendance is marked once the session starts."})
        bookings = list(
            Booking.objects.filter(session=session, cancelled_at__isnull=True).select_related(
                "user"
            )
        )
        unknown = present - {b.user_id for b in bookings}
        if unknown:
            raise ValidationError(
                {"attended": f"Not booked on this session: {', '.join(map(str, sorted(unknown)))}."}
            )
        for booking in bookings:
            mark = booking.user_id in present
            if booking.attended is not mark:
                booking.attended = mark
                _save(booking, actor=actor, reason="attended" if mark else "absent")
        session.attendance_marked_at = timezone.now()
        session.version += 1
        _save(session, actor=actor, reason=f"attendance marked: {len(present)} of {len(bookings)}")
    return session


def session_cancel(
    *, actor: User, session: OfficeHoursSession, reason: str = ""
) -> OfficeHoursSession:
    """Cancel a session before it starts (host, PM or admin); everyone booked is e-mailed
    through the outbox."""
    if not session_manageable_by(actor, session):
        raise PermissionDenied("Only the host, a PM or an admin may cancel a session.")
    with transaction.atomic():
        session = _locked_session(session)
        if session.status == SessionStatus.CANCELLED:
            return session
        if session.starts_at <= timezone.now():
            raise ValidationError({"session": "This session has already started."})
        session.status = SessionStatus.CANCELLED
        session.cancel_reason = " ".join(reason.split())[:300]
        session.version += 1
        _save(session, actor=actor, reason="cancelled")
        url = settings.SITE_URL + session.get_absolute_url()
        booked = Booking.objects.filter(session=session, cancelled_at__isnull=True).exclude(
            Q(user__email="") | Q(user__is_active=False)
        )
        for booking in booked.select_related("user"):
            outbox_enqueue(
                kind=Kind.EMAIL,
                target=booking.user.email,
                subject=f"[mops] Office hours cancelled: {session.series.topic}",
                body=f"The session you booked was cancelled. {session.cancel_reason}\n{url}\n",
                idempotency_key=f"enablement:session-cancel:{session.pk}:{booking.user_id}",
                source="enablement.office_hours",
            )
    return session
