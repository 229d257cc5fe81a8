"""A person replaces their own office-hours feed address (#13): a POST from the office-hours
page (CSRF-checked), after which the old address is unknown and the new one works; audited."""

import re

import pytest
from django.test import Client

from governance.enablement import feeds
from mops.core import feedtokens
from mops.core.models import FeedKey

pytestmark = pytest.mark.django_db

PAGE = "/enablement/office-hours/"


def _feed_path(page_html: str) -> str:
    """The path of the subscription address the page shows."""
    [url] = set(
        re.findall(r"http://testserver(/enablement/office-hours/feed/[^\s<\"]+)", page_html)
    )
    return url


def _csrf(page_html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page_html).group(1)


def test_rotating_kills_the_old_address_and_the_page_shows_the_new_one(users):
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["requester"])
    page = client.get(PAGE).content.decode()
    old = _feed_path(page)
    assert old == f"/enablement/office-hours/feed/{feeds.feed_token(users['requester'])}.ics"
    assert client.get(old).status_code == 200

    assert client.post(PAGE).status_code == 403  # no CSRF token
    assert client.get(old).status_code == 200
    rotated = client.post(PAGE, {"csrfmiddlewaretoken": _csrf(page)}, follow=True)
    assert rotated.status_code == 200
    assert "New feed address issued" in rotated.content.decode()
    new = _feed_path(rotated.content.decode())
    assert new != old
    assert client.get(old).status_code == 404
    feed = client.get(new)
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    # Calendar apps fetch without a session.
    assert Client().get(new).status_code == 200 and Client().get(old).status_code == 404

    [row] = FeedKey.history.filter(user=users["requester"], history_type="~")
    assert (row.generation, row.history_user, row.history_change_reason) == (
        1,
        users["requester"],
        "rotated by requester",
    )


def test_one_persons_rotation_leaves_everyone_elses_address_alone(users, client_for):
    others = f"/enablement/office-hours/feed/{feeds.feed_token(users['pm'])}.ics"
    client = client_for("requester")
    assert client.post(PAGE).status_code == 302
    assert client.post(PAGE).status_code == 302
    assert Client().get(others).status_code == 200
    mine = f"/enablement/office-hours/feed/{feeds.feed_token(users['requester'])}.ics"
    assert Client().get(mine).status_code == 200
    assert FeedKey.objects.get(user=users["requester"]).generation == 2


def test_signed_out_posts_rotate_nothing(users):
    assert Client().post(PAGE).status_code == 302  # to the log-in page
    assert not FeedKey.objects.exists()


def test_a_token_of_another_feed_or_a_tampered_generation_opens_nothing(users):
    requester = users["requester"]
    feedtokens.feed_token_rotate(actor=requester, feed=feeds.FEED_SALT)
    other_feed = feedtokens.feed_token(requester, feed="some.other-feed")
    assert feeds.feed_user(other_feed) is None
    current = feeds.feed_token(requester)
    assert feeds.feed_user(current) == requester
    _, signature = current.rsplit(":", 1)
    assert feeds.feed_user(f"{requester.pk}.2:{signature}") is None
    assert feeds.feed_user(f"{requester.pk}:{signature}") is None
    assert feeds.feed_user("x" * 201) is None
