"""Shared fixtures: a logged-in client per role, API clients, and the real services.

Tests run on PostgreSQL and Redis (DATABASE_URL / REDIS_URL, filled in by `make test`).
"""

import os

# Test environment defaults live in pyproject.toml ([tool.pytest.ini_options] env).
os.environ.setdefault("CACHE_KEY_PREFIX", f"mops-test-{os.getpid()}")

import pytest  # noqa: E402  (the environment above must be set before Django loads settings)
from django.test import Client  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from mops.accounts.roles import Role  # noqa: E402
from tests import factories  # noqa: E402


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
