from datetime import datetime
from zoneinfo import ZoneInfo

from metrics.timeline import Event, timeline_from_events

NY = ZoneInfo("America/New_York")


def at(day: int, hour: int) -> datetime:
    return datetime(2025, 1, day, hour, tzinfo=NY)


def test_milestones_are_first_occurrences_and_needs_info_is_a_pause():
    events = [
        Event(at(6, 9), "draft", "submitted"),
        Event(at(6, 10), "submitted", "needs_info"),
        Event(at(7, 10), "needs_info", "submitted"),
        Event(at(7, 11), "submitted", "accepted"),
        Event(at(8, 9), "accepted", "in_progress"),
        Event(at(9, 9), "scheduled", "live"),
        Event(at(10, 9), "live", "rolled_back"),
        Event(at(13, 9), "in_progress", "live"),
    ]
    t = timeline_from_events(events, now=at(20, 9))
    assert t.submitted_at == at(6, 9)
    assert t.triaged_at == at(7, 11)  # needs_info is not a triage decision: it pauses
    assert t.accepted_at == at(7, 11)
    assert t.live_at == at(9, 9)
    assert t.ended_at == at(9, 9)
    assert t.paused == [(at(6, 10), at(7, 10))]


def test_an_open_pause_ends_now_and_a_draft_has_no_milestones():
    t = timeline_from_events(
        [Event(at(6, 9), "draft", "submitted"), Event(at(6, 10), "submitted", "needs_info")],
        now=at(6, 12),
    )
    assert t.paused == [(at(6, 10), at(6, 12))]
    assert t.triaged_at is None and t.ended_at is None
    assert timeline_from_events([], now=at(6, 12)).submitted_at is None


def test_rejection_triages_and_ends_the_backlog():
    t = timeline_from_events(
        [Event(at(6, 9), "draft", "submitted"), Event(at(6, 15), "submitted", "rejected")],
        now=at(7, 9),
    )
    assert t.triaged_at == t.ended_at == at(6, 15)
    assert t.accepted_at is None
