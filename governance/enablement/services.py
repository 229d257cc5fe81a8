"""Every write of enablement: playbooks (versions, restore, feedback, reads), courses,
modules, enrolment, server-graded quizzes and course reminders through the outbox."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from catalog.models import Service
from mops.accounts.roles import ALL_ROLES, MOPS_STAFF, Role
from mops.core.audit import set_change_reason
from mops.core.concurrency import StaleVersion
from mops.core.services import require_role
from mops.notify.models import Kind
from mops.notify.services import outbox_enqueue

from .models import (
    Category,
    Course,
    CourseModule,
    Enrolment,
    ModulePass,
    Playbook,
    PlaybookFeedback,
    PlaybookRead,
)

EDITORS: frozenset[str] = MOPS_STAFF
# Leadership reads the library; training, feedback and enrolment are for the people who work.
LEARNERS: frozenset[str] = ALL_ROLES - {Role.LEADERSHIP}
# Remind an unfinished learner this long after enrolling, then at most this often.
REMIND_AFTER = timedelta(days=7)
REMIND_EVERY = timedelta(days=7)


def _clean_list(values: Iterable[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


# --- categories -----------------------------------------------------------------------------


def category_save(
    *, actor: Any, name: str, slug: str, category: Category | None = None
) -> Category:
    """Create or rename a playbook category."""
    require_role(actor, EDITORS, "edit playbook categories")
    category = category or Category()
    category.name, category.slug = " ".join(name.split()), slug
    with transaction.atomic():
        category.full_clean()
        set_change_reason(category, "category saved")
        category.save()
    return category


# --- playbooks ------------------------------------------------------------------------------


def playbook_save(
    *,
    actor: Any,
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
        if playbook is not None:
            playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
            if expected_version is not None and expected_version != playbook.version:
                raise StaleVersion()
            playbook.version += 1
            reason = f"edited (v{playbook.version})"
        else:
            playbook = Playbook()
            reason = "created"
        playbook.slug, playbook.title, playbook.summary = slug, title.strip(), summary.strip()
        playbook.body, playbook.review_by = body, review_by
        playbook.category, playbook.owner = category, owner or playbook.owner or actor
        playbook.full_clean()
        set_change_reason(playbook, reason)
        playbook._history_user = actor  # type: ignore[attr-defined]  # the author, in the audit
        playbook.save()
        playbook.services.set(_clean_list(services))
    return playbook


def playbook_restore(
    *, actor: Any, playbook: Playbook, version: int, expected_version: int | None = None
) -> Playbook:
    """Bring back the text of an earlier `version`, saved as a new version (nothing lost)."""
    require_role(actor, EDITORS, "restore playbooks")
    old = playbook.history.filter(version=version).order_by("-history_date").first()
    if old is None:
        raise ValidationError({"version": f"Playbook '{playbook.slug}' has no version {version}."})
    with transaction.atomic():
        current = Playbook.objects.select_for_update().get(pk=playbook.pk)
        if expected_version is not None and expected_version != current.version:
            raise StaleVersion()
        current.version += 1
        for field in ("title", "summary", "body", "category_id", "review_by"):
            setattr(current, field, getattr(old, field))
        current.full_clean()
        set_change_reason(current, f"restored v{version} as v{current.version}")
        current._history_user = actor  # type: ignore[attr-defined]
        current.save()
    return current


def playbook_feedback(
    *, actor: Any, playbook: Playbook, helpful: bool, comment: str = ""
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
    actor: Any,
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
        course.full_clean()
        set_change_reason(course, "course saved")
        course._history_user = actor  # type: ignore[attr-defined]
        course.save()
        course.unlocks.set(_clean_list(unlocks))
    return course


def module_save(
    *,
    actor: Any,
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
        module.full_clean()
        set_change_reason(module, "module saved")
        module._history_user = actor  # type: ignore[attr-defined]
        module.save()
    return module


def course_enrol(*, actor: Any, course: Course) -> Enrolment:
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


def module_submit(*, actor: Any, module: CourseModule, answers: Sequence[Any]) -> tuple[int, bool]:
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
