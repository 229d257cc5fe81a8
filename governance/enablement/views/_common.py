"""Helpers shared by the enablement pages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def _errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, msgs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, msgs)
    else:
        form.add_error(None, exc.messages)
