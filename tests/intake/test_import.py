"""Request import from Jira / Asana CSV exports (#21): dry run, all-or-nothing, idempotent
re-import, history at the file's times, hostile files, API and pages."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from intake.imports import services as imports
from intake.imports.models import ImportedRequest, ImportRun
from intake.models import Request, RequestEvent

from .conftest import ny

pytestmark = pytest.mark.django_db

HEADER = (
    "Issue key,Summary,Status,Created,Resolved,Reporter,Customer Request Type,Description,Labels"
)
JIRA = (
    f"{HEADER}\n"
    "MOPS-1,Spring launch,Done,02/Mar/26 9:00 AM,05/Mar/26 2:30 PM,requester,Launch a campaign,"
    '"Two lines,\nof brief",promo\n'
    "MOPS-2,Add a field,Waiting for customer,2026-03-03 10:00,,nobody@example.com,"
    "Launch a campaign,,\n"
    'MOPS-3,"=HYPERLINK(""http://evil"",""x"")",In Progress,2026-03-04T11:00:00Z,,pm,'
    "Launch a campaign,,\n"
)


def upload(actor, text: str = JIRA, name: str = "jira.csv", **kw) -> ImportRun:
    data = text.encode() if isinstance(text, str) else text
    return imports.import_run_create(actor=actor, filename=name, data=data, **kw)


def start(run: ImportRun, actor, *, dry_run: bool, **kw) -> ImportRun:
    return imports.import_run_start(run=run, actor=actor, dry_run=dry_run, **kw)


def test_jira_columns_are_guessed_and_previewed(users, service):
    run = upload(users["pm"])
    assert run.system == "jira"
    assert run.mapping["source_id"] == "Issue key"
    assert run.mapping["service"] == "Customer Request Type"
    preview = imports.import_preview(run)
    assert preview.statuses == {
        "Done": "closed",
        "In Progress": "in_progress",
        "Waiting for customer": "needs_info",
    }
    assert preview.services == {"Launch a campaign": "launch-a-campaign"}
    assert [line for line, _ in preview.rows] == [2, 4, 5]  # line 2's brief spans two lines


def test_dry_run_reports_and_writes_nothing(users, service):
    run = start(upload(users["pm"]), users["pm"], dry_run=True)
    assert (run.status, run.created_count, run.error_count) == ("checked", 3, 0)
    assert not Request.objects.exists()


def test_import_keeps_history_at_the_files_times(users, service):
    run = start(upload(users["pm"]), users["pm"], dry_run=False)
    assert (run.status, run.created_count) == ("done", 3)
    done = ImportedRequest.objects.get(source_id="MOPS-1").request
    assert done.status == "closed"
    assert done.requester == users["requester"]
    assert done.team == users["requester"].team
    assert done.brief == "Two lines,\nof brief"
    steps = list(done.events.order_by("at", "id").values_list("transition", "to_status", "at"))
    created, resolved = ny(2026, 3, 2, 9), ny(2026, 3, 5, 14, 30)
    assert steps == [
        ("create", "draft", created),
        ("submit", "submitted", created),
        ("accept", "accepted", created),
        ("start", "in_progress", created),
        ("send_to_qa", "in_qa", created),
        ("schedule", "scheduled", created),
        ("go_live", "live", resolved),
        ("close", "closed", resolved),
    ]
    assert (done.submitted_at, done.accepted_at, done.live_at) == (created, created, resolved)
    waiting = ImportedRequest.objects.get(source_id="MOPS-2")
    assert waiting.request.requester == users["pm"]  # unknown reporter → the importer
    assert waiting.extra["Reporter"] == "nobody@example.com"
    assert waiting.request.paused_since is not None  # needs_info pauses the clock


def test_formula_cells_are_stored_as_text(users, service):
    start(upload(users["pm"]), users["pm"], dry_run=False)
    title = ImportedRequest.objects.get(source_id="MOPS-3").request.title
    assert title == '=HYPERLINK("http://evil","x")'


def test_reimport_is_idempotent_and_updates_changes(users, service):
    start(upload(users["pm"]), users["pm"], dry_run=False)
    again = start(upload(users["pm"]), users["pm"], dry_run=False)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert Request.objects.count() == 3
    changed = JIRA.replace(
        "In Progress,2026-03-04T11:00:00Z,,", "Done,2026-03-04T11:00:00Z,2026-03-06 12:00,"
    )
    third = start(upload(users["pm"], changed), users["pm"], dry_run=False)
    assert (third.created_count, third.updated_count, third.unchanged_count) == (0, 1, 2)
    request = ImportedRequest.objects.get(source_id="MOPS-3").request
    assert request.status == "closed"
    assert request.events.filter(to_status="closed").get().at == ny(2026, 3, 6, 12)
    assert Request.objects.count() == 3
    assert RequestEvent.objects.filter(request=request, transition="create").count() == 1


def test_request_changed_in_mops_is_not_overwritten(users, service):
    from intake.services import request_update

    start(upload(users["pm"]), users["pm"], dry_run=False)
    request = ImportedRequest.objects.get(source_id="MOPS-2").request
    request_update(request=request, actor=users["pm"], title="Renamed in mops")
    changed = JIRA.replace("Add a field", "Add a field v2")
    run = start(upload(users["pm"], changed), users["pm"], dry_run=False)
    assert (run.updated_count, run.skipped_count) == (0, 1)
    request.refresh_from_db()
    assert request.title == "Renamed in mops"


def test_row_errors_name_line_and_column_and_nothing_is_written(users, service):
    bad = JIRA + (
        "MOPS-1,Again,Done,2026-03-01,2026-03-02,pm,Launch a campaign,,\n"
        "MOPS-9,Teleport,Teleported,yesterday,,pm,Launch a campaign,,\n"
        "MOPS-10,Unknown type,Done,2026-03-01,,pm,Make coffee,,\n"
        "MOPS-11,Backwards,Done,2026-03-05,2026-03-01,pm,Launch a campaign,,\n"
    )
    run = start(upload(users["pm"], bad), users["pm"], dry_run=False)
    assert run.status == "failed"
    assert [e["message"] for e in run.errors] == [
        "Line 6: Issue key: MOPS-1 already appears on line 2",
        "Line 7: Status: unknown status 'Teleported'; map it to a lifecycle state",
        "Line 7: Created: 'yesterday' is not a date (use e.g. 2026-03-02 09:00)",
        "Line 8: Resolved: a closed request needs its end time",
        "Line 9: Resolved: is before Created (2026-03-05 00:00)",
    ]
    assert not Request.objects.exists()
    again = start(
        upload(users["pm"], JIRA + "MOPS-10,Unknown type,To Do,2026-03-01,,pm,Make coffee,,\n"),
        users["pm"],
        dry_run=True,
    )
    assert again.errors[0]["message"].startswith(
        "Line 6: Customer Request Type: 'Make coffee' is not mapped"
    )


def test_missing_required_column_is_a_mapping_error(users, service):
    run = upload(users["pm"], "Summary,Status\nx,Done\n")
    with pytest.raises(ValidationError) as exc:
        start(run, users["pm"], dry_run=True)
    assert set(exc.value.message_dict) == {"mapping.source_id", "mapping.created"}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (HEADER.encode() + b"\nMOPS-1,Caf\xe9,Done\n", "Line 2: byte 0xe9 is not UTF-8"),
        (b"", "The file is empty."),
        (HEADER.encode() + b"\n", "The file has a header but no rows."),
        (b"a,b,a\n1,2,3\n", "Line 1: the column 'a' appears twice"),
        (
            HEADER.encode() + b"\nMOPS-1,x,Done,2026-03-01,,,,,,extra,cells\n",
            "Line 2: has 11 cells",
        ),
    ],
)
def test_hostile_files_get_a_line_numbered_error(users, data, problem):
    with pytest.raises(ValidationError) as exc:
        upload(users["pm"], data)
    assert exc.value.message_dict["file"][0].startswith(problem)


def test_size_limit_is_a_clear_error(users, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        upload(users["pm"])
    assert "the limit is 100 bytes" in exc.value.message_dict["file"][0]


def test_bom_and_semicolons_are_read(users, service):
    text = "\ufeff" + JIRA.replace(",", ";").replace('"Two lines;\nof brief"', "brief")
    run = start(
        upload(users["pm"], text.replace("=HYPERLINK", "HYPERLINK")), users["pm"], dry_run=True
    )
    assert run.mapping["source_id"] == "Issue key"
    assert (run.created_count, run.error_count) == (3, 0)


def test_asana_export_with_day_first_dates(users, service):
    text = (
        "Task ID,Created At,Completed At,Name,Section/Column,Assignee Email,Notes,Tags\n"
        "1201,03/02/2026,05/02/2026,Webinar invite,Done,engineer,Invite,webinar\n"
    )
    run = upload(users["pm"], text)
    assert run.system == "asana"
    run = start(
        run,
        users["pm"],
        dry_run=False,
        options={
            "default_service": "launch-a-campaign",
            "dayfirst": True,
            "time_zone": "America/New_York",
        },
    )
    assert run.status == "done", run.errors
    request = ImportedRequest.objects.get(system="asana", source_id="1201").request
    assert request.submitted_at == ny(2026, 2, 3)
    assert request.closed_at == ny(2026, 2, 5)
    assert request.assignee == users["engineer"]


def test_only_pms_and_admins_import(users):
    with pytest.raises(PermissionDenied):
        upload(users["engineer"])


def test_large_files_run_in_the_worker(
    users, service, settings, django_capture_on_commit_callbacks
):
    from intake.tasks import import_run

    settings.IMPORT_SYNC_ROWS = 1
    with django_capture_on_commit_callbacks() as queued:
        run = start(upload(users["pm"]), users["pm"], dry_run=False)
    assert (run.status, len(queued)) == ("queued", 1)
    assert import_run.run(run.pk) == "done"  # what the worker runs
    run.refresh_from_db()
    assert (run.status, run.created_count, run.rows_done) == ("done", 3, 3)


# --- API ----------------------------------------------------------------------------------


def _post(client, text: str = JIRA, **data):
    file = io.BytesIO(text.encode())
    file.name = "jira.csv"
    return client.post("/api/v1/request-imports/", {"file": file, **data}, format="multipart")


def test_api_import_and_status(api_for, users, service):
    client = api_for("pm")
    dry = _post(client)
    assert dry.status_code == 201, dry.content
    assert (dry.json()["status"], dry.json()["created_count"]) == ("checked", 3)
    run_id = dry.json()["id"]
    real = client.post(f"/api/v1/request-imports/{run_id}/run/", {"dry_run": False}, format="json")
    assert real.status_code == 201
    status = client.get(f"/api/v1/request-imports/{run_id}/").json()
    assert (status["status"], status["rows_done"], status["rows_total"]) == ("done", 3, 3)


def test_api_errors_name_field_and_line(api_for, users, service):
    client = api_for("pm")
    rows = _post(
        client, JIRA + "MOPS-9,x,Teleported,2026-03-01,,pm,Launch a campaign,,\n", dry_run="false"
    )
    assert rows.status_code == 422
    assert rows.json()["errors"] == [
        {
            "field": "Status",
            "code": "invalid_row",
            "line": 6,
            "message": "Line 6: Status: unknown status 'Teleported'; map it to a lifecycle state",
        }
    ]
    mapping = _post(client, mapping='{"source_id": "Nope"}')
    assert mapping.status_code == 400
    fields = {e["field"] for e in mapping.json()["errors"]}
    assert {"mapping.source_id", "mapping.title"} <= fields
    not_json = _post(client, statuses="{")
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["field"] == "statuses"


@pytest.mark.parametrize("zone", ["America", "a" * 300])
def test_api_time_zone_that_is_a_directory_or_too_long_is_a_400(api_for, users, service, zone):
    response = _post(api_for("pm"), options=f'{{"time_zone": "{zone}"}}')
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "options.time_zone"


def test_api_refuses_other_roles(api_for, users):
    assert _post(api_for("engineer")).status_code == 403
    assert api_for("requester").get("/api/v1/request-imports/").status_code == 403


# --- pages --------------------------------------------------------------------------------


def test_pages_upload_map_dry_run_and_import(client_for, users, service):
    client = client_for("pm")
    backlog = client.get(reverse("intake:request_list"))
    assert reverse("intake:import_list").encode() in backlog.content
    file = io.BytesIO(JIRA.encode())
    file.name = "jira.csv"
    response = client.post(reverse("intake:import_list"), {"file": file})
    run = ImportRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    page = client.get(run.get_absolute_url())
    assert b'data-testid="import-mapping"' in page.content
    form = {f"map_{k}": v for k, v in run.mapping.items()} | {
        "status_count": "0",
        "service_count": "0",
        "time_zone": "America/New_York",
    }
    client.post(run.get_absolute_url(), form | {"action": "dry_run"})
    run.refresh_from_db()
    assert (run.status, run.created_count) == ("checked", 3)
    client.post(run.get_absolute_url(), form | {"action": "import"})
    page = client.get(run.get_absolute_url())
    assert b'data-testid="imported-requests"' in page.content
    assert b"Spring launch" in page.content
    progress = client.get(reverse("intake:import_progress", args=[run.pk]))
    assert b'value="100"' in progress.content


def test_requesters_do_not_see_the_import(client_for, users):
    client = client_for("requester")
    assert client.get(reverse("intake:import_list")).status_code == 403
    assert (
        reverse("intake:import_list").encode()
        not in client.get(reverse("intake:request_list")).content
    )


def test_api_oversized_upload_names_the_limit(api_for, users, settings):
    settings.UPLOAD_MAX_BYTES = 100  # the kernel's handler keeps nothing past it
    response = _post(api_for("pm"))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    assert "the limit is 100 bytes" in response.json()["errors"][0]["message"]


def test_a_failure_while_writing_leaves_nothing_and_says_why(users, service, monkeypatch):
    from django.db import IntegrityError

    def clash(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(ImportedRequest.objects, "bulk_create", clash)
    run = start(upload(users["pm"]), users["pm"], dry_run=False)
    assert run.status == "failed"
    assert "another import wrote some of these rows" in run.errors[0]["message"]
    assert not Request.objects.exists()
