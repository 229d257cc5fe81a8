"""The "Are we high-performing yet?" verdicts, from hand-made evidence and from live data."""

import pytest

from metrics.checklist import MET, MISSING, PARTIAL, Evidence, checklist_evaluate, checklist_items


def by_key(evidence):
    return {i.key: i for i in checklist_items(evidence)}


def test_an_empty_installation_misses_everything_and_says_why():
    items = by_key(Evidence())
    assert {i.status for i in items.values()} == {MISSING}
    assert any("not tracked" in m for m in items["monitoring"].missing)
    assert any("No request" in m for m in items["intake_tracked"].missing)


def test_a_healthy_team_meets_every_item():
    items = by_key(
        Evidence(
            submitted=40,
            services_used=5,
            launches=20,
            launches_with_ttc=20,
            triage_decided=38,
            launches_with_template=18,
            launches_via_train=19,
            self_serve_services=4,
            self_serve_launches=6,
            taxonomy_published=True,
            contracts_published=2,
            datasets_scheduled=2,
            health_checks_recent=14,
            monitors_alerting=3,
            attribution_coverage=93.5,
        )  # fmt: skip
    )
    assert {k: i.status for k, i in items.items()} == dict.fromkeys(items, MET)
    assert items["templates_trains"].evidence[0].startswith("18 of 20 launch(es)")


def test_partial_items_list_what_is_missing():
    items = by_key(
        Evidence(
            submitted=10,
            launches=4,
            launches_with_ttc=3,
            triage_decided=5,
            launches_with_template=1,
            attribution_coverage=85.0,
            self_serve_services=1,
        )  # fmt: skip
    )
    assert items["intake_tracked"].status == PARTIAL
    assert "1 launch(es) have no acceptance, so no TTC." in items["intake_tracked"].missing
    assert items["attribution"].status == PARTIAL and items["attribution"].missing == ["Below 90%."]
    assert items["templates_trains"].status == PARTIAL


@pytest.mark.django_db
def test_live_evaluation_reads_the_history(history):
    # the history is from 2025: nothing in the last 90 days, two services, one self-serve
    items = {i.key: i for i in checklist_evaluate()}
    assert len(items) == 6
    assert items["self_serve"].evidence[0].startswith("1 active self-serve service")
