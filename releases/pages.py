"""What releases' pages share: showing a service's errors, parsing a date."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from mops.core.lifecycle import TransitionError
from releases.common import BoardingRefused


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, texts in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, exc.messages)


def flash_error(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, BoardingRefused):
        messages.error(request, f"Refused ({exc.rule}): {exc.reason}")
    elif isinstance(exc, ValidationError):
        texts = (
            [f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items()]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        messages.error(request, " ".join(texts))
    elif isinstance(exc, TransitionError):
        messages.error(request, exc.message)
    else:
        messages.error(request, str(exc))


def parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
