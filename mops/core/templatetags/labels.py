"""Human labels for codes that reach a page: `{{ "0 * * * *"|cron_text }}` → "Every hour",
`{{ "on_track"|code_label }}` → "On track". The codes stay as they are in the API.
Loaded as a template builtin."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def cron_text(expression: object) -> str:
    """A cron expression in words (24-hour clock); the expression itself if it has none."""
    from cron_descriptor import FormatException, Options, get_description

    text = str(expression or "").strip()
    if not text:
        return ""
    options = Options()
    options.use_24hour_time_format = True
    options.verbose = False
    try:
        return get_description(text, options)
    except (FormatException, ValueError, KeyError, IndexError):
        return text


@register.filter
def code_label(code: object) -> str:
    """A snake_case code as words, for codes without a choices label ("at_risk" → "At risk")."""
    text = str(code or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]
