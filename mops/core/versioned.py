"""Rows edited under optimistic concurrency, written once: the `version` number a caller
reads (the API's ETag, the page's hidden field) and the edit that checks and bumps it.

    class Tool(TimeStampedModel, VersionedModel): ...

    with transaction.atomic():
        tool = lock_for_edit(tool, expected_version)   # StaleVersion when outdated
        model_update(tool, fields=TOOL_FIELDS, data=changes)
        model_save(tool, reason=...)
"""

from typing import TypeVar

from django.db import models

from .concurrency import version_check


class VersionedModel(models.Model):
    """A model whose every edit bumps `version`; `etag` is that number as an HTTP ETag."""

    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


V = TypeVar("V", bound=VersionedModel)


def lock_for_edit(obj: V, expected_version: int | None) -> V:
    """The row of `obj` locked (inside the caller's transaction) with its version bumped;
    `StaleVersion` when the caller read an older version than the row's (None: not sent)."""
    locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
    version_check(locked.version, expected_version)
    locked.version += 1
    return locked
