"""The one sanitiser for user-authored rich text (markdown runbooks, help texts, any HTML a user
wrote). Everything else a user writes is rendered escaped.

The allow-list is deliberately short: text formatting, lists, tables, code and links. No
attribute a browser or htmx would act on survives — no `on*` handlers, no `hx-*`/`data-*`
(htmx reads `data-hx-*` too), no `style`, `class` or `id`, no forms, inputs, images, media,
frames or scripts — and links may only point at http(s) or mailto.
"""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "kbd",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "abbr": {"title"}}
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
# Removed with their content, not just unwrapped.
DROP_WITH_CONTENT: frozenset[str] = frozenset(
    {"script", "style", "template", "textarea", "select", "title", "noscript", "iframe", "object"}
)


def sanitize_html(html: str) -> SafeString:
    """`html` reduced to the allow-list above, marked safe for templates."""
    cleaned = nh3.clean(
        str(html or ""),
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # Safe because of the nh3 allow-list above: nothing outside it survives.
    return mark_safe(cleaned)


def render_markdown(text: str) -> SafeString:
    """Markdown (fenced code and tables) rendered to HTML, then sanitised."""
    return sanitize_html(
        markdown_lib.markdown(str(text or ""), extensions=["fenced_code", "tables"])
    )
