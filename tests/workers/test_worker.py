"""End to end through a real worker: heartbeat → /readyz, and outbox delivery after commit."""

from django.db import transaction

from mops.core.tasks import worker_heartbeat
from mops.notify.models import Kind, OutboxMessage
from mops.notify.services import outbox_enqueue

from .conftest import wait_for


def test_worker_heartbeat_makes_readyz_ready(client, route_to_worker):
    assert client.get("/readyz").status_code == 503
    worker_heartbeat.delay()
    assert wait_for(lambda: client.get("/readyz").status_code == 200), client.get("/readyz").json()


def test_outbox_message_is_delivered_by_the_worker_after_commit(settings, route_to_worker):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with transaction.atomic():
        message = outbox_enqueue(
            kind=Kind.EMAIL, target="lead@example.com", subject="Digest", body="Hi"
        )
    # The worker process delivers (its own locmem outbox), and marks the row delivered.
    assert wait_for(
        lambda: OutboxMessage.objects.get(id=message.id).status == OutboxMessage.Status.DELIVERED
    ), OutboxMessage.objects.get(id=message.id).last_error
