import time

import pytest

from mops.core.health import heartbeat_record

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_503_without_a_worker_heartbeat(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert body["checks"]["worker"]["ok"] is False


def test_readyz_is_200_with_a_fresh_heartbeat(client):
    heartbeat_record()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready"


def test_readyz_rejects_a_stale_heartbeat(client, settings):
    heartbeat_record(time.time() - settings.WORKER_HEARTBEAT_MAX_AGE - 5)
    assert client.get("/readyz").status_code == 503


def test_readyz_warm_up_logs_below_error(client, caplog):
    """Before the first worker heartbeat, 'not ready' is routine: no ERROR in the log."""
    import logging

    with caplog.at_level(logging.DEBUG):
        assert client.get("/readyz").status_code == 503
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(r.levelno == logging.INFO and "not ready" in r.getMessage() for r in caplog.records)
