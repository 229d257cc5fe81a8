"""Stored HTML injection in Chromium (issue 12, finding 2): the attack that was shown — a
scoring factor's help text carrying `hx-post … hx-trigger="load"` that created an API token
for whoever opened a request form — does nothing in a real browser, and htmx runs with the
hardened configuration on every page."""

import pytest

from intake import services
from mops.accounts.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = (
    '<b hx-post="/api/v1/tokens/" hx-vals=\'{"name": "pwned"}\' hx-trigger="load">Impact</b>'
    "<img src=x onerror=\"fetch('/api/v1/tokens/',{method:'POST'})\">"
)


@pytest.fixture
def service(publish_service):
    return publish_service(
        "Launch a campaign",
        "launch-a-campaign",
        change_type="new_campaign",
        default_complexity="standard",
        input_definition=[{"key": "notes", "label": "Notes", "type": "long_text"}],
    )


def test_a_hostile_help_text_makes_no_request_as_the_person_who_opens_the_form(
    page, login, users, service
):
    version = services.default_scoring_version()
    factors = [dict(f) for f in version.factors]
    factors[0]["help"] = PAYLOAD[:200]
    services.scoring_model_update(
        scoring_model=version.scoring_model, factors=factors, actor=users["admin"]
    )
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    login("requester")
    posts.clear()
    page.goto(f"/requests/new/{service.slug}/")
    page.wait_for_load_state("networkidle")
    help_text = page.locator("#id_score_impact_helptext")
    assert help_text.inner_text().startswith("Impact")
    assert help_text.locator("[hx-post], [hx-trigger], img").count() == 0
    assert posts == []
    assert not ApiToken.objects.filter(user=users["requester"]).exists()
    config = page.evaluate(
        "() => [htmx.config.selfRequestsOnly, htmx.config.allowScriptTags, htmx.config.allowEval]"
    )
    assert config == [True, False, False]
