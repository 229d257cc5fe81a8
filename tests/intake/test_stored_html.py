"""Stored HTML injection (issue 12, finding 2): user-authored text that reaches a page —
a scoring factor's help text on every request form, a comment, a brief — renders inert: no
htmx attribute, event handler or script survives, and htmx is configured not to act on it."""

import json
import re

from intake import services

PAYLOAD = (
    '<b hx-post="/api/v1/tokens/" hx-trigger="load" hx-target="body" data-hx-post="/x">bold</b>'
    '<img src=x onerror="alert(1)"><a href="javascript:alert(1)" onclick="x()">link</a>'
    '<form action="/logout/"><button>go</button></form><script>alert(2)</script>'
)
DANGEROUS = re.compile(
    r"<[^>]*\s(?:data-)?hx-(?:post|get|put|patch|delete|trigger|target)\s*=|"
    r"<[^>]*\son\w+\s*=|<img\b|href=\"javascript:|<script>alert|<form action=\"/logout/\"",
    re.IGNORECASE,
)


def test_a_factor_help_text_cannot_make_requests_as_whoever_opens_the_form(
    client_for, users, service
):
    version = services.default_scoring_version()
    factors = [dict(f) for f in version.factors]
    factors[0]["help"] = PAYLOAD[:200]
    services.scoring_model_update(
        scoring_model=version.scoring_model, factors=factors, actor=users["admin"]
    )
    response = client_for("requester").get(f"/requests/new/{service.slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    help_text = re.search(r'<p class="help" id="id_score_impact_helptext"[^>]*>(.*?)</p>', html)
    assert help_text is not None
    assert "hx-disable" in help_text.group(0)
    assert "<b>bold</b>" in help_text.group(1)  # the formatting a help text may have
    assert not DANGEROUS.search(help_text.group(1)), help_text.group(1)
    assert "hx-trigger" not in html and "onerror" not in html and "hx-post" not in html


def test_comments_and_briefs_are_escaped_and_htmx_ignores_them(client_for, users, make_request):
    request = make_request(submit=True, brief=PAYLOAD)
    services.comment_create(request=request, actor=users["requester"], body=PAYLOAD)
    response = client_for("pm").get(request.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert not DANGEROUS.search(html)
    assert "&lt;b hx-post=&quot;/api/v1/tokens/&quot;" in html  # shown as text
    assert re.search(r'<article class="comment" id="comment-\d+" hx-disable>', html)
    assert "<dd hx-disable>&lt;b hx-post" in html


def test_every_page_configures_htmx_to_refuse_scripts_eval_and_other_origins(client_for):
    html = client_for("requester").get("/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert meta is not None
    config = json.loads(meta.group(1))
    assert config == {"selfRequestsOnly": True, "allowScriptTags": False, "allowEval": False}
