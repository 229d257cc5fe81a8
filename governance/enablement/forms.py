from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model

from catalog.models import Service, ServiceStatus
from mops.accounts.roles import GROUP_NAMES, MOPS_STAFF
from mops.core.timezones import TimeZoneField

from .models import Category, CourseLevel, CourseModule, CourseSubject, Playbook
from .quiztext import QuizTextError, quiz_parse


def staff_people() -> Any:
    """Active MOPS staff: who may own a playbook or host office hours."""
    staff = [GROUP_NAMES[r] for r in MOPS_STAFF]
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=staff)
        .distinct()
        .order_by("username")
    )


class PlaybookForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=100, help_text="The permalink: /enablement/playbooks/<slug>/")
    summary = forms.CharField(max_length=300, required=False)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 16}), help_text="Markdown.")
    category = forms.ModelChoiceField(Category.objects.all(), required=False)
    owner = forms.ModelChoiceField(
        get_user_model().objects.none(), required=False, help_text="Blank: you."
    )
    review_by = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Past this date the playbook is flagged stale.",
    )
    services = forms.ModelMultipleChoiceField(
        Service.objects.filter(status=ServiceStatus.ACTIVE),
        required=False,
        help_text="Catalog services that show it under “Before you ask, read…”.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = staff_people()


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        choices=[("yes", "Yes"), ("no", "No")], coerce=lambda v: v == "yes"
    )
    comment = forms.CharField(max_length=300, required=False)


class QuizForm(forms.Form):
    """One radio group per question; the answers are graded by the service, not here."""

    def __init__(self, module: CourseModule, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.module = module
        for n, question in enumerate(module.quiz):
            self.fields[f"q{n}"] = forms.TypedChoiceField(
                label=question["question"],
                choices=[(str(i), c) for i, c in enumerate(question["choices"])],
                coerce=int,
                widget=forms.RadioSelect,
            )

    def answers(self) -> list[int]:
        return [self.cleaned_data[f"q{n}"] for n in range(len(self.module.quiz))]


class OfficeHoursForm(forms.Form):
    topic = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    host = forms.ModelChoiceField(get_user_model().objects.none())
    time_zone = TimeZoneField()
    rrule = forms.CharField(
        max_length=300,
        label="Recurrence (RRULE)",
        initial="FREQ=WEEKLY;BYDAY=WE",
        help_text="RFC 5545 in local time, e.g. FREQ=WEEKLY;BYDAY=WE (every Wednesday).",
    )
    first_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(min_value=5, max_value=8 * 60, initial=60)
    capacity = forms.IntegerField(
        min_value=1, max_value=500, initial=8, help_text="Seats per session."
    )
    location = forms.CharField(max_length=300, required=False, help_text="Room or video link.")
    active = forms.BooleanField(required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["host"]).queryset = staff_people()


class AttendanceForm(forms.Form):
    """One checkbox per booked person: ticked = came."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, bookings: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"] = forms.TypedMultipleChoiceField(
            choices=[(str(b.user_id), b.user.get_full_name() or b.user.username) for b in bookings],
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="Who came",
        )


class CourseForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=100, help_text="The permalink: /enablement/courses/<slug>/")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    level = forms.ChoiceField(choices=CourseLevel.choices)
    subject = forms.ChoiceField(choices=CourseSubject.choices)
    tool = forms.CharField(
        max_length=100, required=False, help_text="The stack tool it teaches (subject 'tool')."
    )
    unlocks = forms.ModelMultipleChoiceField(
        Service.objects.filter(status=ServiceStatus.ACTIVE, self_serve=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Self-serve services a marketer may do only after finishing this course.",
    )


class ModuleForm(forms.Form):
    title = forms.CharField(max_length=200)
    playbook = forms.ModelChoiceField(
        Playbook.objects.order_by("title"), help_text="What the learner reads."
    )
    quiz = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text="One block per question: 'Q: the question', then one line per choice "
        "starting '-', the right one starting '*'. Empty: no quiz (reading passes).",
    )
    pass_mark = forms.IntegerField(
        min_value=1, max_value=100, initial=100, help_text="% of answers that must be right."
    )
    position = forms.IntegerField(
        min_value=1, max_value=500, required=False, help_text="Order in the course; blank: last."
    )

    def clean_quiz(self) -> list[dict[str, Any]]:
        try:
            return quiz_parse(self.cleaned_data["quiz"])
        except QuizTextError as exc:
            raise forms.ValidationError(str(exc)) from None
