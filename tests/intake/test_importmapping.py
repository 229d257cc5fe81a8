"""The import's pure core: Jira/Asana header detection, status mapping, dates, line-numbered
errors and the history each row becomes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from intake.importmapping import (
    PATHS,
    STATES,
    detect_mapping,
    detect_system,
    history,
    parse_date,
    parse_rows,
)
from mops.core.tabular import read_csv

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 6, 1, tzinfo=UTC)
JIRA = (
    "Summary,Issue key,Status,Created,Resolved,Reporter,Request Type\n"
    "Spring launch,MOPS-1,Done,02/Mar/26 9:00 AM,05/Mar/26 2:30 PM,ann@example.com,Launch\n"
    "Add a field,MOPS-2,Waiting for customer,2026-03-03 10:00,,bob@example.com,Add a field\n"
)


def parse(text: str, **kw):
    table = read_csv(text)
    mapping = detect_mapping(headers=table.headers, system=detect_system(table.headers))
    return parse_rows(rows=table.rows, mapping=mapping, tz=NY, now=NOW, **kw)


def test_jira_headers_map_to_mops_fields() -> None:
    mapping = detect_mapping(headers=["Summary", "Issue key", "Status", "Created"], system="jira")
    assert mapping == {
        "source_id": "Issue key",
        "title": "Summary",
        "status": "Status",
        "created": "Created",
    }


def test_asana_headers_map_to_mops_fields() -> None:
    headers = ["Task ID", "Name", "Created At", "Completed At", "Notes", "Section/Column"]
    assert detect_system(headers) == "asana"
    mapping = detect_mapping(headers=headers, system="asana")
    assert (mapping["source_id"], mapping["resolved"], mapping["status"]) == (
        "Task ID",
        "Completed At",
        "Section/Column",
    )


def test_jira_rows_parse_with_statuses_and_original_times() -> None:
    parsed = parse(JIRA)
    assert parsed.errors == []
    first, second = parsed.rows
    assert (first.status, first.times["created"], first.times["resolved"]) == (
        "closed",
        datetime(2026, 3, 2, 9, tzinfo=NY),
        datetime(2026, 3, 5, 14, 30, tzinfo=NY),
    )
    assert (second.status, second.times.get("resolved")) == ("needs_info", None)


def test_errors_name_line_and_column() -> None:
    text = JIRA + "Bad,MOPS-1,Teleported,yesterday,,x,y\n"
    assert [str(e) for e in parse(text).errors] == [
        "Line 4: Issue key: MOPS-1 already appears on line 2",
        "Line 4: Status: unknown status 'Teleported'; map it to a lifecycle state",
        "Line 4: Created: 'yesterday' is not a date (use e.g. 2026-03-02 09:00)",
    ]


def test_missing_required_column_is_reported_on_the_header_row() -> None:
    assert [str(e) for e in parse("Summary,Status\nx,Done\n").errors] == [
        "Line 1: Source id (Issue key / Task ID): no column is mapped to it",
        "Line 1: Created: no column is mapped to it",
    ]


def test_future_and_partial_dates_are_refused() -> None:
    text = JIRA.replace("2026-03-03 10:00", "2027-01-01") + "Only a day,MOPS-3,Open,12,,,\n"
    assert [str(e) for e in parse(text).errors] == [
        "Line 3: Created: '2027-01-01' is in the future",
        "Line 4: Created: '12' is not a date (use e.g. 2026-03-02 09:00)",
    ]


def test_dates_in_several_formats() -> None:
    expected = datetime(2026, 3, 2, 9, tzinfo=NY)
    for text in ("2026-03-02 09:00", "02/Mar/26 9:00 AM", "Mar 2, 2026 9:00 AM", "03/02/2026 9:00"):
        assert parse_date(text, tz=NY) == expected, text
    assert parse_date("02/03/2026 9:00", tz=NY, dayfirst=True) == expected
    assert parse_date("2026-03-02T14:00:00Z", tz=NY) == expected.astimezone(UTC)


def test_an_ending_status_needs_its_end_time() -> None:
    text = "Issue key,Summary,Status,Created\nM-1,x,Done,2026-03-01\n"
    assert [str(e) for e in parse(text).errors] == [
        "Line 2: resolved: a closed request needs its end time"
    ]


@given(st.sampled_from(STATES))
def test_every_path_is_a_walk_of_the_lifecycle(state: str) -> None:
    from intake.models import REQUEST_LIFECYCLE

    at = datetime(2026, 3, 2, tzinfo=NY)
    steps = history(state, {"created": at, "resolved": at})
    assert steps[-1].to_status == state
    for step in steps[1:]:
        transition = REQUEST_LIFECYCLE.get(step.transition)
        assert step.from_status in transition.sources and transition.target == step.to_status
    assert len(PATHS) == len(STATES)
