from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from catalog.models import Service, ServiceStatus
from mops.accounts.roles import GROUP_NAMES, MOPS_STAFF

from .models import Category, CourseModule


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
        staff = [GROUP_NAMES[r] for r in MOPS_STAFF]
        self.fields["owner"].queryset = (  # type: ignore[attr-defined]
            get_user_model().objects.filter(is_active=True, groups__name__in=staff).distinct()
        )


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
