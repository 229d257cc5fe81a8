"""The import's pure core: Jira/Asana header detection, status mapping, line-numbered errors."""

from intake.importmapping import detect_mapping, parse_csv

JIRA = (
    "Summary,Issue key,Status,Created,Resolved,Reporter,Request Type\n"
    "Spring launch,MOPS-1,Done,02/Mar/26 9:00 AM,05/Mar/26 2:30 PM,ann@example.com,Launch a campaign\n"
    "Add a field,MOPS-2,Waiting for customer,2026-03-03 10:00,,bob@example.com,Add a field\n"
)


def test_jira_headers_map_to_mops_fields() -> None:
    mapping = detect_mapping(headers=["Summary", "Issue key", "Status", "Created"], system="jira")
    assert mapping == {
        "source_id": "Issue key",
        "title": "Summary",
        "status": "Status",
        "created": "Created",
    }


def test_asana_headers_map_to_mops_fields() -> None:
    mapping = detect_mapping(
        headers=["Task ID", "Name", "Created At", "Completed At", "Notes"], system="asana"
    )
    assert mapping["source_id"] == "Task ID"
    assert mapping["resolved"] == "Completed At"


def test_jira_rows_parse_with_statuses_and_original_times() -> None:
    parsed = parse_csv(text=JIRA, system="jira")
    assert parsed.errors == []
    first, second = parsed.rows
    assert (
        first.status,
        first.created.isoformat(),
        first.resolved and first.resolved.isoformat(),
    ) == (
        "closed",
        "2026-03-02T09:00:00",
        "2026-03-05T14:30:00",
    )
    assert (second.status, second.resolved) == ("needs_info", None)


def test_errors_name_row_and_field() -> None:
    text = JIRA + "Bad,MOPS-1,Teleported,yesterday,,x,y\n"
    messages = [str(e) for e in parse_csv(text=text, system="jira").errors]
    assert messages == [
        "row 4: source_id: duplicate MOPS-1",
        "row 4: status: unknown status 'Teleported'",
        "row 4: created: not a date: 'yesterday'",
    ]


def test_missing_required_column_is_reported_on_the_header_row() -> None:
    parsed = parse_csv(text="Summary,Status\nx,Done\n", system="jira")
    assert [str(e) for e in parsed.errors] == [
        "row 1: source_id: no column mapped",
        "row 1: created: no column mapped",
    ]
