"""Playbook search: PostgreSQL full text, title weighted over body, recency breaks ties,
English stemming, and highlights that escape what the author wrote."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.enablement.models import Playbook
from governance.enablement.selectors import highlighted, playbooks_search
from governance.enablement.services import playbook_save

pytestmark = pytest.mark.django_db


def _playbook(actor, slug, title, body, *, review_days=90):  # type: ignore[no-untyped-def]
    return playbook_save(
        actor=actor,
        slug=slug,
        title=title,
        body=body,
        review_by=timezone.localdate() + timedelta(days=review_days),
    )


def test_a_title_match_outranks_a_body_match(users):
    pm = users["pm"]
    _playbook(pm, "body", "Weekly routine", "Check the webinar registrations every Monday.")
    _playbook(pm, "title", "Webinar set-up", "Create the event, then the landing page.")
    found = list(playbooks_search("webinar"))
    assert [p.slug for p in found] == ["title", "body"]
    assert found[0].rank > found[1].rank


def test_equal_ranks_go_to_the_most_recently_updated(users):
    pm = users["pm"]
    older = _playbook(pm, "older", "Segments", "How to build a segment.")
    newer = _playbook(pm, "newer", "Segments", "How to build a segment.")
    Playbook.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(days=3))
    assert [p.slug for p in playbooks_search("segment")] == ["newer", "older"]
    Playbook.objects.filter(pk=newer.pk).update(updated_at=timezone.now() - timedelta(days=9))
    assert [p.slug for p in playbooks_search("segment")] == ["older", "newer"]


def test_english_stemming_finds_other_forms_of_a_word(users):
    _playbook(users["pm"], "launching", "Launching campaigns", "Campaigns go out on trains.")
    assert [p.slug for p in playbooks_search("launches")] == ["launching"]
    assert [p.slug for p in playbooks_search("campaign")] == ["launching"]
    assert list(playbooks_search("webinar")) == []


def test_highlights_mark_the_match_and_escape_the_authors_html(users):
    _playbook(
        users["pm"], "x", "Forms", "Never paste <script>alert(1)</script> into forms & fields."
    )
    (hit,) = playbooks_search("forms")
    html = str(highlighted(hit.headline))
    assert "<mark>forms</mark>" in html
    assert "<script>" not in html and "forms</mark> &amp; fields" in html


def test_stale_filter_flags_playbooks_past_their_review_date(users):
    _playbook(users["pm"], "fresh", "Fresh", "Body.")
    stale = _playbook(users["pm"], "stale", "Stale", "Body.", review_days=-1)
    assert [p.slug for p in playbooks_search(stale=True)] == ["stale"]
    assert stale.is_stale() and [p.slug for p in playbooks_search(stale=False)] == ["fresh"]


def test_search_syntax_errors_are_not_errors(users):
    _playbook(users["pm"], "a", "Alpha", "Body.")
    assert list(playbooks_search('"unbalanced OR -')) == []
