"""Smaller page fixes of #19 item 14 that live in intake: weekly review column headers,
the requester's home "New request" button, the unread count in the navigation and home."""

from mops.notify.models import Notification
from mops.notify.selectors import unread_count
from mops.notify.services import notification_create


def test_weekly_review_tables_have_column_headers(client_for, make_request):
    make_request(submit=True)
    html = client_for("leadership").get("/requests/review/").content.decode()
    tables = html.count('<table class="table">')
    assert tables == 6
    assert html.count('<th scope="col">Request</th>') == tables
    assert html.count('<th scope="col">SLA</th>') == tables


def test_requesters_home_has_a_new_request_button(client_for):
    html = client_for("requester").get("/").content.decode()
    assert '<a class="button primary" href="/requests/new/">New request</a>' in html
    assert (
        'href="/requests/new/">New request' not in client_for("engineer").get("/").content.decode()
    )


def test_inbox_unread_count_in_navigation_and_home(
    client_for, users, django_capture_on_commit_callbacks
):
    requester = client_for("requester")
    html = requester.get("/").content.decode()
    assert "Unread in your inbox" not in html  # count 0, now cached
    with django_capture_on_commit_callbacks(execute=True):
        for text in ("REQ-1 was accepted", "REQ-2 needs info"):
            notification_create(user=users["requester"], text=text, url="/requests/")
    html = requester.get("/").content.decode()
    assert '<span class="count">2<span class="sr-only"> unread</span></span>' in html
    assert "Unread in your inbox" in html and "REQ-2 needs info" in html
    with django_capture_on_commit_callbacks(execute=True):
        requester.post("/notifications/")  # "mark all read"
    html = requester.get("/").content.decode()
    assert 'sr-only"> unread' not in html and "Unread in your inbox" not in html
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_unread_count_costs_no_query_once_cached(users, django_assert_num_queries):
    unread_count(users["requester"])
    with django_assert_num_queries(0):
        assert unread_count(users["requester"]) == 0
