"""`{{ value|richtext }}` and `{{ value|markdown }}`: user-authored rich text through the one
sanitiser (`mops.core.richtext`). Never `|safe` on anything a user wrote."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from mops.core.richtext import render_markdown, sanitize_html

register = template.Library()


@register.filter(name="richtext")
def richtext_filter(value: object) -> SafeString:
    return sanitize_html(str(value) if value is not None else "")


@register.filter(name="markdown")
def markdown_filter(value: object) -> SafeString:
    return render_markdown(str(value) if value is not None else "")
