import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _attempt(client: Client, password: str):
    return client.post("/login/", {"username": "pm", "password": password})


def test_login_with_the_right_password_goes_home(users):
    client = Client()
    response = _attempt(client, "pw-for-tests-123")
    assert response.status_code == 302 and response.url == "/"


def test_wrong_password_shows_an_error_next_to_the_form(users):
    response = _attempt(Client(), "wrong")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_failed_logins_are_throttled(users, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, "wrong")
    locked = _attempt(client, "pw-for-tests-123")  # even the right password is refused now
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()


def test_pages_require_login():
    response = Client().get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_password_reset_mail_goes_through_the_outbox(users):
    from mops.notify.models import OutboxMessage

    response = Client().post("/password-reset/", {"email": "pm@example.com"})
    assert response.status_code == 302
    message = OutboxMessage.objects.get(source="accounts.password_reset")
    assert message.target == "pm@example.com" and "/reset/" in message.body
