"""Heartbeat monitors: a late ping opens one incident (not many), the next ping resolves it;
uptime and MTTR over a hand-made timeline; the public /ping/<uuid> endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from governance.health.selectors import (
    incident_response_times,
    monitor_uptime,
)
from governance.health.services import (
    monitor_ping,
    monitor_save,
    monitor_sweep,
)
from governance.models import Incident, Monitor, MonitorStatus, Ping

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))


@pytest.fixture
def monitor(db, users):
    m = monitor_save(
        actor=users["admin"],
        name="CRM ↔ MAP sync",
        period=timedelta(minutes=30),
        grace=timedelta(minutes=10),
    )
    Monitor.objects.filter(pk=m.pk).update(started_at=T0, next_due_at=T0 + timedelta(minutes=40))
    m.refresh_from_db()
    return m


def test_late_ping_opens_one_incident_not_many(monitor):
    monitor_ping(monitor=monitor, now=T0 + timedelta(minutes=30))
    assert monitor_sweep(now=T0 + timedelta(minutes=60)) == 0  # due at 30 + 40 = 70
    assert monitor_sweep(now=T0 + timedelta(minutes=71)) == 1
    for minutes in (72, 80, 120, 300):
        assert monitor_sweep(now=T0 + timedelta(minutes=minutes)) == 0
    assert Incident.objects.filter(monitor=monitor).count() == 1
    monitor.refresh_from_db()
    assert monitor.status == MonitorStatus.DOWN


def test_next_ping_resolves_the_incident_and_a_later_miss_opens_a_new_one(monitor):
    monitor_sweep(now=T0 + timedelta(minutes=41))
    incident = Incident.objects.get(monitor=monitor)
    monitor_ping(monitor=monitor, now=T0 + timedelta(minutes=90))
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at == T0 + timedelta(minutes=90)
    monitor.refresh_from_db()
    assert monitor.status == MonitorStatus.UP
    assert monitor.next_due_at == T0 + timedelta(minutes=130)
    monitor_sweep(now=T0 + timedelta(minutes=131))
    assert Incident.objects.filter(monitor=monitor).count() == 2
    assert Incident.objects.filter(monitor=monitor).exclude(status="resolved").count() == 1


def test_uptime_and_mttr_over_a_hand_made_timeline(monitor):
    # Pings at 0:20, 0:50, then silence until 3:00; period 30 + grace 10.
    # Down from 0:50 + 40 = 1:30 until the ping at 3:00 → 90 minutes down in a 4-hour window.
    for minutes in (20, 50, 180):
        Ping.objects.create(monitor=monitor, received_at=T0 + timedelta(minutes=minutes))
    window = (T0, T0 + timedelta(hours=4))
    # After 3:00 the next due is 3:40 → down 3:40–4:00 too: 20 more minutes.
    assert monitor_uptime(monitor, *window) == pytest.approx(100 * (1 - 110 / 240))

    monitor_sweep(now=T0 + timedelta(minutes=91))
    monitor_ping(monitor=monitor, now=T0 + timedelta(minutes=180))  # resolves: 89 minutes
    monitor_sweep(now=T0 + timedelta(minutes=221))  # opens a second, left open
    times = incident_response_times(Incident.objects.filter(monitor=monitor))
    assert times["mttr"] == timedelta(minutes=89)
    assert times["mtta"] is None


def test_ping_endpoint_accepts_get_and_post_without_login_or_csrf(monitor, client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    assert client.get(f"/ping/{monitor.uuid}").status_code == 200
    assert csrf_client.post(f"/ping/{monitor.uuid}").status_code == 200
    assert monitor.pings.count() == 2
    assert client.get("/ping/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.put(f"/ping/{monitor.uuid}").status_code == 405


def test_status_changes_are_audited_once_each_not_per_ping(monitor):
    """Down and up move by conditional UPDATEs; each change (not each ping) is a history row
    naming the new status, when, and why — written by the system (no user)."""
    last_id = monitor.history.latest("history_id").history_id
    monitor_ping(monitor=monitor, now=T0 + timedelta(minutes=5))  # new -> up
    monitor_ping(monitor=monitor, now=T0 + timedelta(minutes=6))  # already up: no row
    monitor_sweep(now=T0 + timedelta(minutes=60))  # down
    monitor_sweep(now=T0 + timedelta(minutes=61))  # already down: no row
    monitor_ping(monitor=monitor, now=T0 + timedelta(minutes=62))  # up again
    rows = list(monitor.history.filter(history_id__gt=last_id).order_by("history_id"))
    assert [
        (r.status, r.history_date, r.history_change_reason, r.history_user_id) for r in rows
    ] == [
        (MonitorStatus.UP, T0 + timedelta(minutes=5), "monitor up: heartbeat received", None),
        (
            MonitorStatus.DOWN,
            T0 + timedelta(minutes=60),
            "monitor down: missed its heartbeat",
            None,
        ),
        (MonitorStatus.UP, T0 + timedelta(minutes=62), "monitor up: heartbeat received", None),
    ]
    assert all(r.history_type == "~" for r in rows)


def test_a_paused_monitor_stays_paused_on_ping_and_writes_no_status_row(monitor, users):
    monitor = monitor_save(
        actor=users["admin"],
        monitor=monitor,
        name=monitor.name,
        period=monitor.period,
        grace=monitor.grace,
        paused=True,
    )
    before = monitor.history.count()
    monitor_ping(monitor=monitor, now=T0 + timedelta(minutes=5))
    monitor.refresh_from_db()
    assert monitor.status == MonitorStatus.PAUSED
    assert monitor.history.count() == before
