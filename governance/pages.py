"""Page helpers the RFC and taxonomy views share (their refusal wording, kept as it was
when governance was one module; the kernel's `mops.core.views.call_service` is the
convention new pages use)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from rest_framework.exceptions import APIException

from mops.core.lifecycle import TransitionError


def errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form: named fields on them, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def problem_text(exc: Exception) -> str:
    """One line for a flash message from a refusal (validation, transition, API, other)."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    if isinstance(exc, TransitionError):
        return exc.message
    if isinstance(exc, APIException):
        return str(exc.detail)
    return str(exc) or "Not allowed."
