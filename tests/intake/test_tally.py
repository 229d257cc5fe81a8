"""The status tally (intake.tally, migration 0007): exact under every kind of write, exact
across a compaction racing a writer, and the list count it gives equals the queryset's."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIRequestFactory

from intake.filters import RequestFilter
from intake.models import Request, Status
from intake.selectors import request_visible_to
from intake.tally import tally_compact, tally_drift, tally_rebuild, tally_sum
from tests import factories

pytestmark = pytest.mark.django_db

STATUSES = [Status.DRAFT, Status.SUBMITTED, Status.NEEDS_INFO, Status.ACCEPTED, Status.LIVE]


@pytest.fixture
def spread(users, service):
    """Requests of three teams in five statuses, drafts of the PM and of a requester."""
    version = service.current_version
    people = [users["requester"], users["other_requester"], users["pm"]]
    made = []
    for i in range(30):
        who = people[i % 3]
        made.append(
            factories.RequestFactory(
                service_version=version,
                requester=who,
                team=who.team,
                status=STATUSES[i % len(STATUSES)],
            )
        )
    return made


def test_every_kind_of_write_keeps_the_tally_exact(spread, users):
    assert tally_drift() == {}
    first, second, third = spread[:3]
    first.status = Status.ACCEPTED
    first.save()  # a save that changes status
    second.title = "renamed"
    second.save()  # a save that changes neither status nor team: no delta row
    Request.objects.filter(status=Status.SUBMITTED).update(status=Status.NEEDS_INFO)
    Request.objects.filter(pk=third.pk).update(team=users["other_requester"].team)
    Request.objects.bulk_create(
        [Request(**_copy_of(spread[4]), title=f"bulk {i}") for i in range(4)]
    )
    Request.objects.filter(status=Status.LIVE).delete()
    assert tally_drift() == {}
    assert tally_sum() == Request.objects.count()
    assert tally_sum([Status.NEEDS_INFO]) == Request.objects.filter(status="needs_info").count()
    team = users["requester"].team_id
    assert tally_sum([Status.DRAFT], team_id=team) == (
        Request.objects.filter(status="draft", team_id=team).count()
    )


def _copy_of(request: Request) -> dict:
    return {
        "service_id": request.service_id,
        "service_version_id": request.service_version_id,
        "requester_id": request.requester_id,
        "team_id": request.team_id,
        "status": request.status,
        "complexity": request.complexity,
    }


def test_compaction_and_rebuild_keep_the_sums(spread):
    before = {s: tally_sum([s]) for s in Status.values}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM intake_statustally")
        rows_before = cursor.fetchone()[0]
    assert tally_compact() <= rows_before
    assert {s: tally_sum([s]) for s in Status.values} == before
    with connection.cursor() as cursor:  # a load with triggers off leaves the tally behind
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("DELETE FROM intake_request WHERE status = 'accepted'")
        cursor.execute("SET session_replication_role = DEFAULT")
    assert tally_drift()  # caught …
    tally_rebuild()
    assert tally_drift() == {}  # … and repaired


@pytest.mark.django_db(transaction=True)
def test_a_compaction_racing_an_open_writer_loses_nothing(users, service):
    """The writer's delta is uncommitted while the compaction folds the table; the fold
    cannot see it, so it survives and counts once the writer commits."""
    factories.RequestFactory(
        service_version=service.current_version, requester=users["pm"], team=users["pm"].team
    )
    written, compacted = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                Request.objects.update(status=Status.SUBMITTED)
                written.set()
                compacted.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(10)
    tally_compact()
    compacted.set()
    thread.join(10)
    assert tally_drift() == {}
    assert tally_sum([Status.SUBMITTED]) == 1


CASES = [
    {},
    {"scope": "all"},
    {"scope": "triage"},
    {"status": ["draft"]},
    {"status": ["submitted", "accepted"]},
    {"team": "field"},
    {"team": "demand-gen", "scope": "all"},
    {"sort": "due"},
    {"assignee": "none"},  # untallied: the queryset counts
]


@pytest.mark.parametrize("role", ["pm", "leadership", "requester", "other_requester"])
@pytest.mark.parametrize("params", CASES)
def test_the_tallied_count_is_the_querysets_count(spread, users, role, params):
    user = users[role]
    request = APIRequestFactory().get("/api/v1/requests/", params)
    request.user = user
    filterset = RequestFilter(request.GET, queryset=request_visible_to(user), request=request)
    tallied = filterset.tallied_count()
    real = filterset.qs.count()
    assert (tallied if tallied is not None else real) == real
    if "assignee" in params:
        assert tallied is None


def test_the_api_list_counts_from_the_tally(spread, api_for, django_assert_max_num_queries):
    api = api_for("pm")
    with connection.execute_wrapper(_no_request_count):
        response = api.get("/api/v1/requests/")
    assert response.status_code == 200
    open_rows = (
        Request.objects.filter(status__in=["submitted", "needs_info", "accepted"]).count()
        + Request.objects.filter(status="draft", requester__username="pm").count()
    )
    assert response.json()["count"] == open_rows


def _no_request_count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
    assert not ("COUNT(*)" in sql and '"intake_request"."status" IN' in sql), sql
    return execute(sql, params, many, context)


def test_the_nightly_verify_repairs_drift_and_says_so(spread, caplog):
    from intake.tasks import status_tally_verify

    assert status_tally_verify() == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO intake_statustally (team_id, status, n) VALUES (NULL, 'live', 3)"
        )
    assert status_tally_verify() == 1
    assert "drifted" in caplog.text
    assert tally_drift() == {}


@pytest.mark.parametrize("role", ["pm", "requester"])
def test_the_backlog_page_counts_from_the_tally(spread, users, client_for, role):
    with connection.execute_wrapper(_no_request_count):
        response = client_for(role).get("/requests/")
    assert response.status_code == 200
    user = users[role]
    request = APIRequestFactory().get("/requests/")
    request.user = user
    expected = RequestFilter(None, queryset=request_visible_to(user), request=request).qs.count()
    assert response.context["page"].paginator.count == expected > 0
