"""Marking notifications read: page and API call the one service, each person's own only."""

from mops.notify.models import Notification
from mops.notify.services import notification_create


def _notify(users, role, text="REQ-1 was accepted"):
    return notification_create(user=users[role], text=text, url="/requests/", email=False)


def test_page_and_api_mark_only_ones_own_notifications_read(client_for, api_for, users):
    _notify(users, "requester")
    others = _notify(users, "pm")
    client_for("requester").post("/notifications/")
    assert not Notification.objects.filter(user=users["requester"], read_at=None).exists()
    assert Notification.objects.get(pk=others.pk).read_at is None
    response = api_for("pm").post("/api/v1/notifications/mark-read/")
    assert response.json() == {"marked": 1}
    assert api_for("pm").post("/api/v1/notifications/mark-read/").json() == {"marked": 0}


def test_opening_a_notification_marks_that_one_read(client_for, users):
    opened = _notify(users, "requester")
    other = _notify(users, "requester", "REQ-2 needs info")
    response = client_for("requester").get(f"/notifications/{opened.pk}/")
    assert response.status_code == 302
    opened.refresh_from_db()
    other.refresh_from_db()
    assert opened.read_at is not None and other.read_at is None
