"""Two PMs triaging the same request at once: one wins, the other gets 409/412."""

import threading

import pytest
from django.db import connection

from intake import services
from intake.models import Request, Status
from mops.core.concurrency import StaleVersion
from mops.core.lifecycle import TransitionError

from .conftest import COMPLETE


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_triage_updates_one_wins(users, service):
    request = services.request_create(
        service=service, actor=users["requester"], submit=True, **COMPLETE
    )
    version = request.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def triage(name: str, note: str) -> None:
        try:
            barrier.wait()
            services.request_transition(
                request=Request.objects.get(pk=request.pk),
                name=name,
                actor=users["pm"] if name == "accept" else users["admin"],
                note=note,
                expected_version=version,
            )
            outcomes.append("ok")
        except StaleVersion:
            outcomes.append("412")
        except TransitionError:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=triage, args=("accept", "")),
        threading.Thread(target=triage, args=("reject", "duplicate")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["412", "ok"]
    request.refresh_from_db()
    assert request.status in (Status.ACCEPTED, Status.REJECTED)
    assert request.version == version + 1
    assert request.events.filter(transition__in=["accept", "reject"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_same_idempotency_key_make_one_request(users, service):
    from rest_framework.test import APIClient

    from mops.accounts.services import api_token_create

    _, key = api_token_create(user=users["requester"], name="t")
    body = {"service": service.slug, "title": "Twice", "answers": {"channel": "E-mail"}}
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def post() -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        barrier.wait()
        codes.append(
            client.post(
                "/api/v1/requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1"
            ).status_code
        )
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 201]
    assert Request.objects.filter(title="Twice").count() == 1
