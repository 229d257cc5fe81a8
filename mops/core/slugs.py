"""Slugs are made, never asked for: every form takes a name and derives a unique slug."""

from django.db import models
from django.utils.text import slugify


def unique_slug(
    model: type[models.Model],
    text: str,
    *,
    field: str = "slug",
    max_length: int = 120,
    exclude_pk: object = None,
    reserved: frozenset[str] = frozenset(),
) -> str:
    """slugify(text), with -2, -3 … appended until no other row of `model` (and no
    reserved word) has it."""
    base = (slugify(text) or "item")[:max_length].strip("-") or "item"
    taken = model._default_manager.filter(**{f"{field}__startswith": base})
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list(field, flat=True)) | set(reserved)
    candidate, n = base, 1
    while candidate in used:
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate
