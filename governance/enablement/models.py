"""Enablement: the playbook library marketers read before they ask, training paths
(courses of modules, each a playbook plus a short quiz) that can unlock self-serve, and
office hours (recurring sessions people book a seat in)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalog.models import validate_time_zone
from mops.core import recurrence
from mops.core.models import TimeStampedModel
from mops.core.timezones import default_time_zone
from mops.core.versioned import VersionedModel

# Weighted as search ranks them: a word in the title (A) outranks one in the body (B).
PLAYBOOK_VECTOR = SearchVector("title", weight="A", config="english") + SearchVector(
    "summary", "body", weight="B", config="english"
)


class Category(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Playbook(TimeStampedModel, VersionedModel):
    """A how-to for marketers; every save is a version (history), any version restorable."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown.")
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="playbooks"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_by = models.DateField(help_text="Past this date the playbook is flagged stale.")
    services = models.ManyToManyField(
        "catalog.Service",
        blank=True,
        related_name="playbooks",
        help_text="Shown on these services.",
    )
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["title"]
        indexes = [GinIndex(PLAYBOOK_VECTOR, name="enablement_playbook_search")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("enablement:playbook_detail", args=[self.slug])

    def is_stale(self, today: date | None = None) -> bool:
        return self.review_by < (today or timezone.localdate())


class PlaybookFeedback(models.Model):
    """ "Did this help?" — one answer per person and playbook (answering again replaces it)."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    helpful = models.BooleanField()
    comment = models.CharField(max_length=300, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["playbook", "user"], name="enablement_feedback_once")
        ]

    def __str__(self) -> str:
        return f"{self.playbook} helped {self.user}: {'yes' if self.helpful else 'no'}"


class PlaybookRead(models.Model):
    """A signed-in person opened a playbook (one row per person and day): playbook use, and
    the "read first" half of deflection."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["playbook", "user", "day"], name="enablement_read_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.playbook} read by {self.user} on {self.day}"


class CourseLevel(models.TextChoices):
    L101 = "101", "101 — the basics"
    L201 = "201", "201 — going further"


class CourseSubject(models.TextChoices):
    TOOL = "tool", "A tool of the stack"
    INTAKE = "intake", "Process: intake"
    TAXONOMY = "taxonomy", "Process: taxonomy"
    QA = "qa", "Process: QA"


class Course(TimeStampedModel):
    """A training path; `unlocks` are the self-serve services it must be finished before."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    level = models.CharField(max_length=3, choices=CourseLevel.choices, default=CourseLevel.L101)
    subject = models.CharField(max_length=10, choices=CourseSubject.choices)
    tool = models.CharField(
        max_length=100, blank=True, help_text="The stack tool it teaches (subject 'tool')."
    )
    unlocks = models.ManyToManyField(
        "catalog.Service",
        blank=True,
        related_name="required_courses",
        help_text="Self-serve services a marketer may use only after finishing this course.",
    )
    history = HistoricalRecords(m2m_fields=[unlocks])

    class Meta:
        ordering = ["subject", "level", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.level})"

    def clean(self) -> None:
        if self.subject == CourseSubject.TOOL and not self.tool.strip():
            raise ValidationError({"tool": "Name the tool a tool course teaches."})

    def get_absolute_url(self) -> str:
        return reverse("enablement:course_detail", args=[self.slug])


def validate_quiz(value: object) -> None:
    """A quiz is a list of {"question", "choices": [2+ strings], "answer": index}."""
    if not isinstance(value, list):
        raise ValidationError("The quiz must be a list of questions.")
    for n, q in enumerate(value, 1):
        if not isinstance(q, dict) or not str(q.get("question", "")).strip():
            raise ValidationError(f"Question {n}: give the question text.")
        choices = q.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            raise ValidationError(f"Question {n}: give at least two choices.")
        if not all(isinstance(c, str) and c.strip() for c in choices):
            raise ValidationError(f"Question {n}: every choice must be non-empty text.")
        answer = q.get("answer")
        if (
            not isinstance(answer, int)
            or isinstance(answer, bool)
            or not (0 <= answer < len(choices))
        ):
            raise ValidationError(f"Question {n}: 'answer' must be the index of a choice.")


class CourseModule(models.Model):
    """One step of a course: read a playbook, then pass its quiz (graded on the server)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="modules")
    position = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="modules")
    quiz = models.JSONField(default=list, blank=True, validators=[validate_quiz])
    pass_mark = models.PositiveSmallIntegerField(
        default=100, help_text="Percentage of quiz answers that must be right."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["course", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["course", "position"], name="enablement_module_pos")
        ]

    def __str__(self) -> str:
        return f"{self.course.title} · {self.position}. {self.title}"


class Enrolment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-enrolled_at"]
        constraints = [
            models.UniqueConstraint(fields=["course", "user"], name="enablement_enrol_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.course}"


class ModulePass(models.Model):
    """A module passed by an enrolled person, with the score of the passing attempt."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="passes")
    module = models.ForeignKey(CourseModule, on_delete=models.CASCADE, related_name="passes")
    score = models.PositiveSmallIntegerField()
    passed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="enablement_pass_once")
        ]

    def __str__(self) -> str:
        return f"{self.module} passed ({self.score}%)"


# --- office hours -----------------------------------------------------------------------------


def validate_rrule(value: str) -> None:
    try:
        recurrence.parse_rrule(value)
    except recurrence.ScheduleError as exc:
        raise ValidationError(exc.message) from None


class OfficeHours(TimeStampedModel, VersionedModel):
    """A recurring office-hours series: a topic, a host, an RFC 5545 rule in local wall time
    (every Wednesday 15:00 Europe/Berlin) and the seats of each session. Its concrete
    sessions are `OfficeHoursSession` rows, scheduled ahead by `office_hours_sync`."""

    topic = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_office_hours"
    )
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    rrule = models.CharField(
        max_length=300,
        validators=[validate_rrule],
        help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=WE",
    )
    first_date = models.DateField(help_text="The first day the rule counts from.")
    start_time = models.TimeField(help_text="Local start time, e.g. 15:00.")
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    capacity = models.PositiveSmallIntegerField(
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text="Seats per session.",
    )
    location = models.CharField(max_length=300, blank=True, help_text="Room or video link.")
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["topic", "pk"]
        verbose_name_plural = "office hours"

    def __str__(self) -> str:
        return self.topic

    def clean(self) -> None:
        if self.first_date and not 2000 <= self.first_date.year <= 2199:
            raise ValidationError({"first_date": "Give a date between 2000 and 2199."})

    def describe(self) -> str:
        try:
            rule = recurrence.describe_rrule(self.rrule)
        except recurrence.ScheduleError:
            rule = self.rrule
        return f"{rule} at {self.start_time:%H:%M} {self.time_zone}, {self.duration_minutes} min"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    CANCELLED = "cancelled", "Cancelled"


class OfficeHoursSession(VersionedModel):
    """One occurrence of a series; `capacity` seats, booked under a row lock."""

    series = models.ForeignKey(OfficeHours, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    attendance_marked_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["series", "starts_at"], name="enablement_session_once")
        ]

    def __str__(self) -> str:
        return f"{self.series.topic} @ {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("enablement:session_detail", args=[self.pk])


class Booking(models.Model):
    """A seat in a session. Cancelling keeps the row (cancelled_at); booking again reopens
    it. `attended` is None until the host marks attendance."""

    session = models.ForeignKey(
        OfficeHoursSession, on_delete=models.CASCADE, related_name="bookings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="office_hours_bookings"
    )
    booked_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["booked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="enablement_booking_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.session}"
