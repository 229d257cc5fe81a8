"""Shared fixtures: a logged-in client per role, API clients, and the real services.

Tests run on PostgreSQL and Redis (DATABASE_URL / REDIS_URL, filled in by `make test`).
"""

import os
import urllib.parse
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

# Test environment defaults live in pyproject.toml ([tool.pytest.ini_options] env).
os.environ.setdefault("CACHE_KEY_PREFIX", f"mops-test-{os.getpid()}")

import pytest  # noqa: E402  (the environment above must be set before Django loads settings)
from django.db.backends.postgresql.operations import DatabaseOperations  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from mops.accounts.roles import Role  # noqa: E402
from tests import factories  # noqa: E402


def _own_redis_database_per_xdist_worker() -> None:
    """Under pytest-xdist (`make test` runs `-n 2`) each worker process gets its own Redis
    database, as pytest-django gives it its own PostgreSQL one (`test_<name>_gw0`): database
    N + i for worker gw<i> when REDIS_URL names database N. `_clear_cache` flushes the whole
    database before every test, which must not empty another worker's broker queue or the
    heartbeat its Celery worker just wrote.

    Django has read its settings before any conftest is imported, so the URL is changed
    through override_settings (its setting_changed signal resets the cache connections), and
    in the environment, which the Celery worker subprocesses inherit.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    from django.conf import settings
    from django.test.utils import override_settings

    from mops.celery import app

    parts = urllib.parse.urlsplit(settings.REDIS_URL)
    base = int(parts.path.strip("/") or 0)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{base + int(worker[2:])}"))
    caches = {"default": settings.CACHES["default"] | {"LOCATION": url}}
    changed = {"REDIS_URL": url, "CACHES": caches}
    if settings.CELERY_BROKER_URL == settings.REDIS_URL:  # the broker is that Redis too
        changed["CELERY_BROKER_URL"] = url
        app.conf.broker_url = url
        if "CELERY_BROKER_URL" in os.environ:
            os.environ["CELERY_BROKER_URL"] = url
    override_settings(**changed).enable()  # for the whole session of this worker process
    os.environ["REDIS_URL"] = url


_own_redis_database_per_xdist_worker()


def _flush_by_delete(
    self: DatabaseOperations,
    style: Any,
    tables: Sequence[str],
    *,
    reset_sequences: bool = False,
    allow_cascade: bool = False,
) -> list[str]:
    """After every transactional test (`transaction=True`, live_server, real workers) Django
    empties the test database with one TRUNCATE of all ~180 tables. TRUNCATE gives each table
    and index a new file, so it costs seconds on a loaded machine; DELETE on those nearly
    empty tables costs milliseconds and leaves the same empty tables (the sequences go on,
    as they do after Django's flush without reset_sequences). Foreign keys are DEFERRABLE
    (Django creates them so), hence any order; the second round removes rows a trigger
    wrote while the first ran (metrics_requestfact's DELETE trigger keeps RequestDay)."""
    if reset_sequences or allow_cascade or not tables:  # the rare cases: as Django does
        return _truncate_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    deletes = "".join(f"DELETE FROM {self.quote_name(table)};" for table in tables)
    return ["SET CONSTRAINTS ALL DEFERRED;" + deletes + deletes]


_truncate_flush = DatabaseOperations.sql_flush
DatabaseOperations.sql_flush = _flush_by_delete  # type: ignore[method-assign]  # tests only


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def team(db):
    return factories.TeamFactory()


@pytest.fixture
def users(db):
    """One user per role; requesters of two teams (to prove team isolation)."""
    home = factories.TeamFactory(name="Demand Gen", slug="demand-gen")
    other = factories.TeamFactory(name="Field", slug="field")
    mops_team = factories.TeamFactory(name="Marketing Ops", slug="marketing-ops")
    return {
        "requester": factories.UserFactory(username="requester", role=Role.REQUESTER, team=home),
        "other_requester": factories.UserFactory(username="other", role=Role.REQUESTER, team=other),
        "pm": factories.UserFactory(username="pm", role=Role.PM, team=mops_team),
        "engineer": factories.UserFactory(username="engineer", role=Role.ENGINEER, team=mops_team),
        "approver": factories.UserFactory(username="approver", role=Role.APPROVER, team=mops_team),
        "approver2": factories.UserFactory(username="approver2", role=Role.APPROVER, team=home),
        "leadership": factories.UserFactory(username="leader", role=Role.LEADERSHIP, team=home),
        "admin": factories.UserFactory(username="admin", role=Role.ADMIN, team=mops_team),
    }


@pytest.fixture
def client_for(users):
    """client_for("pm") -> a Django test client logged in as that role's user."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(users[role])
        return client

    return make


@pytest.fixture
def api_for(users):
    """api_for("pm") -> a DRF APIClient authenticated with a real API token."""
    from mops.accounts.services import api_token_create

    def make(role: str) -> APIClient:
        _, key = api_token_create(user=users[role], name="tests")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def calendar(users):
    """The shared business calendar: New York, Mon–Fri 09:00–17:00, US public holidays."""
    from catalog.services import calendar_create

    return calendar_create(
        actor=users["admin"],
        name="New York",
        slug="new-york",
        time_zone="America/New_York",
        working_hours=factories.MON_FRI_9_17,
        holiday_regions=["US"],
        closed_days=[],
    )


@pytest.fixture
def policy(users, calendar):
    """The shared "Standard" SLA policy on `calendar`: triage 4 business hours, delivery
    16 / 40 / 120 by class, at risk at 75 % (made through the catalog service)."""
    from catalog.services import sla_policy_create

    return sla_policy_create(
        actor=users["admin"],
        name="Standard",
        slug="standard",
        calendar=calendar,
        triage_hours_simple=4,
        triage_hours_standard=4,
        triage_hours_complex=4,
        delivery_hours_simple=16,
        delivery_hours_standard=40,
        delivery_hours_complex=120,
        at_risk_percent=75,
    )


def join_cab(users: dict[str, Any]) -> dict[str, Any]:
    """approver and approver2 join the CAB group; approver2 is also RevOps. Returns both
    groups by name ("cab", "revops")."""
    from django.contrib.auth.models import Group

    cab_group, _ = Group.objects.get_or_create(name="CAB")
    revops, _ = Group.objects.get_or_create(name="RevOps")
    users["approver"].groups.add(cab_group)
    users["approver2"].groups.add(cab_group, revops)
    for user in users.values():
        user.__dict__.pop("_mops_roles", None)  # the role cache predates the new groups
    return {"cab": cab_group, "revops": revops}


@pytest.fixture
def cab(users):
    """The CAB (`join_cab`) and a high-risk approval policy that asks for it: two approvers
    of the CAB, one of them RevOps, and a change window."""
    from governance.models import ApprovalPolicy

    groups = join_cab(users)
    # A clean install's high-risk policy is any two approvers; these tests use a CAB.
    ApprovalPolicy.objects.update_or_create(
        risk="high",
        defaults={
            "required_approvals": 2,
            "eligible_group": "CAB",
            "must_include_group": "RevOps",
            "requires_change_window": True,
        },
    )
    return groups


@pytest.fixture
def freeze_over(users):
    """freeze_over(start, end, channels=[...]) -> a real freeze (releases' model) an hour
    either side of the window: rfc_schedule finds it through the check releases registers
    in governance.hooks, no caller says so."""
    from releases.trains.services import freeze_create

    def make(start: datetime, end: datetime, *, name: str = "Holiday freeze", **extra: Any) -> None:
        freeze_create(
            actor=users["admin"],
            name=name,
            starts_at=start - timedelta(hours=1),
            ends_at=end + timedelta(hours=1),
            **extra,
        )

    return make


@pytest.fixture(scope="module")
def _demo_warehouse(django_db_setup, django_db_blocker):
    """The demo warehouse schema the demo's data health reads, built once per module."""
    from governance.health.demo import build_warehouse

    with django_db_blocker.unblock():
        build_warehouse()


@pytest.fixture
def demo(demo_loaded_once, db):
    """The whole demo, as `demo_loaded_once` left it, for this test (its changes roll back)."""
    return None


@pytest.fixture(scope="module")
def demo_loaded_once(_demo_warehouse, django_db_blocker):  # type: ignore[no-untyped-def]
    """The demo loaded once for the requesting module (after its `_demo_warehouse`), inside a
    transaction rolled back at the module's end: each test's own transaction nests in it as
    a savepoint, so every test starts from the freshly loaded demo."""
    from django.db import transaction

    from mops.core import registry

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            for _name, load in registry.demo_loaders:
                load()
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
