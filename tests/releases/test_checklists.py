"""QA checklists: instantiation from templates, versioning, evidence rules, and the
automated pre-flight runs (what the worker does) on fixture e-mails and a local server."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from mops.core.concurrency import StaleVersion
from releases.qa import services as qa_services
from releases.qa.models import ChecklistRun, ItemResult, ItemState, PreflightStatus, RunStatus

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def templates(users):
    admin = users["admin"]
    email = qa_services.checklist_template_create(
        actor=admin,
        name="E-mail pre-flight",
        slug="email-pre",
        channel="email",
        items=[
            {"text": "HTML checks pass", "automated_check": "email_html"},
            {"text": "Proof of seed test", "evidence": "file"},
            {"text": "Brand approval", "evidence": "link"},
            {"text": "Nice to have", "required": False},
        ],
    )
    qa_services.checklist_template_create(
        actor=admin,
        name="New campaign",
        slug="new-campaign",
        change_type="new_campaign",
        items=[{"text": "CRM campaign exists"}],
    )
    qa_services.checklist_template_create(
        actor=admin,
        name="Schema change",
        slug="schema",
        change_type="schema_change",
        items=[{"text": "RFC approved"}],
    )
    return email


def test_matching_templates_are_instantiated_once(users, templates, make_request):
    request = make_request(["email"], "new_campaign")
    runs = qa_services.checklists_instantiate(request=request)
    assert sorted(r.template_version.template.slug for r in runs) == ["email-pre", "new-campaign"]
    assert qa_services.checklists_instantiate(request=request) == []
    assert ItemResult.objects.filter(run__request=request).count() == 5


def test_a_new_version_does_not_change_existing_runs(users, templates, make_request):
    request = make_request()
    qa_services.checklists_instantiate(request=request)
    version = qa_services.checklist_template_publish(
        template=templates,
        actor=users["pm"],
        items=[{"text": "Only this now"}],
        changelog="Simplified",
    )
    assert version.number == 2
    run = ChecklistRun.objects.get(request=request, template_version__template=templates)
    assert run.template_version.number == 1
    later = make_request(title="Later")
    qa_services.checklists_instantiate(request=later)
    assert (
        ChecklistRun.objects.get(
            request=later, template_version__template=templates
        ).template_version.number
        == 2
    )


def test_evidence_is_required_to_pass_an_item(users, templates, make_request):
    request = make_request()
    qa_services.checklists_instantiate(request=request)
    link_item = ItemResult.objects.get(run__request=request, item__evidence="link")
    with pytest.raises(ValidationError) as error:
        qa_services.item_result_record(result=link_item, actor=users["engineer"], state="passed")
    assert "evidence_link" in error.value.message_dict
    qa_services.item_result_record(
        result=link_item,
        actor=users["engineer"],
        state="passed",
        evidence_link="https://brand.example.com/approval/1",
    )
    file_item = ItemResult.objects.get(run__request=request, item__evidence="file")
    qa_services.item_result_record(
        result=file_item,
        actor=users["engineer"],
        state="passed",
        evidence_file=SimpleUploadedFile(
            "seed.png", b"\x89PNG\r\n\x1a\n...", content_type="image/png"
        ),
    )
    file_item.refresh_from_db()
    # Stored under a random name (no user text in the path); the given name is kept apart.
    assert file_item.evidence_file.name.startswith("releases/evidence/")
    assert file_item.evidence_file.name.endswith(".png")
    assert file_item.evidence_filename == "seed.png"


def test_required_items_cannot_be_skipped_and_automated_ones_are_not_ticked_by_hand(
    users, templates, make_request
):
    request = make_request()
    qa_services.checklists_instantiate(request=request)
    required = ItemResult.objects.get(run__request=request, item__text="Brand approval")
    with pytest.raises(ValidationError, match="cannot be marked not applicable"):
        qa_services.item_result_record(result=required, actor=users["engineer"], state="n_a")
    automated = ItemResult.objects.get(run__request=request, item__automated_check="email_html")
    with pytest.raises(ValidationError, match="automated check"):
        qa_services.item_result_record(result=automated, actor=users["engineer"], state="passed")


def test_stale_tick_is_refused(users, templates, make_request):
    request = make_request()
    qa_services.checklists_instantiate(request=request)
    item = ItemResult.objects.get(run__request=request, item__text="Nice to have")
    qa_services.item_result_record(result=item, actor=users["engineer"], state="n_a")
    with pytest.raises(StaleVersion):
        qa_services.item_result_record(
            result=item, actor=users["engineer"], state="passed", expected_version=1
        )


def _run(request, actor, check, **kwargs):
    run = qa_services.preflight_start(request=request, actor=actor, check=check, **kwargs)
    return qa_services.preflight_execute(run_id=run.pk)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("img_without_alt.html", "email.img_alt"),
        ("insecure_link.html", "email.insecure_link"),
        ("no_preheader.html", "email.preheader"),
        ("no_unsubscribe.html", "email.unsubscribe"),
        ("unbalanced_merge_tag.html", "email.merge_tags"),
    ],
)
def test_email_html_run_finds_each_planted_fault(users, make_request, fixture, expected):
    html = (FIXTURES / fixture).read_text()
    run = _run(make_request(), users["engineer"], "email_html", html=html)
    assert expected in {f["check"] for f in run.findings}
    assert all(f["where"] for f in run.findings)


def test_good_email_passes_and_passes_its_checklist_item(users, templates, make_request):
    request = make_request()
    qa_services.checklists_instantiate(request=request)
    item = ItemResult.objects.get(run__request=request, item__automated_check="email_html")
    html = (FIXTURES / "good.html").read_text()
    run = _run(request, users["engineer"], "email_html", html=html, item_result=item)
    assert run.status == PreflightStatus.PASSED, run.findings
    item.refresh_from_db()
    assert item.state == ItemState.PASSED
    assert item.run.status == RunStatus.OPEN  # other items still open


def test_oversized_email_fails_the_size_rule(users, make_request):
    html = (
        (FIXTURES / "good.html")
        .read_text()
        .replace("</body>", "<p>" + "x" * 110_000 + "</p></body>")
    )
    run = _run(make_request(), users["engineer"], "email_html", html=html)
    assert "email.size" in {f["check"] for f in run.failures}


def test_tracking_run_reports_bad_utms(users, make_request):
    run = _run(
        make_request(),
        users["engineer"],
        "tracking",
        urls=["https://example.com/?utm_source=News&utm_medium=email&utm_campaign=spring"],
    )
    assert run.status == PreflightStatus.FAILED
    assert run.findings[0]["where"].startswith("https://example.com/")


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # type: ignore[no-untyped-def]
        pass


@pytest.fixture
def site():
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # type: ignore[no-untyped-def]
            pass

        def do_HEAD(self):  # type: ignore[no-untyped-def]
            self.answer()

        def do_GET(self):  # type: ignore[no-untyped-def]
            self.answer()

        def answer(self):  # type: ignore[no-untyped-def]
            if self.path == "/hang":
                release.wait(5)
            status, location = {"/ok": (200, ""), "/moved": (301, "/ok"), "/hang": (200, "")}.get(
                self.path, (404, "")
            )
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = _Quiet(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    release.set()
    server.shutdown()
    server.server_close()


def test_link_run_against_a_local_server(users, make_request, site, settings):
    settings.MOPS_OUTBOUND_ALLOWLIST = ["127.0.0.1"]
    settings.RELEASES_LINKCHECK_TIMEOUT = 0.5
    urls = [f"{site}/ok", f"{site}/moved", f"{site}/missing", f"{site}/hang"]
    run = _run(make_request(), users["engineer"], "links", urls=urls)
    by_url = {f["where"]: f["check"] for f in run.findings}
    assert f"{site}/ok" not in by_url
    assert by_url[f"{site}/moved"] == "links.redirect"
    assert by_url[f"{site}/missing"] == "links.broken"
    assert by_url[f"{site}/hang"] == "links.timeout"
    assert run.status == PreflightStatus.FAILED
    assert [link["status"] for link in run.details["links"]][:2] == [200, 200]


def test_private_addresses_are_refused_without_an_allow_list(users, make_request, site, settings):
    settings.MOPS_OUTBOUND_ALLOWLIST = []
    run = _run(make_request(), users["engineer"], "links", urls=[f"{site}/ok"])
    assert run.findings[0]["check"] == "links.refused"


def test_a_run_is_executed_once(users, make_request):
    run = qa_services.preflight_start(
        request=make_request(),
        actor=users["engineer"],
        check="tracking",
        urls=["https://a.example/"],
    )
    assert qa_services.preflight_execute(run_id=run.pk) is not None
    assert qa_services.preflight_execute(run_id=run.pk) is None
