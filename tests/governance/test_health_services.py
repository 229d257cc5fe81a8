"""Check runs stored from the engine: results, scores, samples, incidents, no overlap,
errors recorded with their reason; contracts versioned, YAML round trip."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.health.demo_warehouse import PLANTED
from governance.health.services import (
    RunInProgress,
    contract_import_yaml,
    contract_save,
    dataset_run_checks,
    incident_acknowledge,
    incident_escalate_sweep,
    incident_resolve,
    warehouse_save,
)
from governance.health.views.datasets import contract_yaml
from governance.models import CheckRun, Dataset, Incident, IncidentStatus, Warehouse
from mops.notify.models import Notification


def test_run_stores_results_scores_and_masked_samples(health):
    leads = health["datasets"]["leads"]
    run = dataset_run_checks(dataset_id=leads.pk)
    assert run.status == "fail"
    results = {r.key: r for r in run.results.all()}
    for key, count in PLANTED["leads"].items():
        assert results[key].count == count, key
    missing = results["missing:email"]
    assert missing.status == "warn" and missing.semantics.startswith("Missing = NULL")
    assert missing.sample is None  # samples only for failing checks
    dupes = results["duplicates_normalised:email"]
    assert dupes.status == "fail" and dupes.sample and len(dupes.sample) <= 20
    emails = [row["email"] for row in dupes.sample]
    assert all("***" in e for e in emails if e), emails  # PII masked
    assert run.score_completeness is not None and 0 < run.score_completeness < 100
    leads.refresh_from_db()
    assert leads.last_run_id == run.pk and leads.running_since is None


def test_failing_checks_open_one_incident_each_and_reruns_do_not_duplicate(health):
    leads = health["datasets"]["leads"]
    dataset_run_checks(dataset_id=leads.pk)
    first = Incident.objects.filter(dataset=leads).count()
    assert first >= 1
    dataset_run_checks(dataset_id=leads.pk)
    assert Incident.objects.filter(dataset=leads).count() == first
    incident = Incident.objects.get(source_key=f"check:{leads.pk}:duplicates_normalised:email")
    assert incident.occurrences == 2
    assert incident.runbook.slug == "identity-stitching"
    assert incident.assignee == health["rotation"].members.get(position=0).user
    assert Notification.objects.filter(
        user=incident.assignee, url=incident.get_absolute_url()
    ).exists()


def test_a_check_that_passes_again_resolves_its_incident(health):
    leads = health["datasets"]["leads"]
    dataset_run_checks(dataset_id=leads.pk)
    incident = Incident.objects.get(source_key=f"check:{leads.pk}:rule:sql_needs_sql_date")
    spec = dict(leads.contract.spec)
    spec["thresholds"] = {"rule:sql_needs_sql_date": {"warn": 0, "fail": 90}}
    contract_save(dataset=leads, actor=health["admin"], spec=spec)
    dataset_run_checks(dataset_id=leads.pk)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.resolved_by is None


def test_second_run_of_the_same_dataset_is_refused_while_one_holds_the_claim(health):
    leads = health["datasets"]["leads"]
    Dataset.objects.filter(pk=leads.pk).update(running_since=timezone.now())
    with pytest.raises(RunInProgress):
        dataset_run_checks(dataset_id=leads.pk)
    assert not CheckRun.objects.filter(dataset=leads).exists()


def test_unreachable_database_is_recorded_as_an_error_with_the_reason(health, users):
    broken = warehouse_save(
        actor=users["admin"], name="Gone", dsn="postgresql://nobody@127.0.0.1:1/nowhere"
    )
    leads = health["datasets"]["leads"]
    Dataset.objects.filter(pk=leads.pk).update(warehouse=broken)
    run = dataset_run_checks(dataset_id=leads.pk)
    assert run.status == "error"
    assert "unreachable" in run.error.lower()
    incident = Incident.objects.get(source_key=f"run:{leads.pk}")
    assert incident.source == Incident.Source.RUN
    assert Warehouse.objects.get(pk=broken.pk).dsn.startswith("postgresql://")


def test_statement_timeout_is_recorded_as_an_error(health, users):
    tight = warehouse_save(
        actor=users["admin"], name="Tight", dsn=health["warehouse"].dsn, statement_timeout_ms=100
    )
    leads = health["datasets"]["leads"]
    spec = dict(leads.contract.spec)
    spec["custom_metrics"] = [{"name": "slow", "sql": "SELECT 1 FROM pg_sleep(0.5)"}]
    contract_save(dataset=leads, actor=users["admin"], spec=spec)
    Dataset.objects.filter(pk=leads.pk).update(warehouse=tight)
    run = dataset_run_checks(dataset_id=leads.pk)
    assert run.status == "error"
    assert "timed out" in run.error


def test_missing_table_is_an_error_run(health, users):
    from governance.health.services import dataset_save

    ds = dataset_save(
        actor=users["admin"], warehouse=health["warehouse"], schema="demo_warehouse", table="nope"
    )
    contract_save(
        dataset=ds, actor=users["admin"], spec={"schema": "demo_warehouse", "table": "nope"}
    )
    run = dataset_run_checks(dataset_id=ds.pk)
    assert run.status == "error" and "not found" in run.error


def test_contract_versions_and_stale_edit(health, users):
    leads = health["datasets"]["leads"]
    assert leads.contract.version == 1
    contract_save(dataset=leads, actor=users["admin"], spec=leads.contract.spec, expected_version=1)
    leads.refresh_from_db()
    assert leads.contract.version == 2 and leads.contract.history.count() == 2
    from governance.rfc.services import StaleVersion

    with pytest.raises(StaleVersion):
        contract_save(
            dataset=leads, actor=users["admin"], spec=leads.contract.spec, expected_version=1
        )
    with pytest.raises(PermissionDenied):
        contract_save(dataset=leads, actor=users["engineer"], spec=leads.contract.spec)


def test_contract_yaml_round_trip_is_exact(health, users):
    leads = Dataset.objects.select_related("contract", "owner", "warehouse").get(
        pk=health["datasets"]["leads"].pk
    )
    text = contract_yaml(leads)
    assert "apiVersion: v3.0.0" in text and "kind: DataContract" in text
    before = leads.contract.spec
    contract_import_yaml(dataset=leads, actor=users["admin"], text=text)
    leads.contract.refresh_from_db()
    assert leads.contract.spec == before
    assert leads.contract.version == 2


def test_invalid_yaml_gets_line_numbered_errors(health, users):
    leads = health["datasets"]["leads"]
    with pytest.raises(ValidationError) as syntax:
        contract_import_yaml(dataset=leads, actor=users["admin"], text="a: [1,\nb: 2\n")
    assert "line" in str(syntax.value)
    text = contract_yaml(Dataset.objects.get(pk=leads.pk)).replace(
        "logicalType: integer", "logicalType: tinyint", 1
    )
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "tinyint" in t)
    with pytest.raises(ValidationError) as bad:
        contract_import_yaml(dataset=leads, actor=users["admin"], text=text)
    assert f"line {line}:" in str(bad.value)


def test_contract_must_describe_its_own_table(health, users):
    leads = health["datasets"]["leads"]
    with pytest.raises(ValidationError):
        contract_save(dataset=leads, actor=users["admin"], spec={"schema": "x", "table": "y"})


def test_acknowledge_and_resolve_are_idempotent_and_role_checked(health, users):
    from mops.core.lifecycle import TransitionError

    dataset_run_checks(dataset_id=health["datasets"]["leads"].pk)
    incident = Incident.objects.filter(status="open").first()
    with pytest.raises(TransitionError):
        incident_acknowledge(incident=incident, actor=users["requester"])
    incident = incident_acknowledge(incident=incident, actor=users["engineer"])
    again = incident_acknowledge(incident=incident, actor=users["pm"])
    assert again.acknowledged_by == users["engineer"]
    resolved = incident_resolve(incident=incident, actor=users["engineer"], note="fixed")
    assert resolved.status == "resolved" and resolved.resolved_at >= resolved.acknowledged_at
    assert (
        incident_resolve(incident=incident, actor=users["engineer"]).resolved_at
        == resolved.resolved_at
    )


def test_unacknowledged_incident_escalates_to_the_next_person(health, users):
    from datetime import timedelta

    dataset_run_checks(dataset_id=health["datasets"]["leads"].pk)
    incident = Incident.objects.filter(status="open").order_by("id").first()
    assert incident_escalate_sweep(now=incident.opened_at + timedelta(minutes=5)) == 0
    escalated = incident_escalate_sweep(now=incident.opened_at + timedelta(minutes=16))
    assert escalated >= 1
    incident.refresh_from_db()
    assert incident.escalation_level == 1
    assert Notification.objects.filter(user=users["pm"], url=incident.get_absolute_url()).exists()
    # not again until another wait has passed
    assert incident_escalate_sweep(now=incident.opened_at + timedelta(minutes=17)) == 0


def test_escalation_stops_once_everyone_on_the_rotation_was_alerted(health):
    from datetime import timedelta

    dataset_run_checks(dataset_id=health["datasets"]["leads"].pk)
    incident = Incident.objects.filter(status="open").order_by("id").first()
    opened = incident.opened_at
    incident_escalate_sweep(now=opened + timedelta(minutes=16))
    incident_escalate_sweep(now=opened + timedelta(minutes=40))  # 2 members: nobody left
    incident.refresh_from_db()
    assert incident.escalation_level == 1


def test_volume_drop_against_the_datasets_own_history_opens_an_anomaly_incident(health):
    from datetime import timedelta

    from governance.models import CheckResult

    leads = health["datasets"]["leads"]
    now = timezone.now()
    for day in range(1, 15):  # two weeks of ~10,000 rows a day
        past = CheckRun.objects.create(
            dataset=leads, status="pass", started_at=now - timedelta(days=day)
        )
        CheckResult.objects.create(
            run=past,
            key="volume",
            kind="volume",
            dimension="volume",
            status="pass",
            count=10_000 + day * 7,
        )
        CheckResult.objects.create(
            run=past,
            key="freshness",
            kind="freshness",
            dimension="timeliness",
            status="pass",
            value=2.0 + day % 3 * 0.1,
        )
    run = dataset_run_checks(dataset_id=leads.pk)  # the demo table holds ~2,000 rows
    anomaly = Incident.objects.get(source_key=f"anomaly:{leads.pk}:volume")
    assert anomaly.source == Incident.Source.ANOMALY and anomaly.run_id == run.pk
    assert "volume" in anomaly.summary and "anomaly" in anomaly.runbook.failure_modes
    assert not Incident.objects.filter(source_key=f"anomaly:{leads.pk}:freshness").exists()


def test_a_deleted_datasets_scheduled_run_is_dropped(health):
    with pytest.raises(Dataset.DoesNotExist):
        dataset_run_checks(dataset_id=987654)
