"""Taxonomy reads: the current taxonomy (built once per version), its versions, campaigns
visible to a person."""

from __future__ import annotations

import threading
from typing import Any

from django.db.models import Count, Q, QuerySet

from governance import taxonomy as tx
from mops.accounts.roles import MOPS_STAFF, READ_EVERYTHING, has_role

from .models import (
    Campaign,
    TaxonomyVersion,
)

# --- taxonomy ----------------------------------------------------------------------------------

_taxonomy_cache: dict[tuple[int, int], tx.Taxonomy] = {}
_cache_lock = threading.Lock()


def taxonomy_active_version() -> TaxonomyVersion | None:
    return TaxonomyVersion.objects.filter(is_active=True).first()


def taxonomy_current() -> tx.Taxonomy:
    """The active taxonomy as the pure dataclass, built once per version (one small query
    per call to learn which version is active). Without any stored version, the default."""
    row = TaxonomyVersion.objects.filter(is_active=True).values_list("pk", "number").first()
    if row is None:
        key = (0, 0)
        with _cache_lock:
            if key not in _taxonomy_cache:
                _taxonomy_cache[key] = tx.Taxonomy.default()
            return _taxonomy_cache[key]
    with _cache_lock:
        cached = _taxonomy_cache.get(row)
    if cached is not None:
        return cached
    taxonomy = TaxonomyVersion.objects.get(pk=row[0]).to_taxonomy()
    with _cache_lock:
        if len(_taxonomy_cache) > 32:
            _taxonomy_cache.clear()
        _taxonomy_cache[row] = taxonomy
    return taxonomy


def taxonomy_versions() -> QuerySet[TaxonomyVersion]:
    return TaxonomyVersion.objects.select_related("created_by").order_by("-number")


# --- campaigns ---------------------------------------------------------------------------------


def campaigns_visible_to(user: Any) -> QuerySet[Campaign]:
    """Staff and leadership see every campaign; others their own and their team's."""
    # Meta.ordering is dropped from a GROUP BY query (the link count), so the order is
    # stated: newest start first, then by name, then id, for pages that never reshuffle.
    qs = (
        Campaign.objects.select_related("owner", "team")
        .annotate(link_count=Count("links"))
        .order_by("-start_date", "name", "pk")
    )
    if has_role(user, READ_EVERYTHING | MOPS_STAFF):
        return qs
    team_id = getattr(user, "team_id", None)
    condition = Q(owner=user)
    if team_id:
        condition |= Q(team_id=team_id)
    return qs.filter(condition)
