"""Metrics over an imported Jira history equal hand-worked values (#21).

Six requests imported with their original times on a New York calendar (Mon–Fri 9–17, US
holidays; triage target 4 business hours, delivery 40 for the standard class). Every figure
below is worked out by hand from the file, not read back from the code:

| key    | status      | created (NY)   | accepted       | live           | triage      | TTC (business) |
|--------|-------------|----------------|----------------|----------------|-------------|----------------|
| MOPS-1 | Done        | Mon 2 Feb 9:00 | Mon 2 Feb 11:00| Mon 9 Feb 10:00| 2 h, met    | 39 h (4.875 d) |
| MOPS-2 | Done        | Fri 6 Feb 16:00| Mon 9 Feb 13:00| Fri 13 Feb 13:00| 1+4 = 5 h, missed | 32 h (4 d) |
| MOPS-3 | Done        | Fri 13 Feb 9:00| Fri 13 Feb 10:00| Wed 18 Feb 10:00| 1 h, met  | 7 + 0 (Presidents' Day) + 8 + 1 = 16 h (2 d) |
| MOPS-4 | Declined    | Tue 3 Feb 9:00 | (rejected 15:00)| —             | 6 h, missed | —              |
| MOPS-5 | In Progress | Wed 7 Jan 9:00 | Wed 7 Jan 10:00| —              | 1 h, met (January) | —       |
| MOPS-6 | Waiting for support | Fri 20 Feb 9:00 | — | —             | —           | —              |

February: TTC median 4 business days (of 2, 4, 4.875); triage adherence 2 of 4 triaged in
February = 50 %; delivery adherence 3 of 3 = 100 %. Backlog aging at the end of February
(1 March 00:00): open then are MOPS-5 (submitted 53 days before) and MOPS-6 (9 days) → 1 of
2 older than 14 days = 50 %.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from intake.imports import services as imports
from intake.imports.models import ImportedRequest
from metrics.facts import request_facts_refresh_stale
from metrics.filters import MetricFilters
from metrics.models import RequestFact
from metrics.selectors import backlog_aging, request_figures
from tests.catalog.published import launch_a_campaign

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")
H = 3600

CSV = """Issue key,Summary,Status,Created,Custom field (Accepted),Custom field (Go-live date),Resolved,Customer Request Type
MOPS-1,Spring launch,Done,2026-02-02 09:00,2026-02-02 11:00,2026-02-09 10:00,2026-02-10 10:00,Launch a campaign
MOPS-2,Friday request,Done,2026-02-06 16:00,2026-02-09 13:00,2026-02-13 13:00,2026-02-13 15:00,Launch a campaign
MOPS-3,Across the holiday,Done,2026-02-13 09:00,2026-02-13 10:00,2026-02-18 10:00,2026-02-18 12:00,Launch a campaign
MOPS-4,Declined one,Declined,2026-02-03 09:00,2026-02-03 15:00,,2026-02-03 15:00,Launch a campaign
MOPS-5,Long build,In Progress,2026-01-07 09:00,2026-01-07 10:00,,,Launch a campaign
MOPS-6,Waiting,Waiting for support,2026-02-20 09:00,,,,Launch a campaign
"""


@pytest.fixture
def service(users, policy):
    """The shared New York calendar and Standard policy (tests/conftest.py) under one
    published service."""
    notes = [{"key": "notes", "label": "Notes", "type": "long_text"}]
    return launch_a_campaign(actor=users["admin"], sla_policy=policy, input_definition=notes)


@pytest.fixture
def imported(users, service):
    run = imports.import_run_create(actor=users["pm"], filename="jira.csv", data=CSV.encode())
    assert run.mapping["triaged"] == "Custom field (Accepted)"
    assert run.mapping["live"] == "Custom field (Go-live date)"
    run = imports.import_run_start(
        run=run,
        actor=users["pm"],
        dry_run=False,
        statuses={"Declined": "rejected", "Done": "closed"},
        options={"time_zone": "America/New_York"},
    )
    assert run.status == "done", run.errors
    request_facts_refresh_stale()  # the hourly refresh (metrics' hook does it after commit too)
    return {
        link.source_id: RequestFact.objects.get(request=link.request)
        for link in ImportedRequest.objects.select_related("request")
        if RequestFact.objects.filter(request=link.request).exists()
    }


def test_facts_of_each_imported_request(imported):
    f = imported
    assert (f["MOPS-1"].triage_business_seconds, f["MOPS-1"].triage_met) == (2 * H, True)
    assert (f["MOPS-2"].triage_business_seconds, f["MOPS-2"].triage_met) == (5 * H, False)
    assert (f["MOPS-3"].triage_business_seconds, f["MOPS-3"].triage_met) == (1 * H, True)
    assert (f["MOPS-4"].triage_business_seconds, f["MOPS-4"].triage_met) == (6 * H, False)
    assert f["MOPS-1"].ttc_business_seconds == 39 * H
    assert f["MOPS-1"].ttc_calendar_seconds == int(timedelta(days=7, hours=-1).total_seconds())
    assert f["MOPS-2"].ttc_business_seconds == 32 * H
    assert f["MOPS-3"].ttc_business_seconds == 16 * H  # Presidents' Day 16 Feb is closed
    assert [f[k].delivery_met for k in ("MOPS-1", "MOPS-2", "MOPS-3")] == [True, True, True]
    assert f["MOPS-4"].ttc_business_seconds is None
    assert f["MOPS-5"].live_at is None and f["MOPS-5"].ended_at is None
    assert f["MOPS-6"].triaged_at is None
    assert f["MOPS-1"].submitted_at == datetime(2026, 2, 2, 9, tzinfo=NY)


def test_february_figures(imported):
    february = MetricFilters(period="month", start=date(2026, 2, 1), end=date(2026, 2, 28))
    figures = request_figures(["ttc", "triage_sla", "delivery_sla"], february)
    assert figures["ttc"].current.value == pytest.approx(4.0)
    assert figures["ttc"].current.count == 3
    assert (figures["triage_sla"].current.value, figures["triage_sla"].current.count) == (50.0, 4)
    assert figures["delivery_sla"].current.value == 100.0
    aging = backlog_aging(february).current
    assert (aging.value, aging.count) == (50.0, 2)


def test_facts_are_refreshed_when_the_import_commits(
    users, service, django_capture_on_commit_callbacks
):
    run = imports.import_run_create(actor=users["pm"], filename="jira.csv", data=CSV.encode())
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_run_start(
            run=run, actor=users["pm"], dry_run=False, statuses={"Declined": "rejected"}
        )
    assert RequestFact.objects.count() == 6  # every submitted request, with no hourly refresh
