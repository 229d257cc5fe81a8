"""Templates and their append-only versions (publish, roll back)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from mops.accounts.models import User
from mops.core.audit import set_change_reason
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.slugs import unique_slug

from ..models import Template, TemplateVersion
from .roles import CATALOG_EDITORS

TEMPLATE_FIELDS = ("name", "slug", "kind", "channel", "owner_team", "description")


def template_create(
    *,
    actor: User,
    name: str,
    slug: str = "",
    kind: str = "other",
    channel: str = "email",
    owner_team: Any = None,
    description: str = "",
    content: str = "",
    spec: Mapping[str, Any] | None = None,
    changelog: str = "First version.",
    rollback_plan: str = "",
) -> Template:
    """A new template with its version 1 (the slug is made from the name if empty)."""
    require_role(actor, CATALOG_EDITORS, "edit templates")
    slug = slug or unique_slug(Template, name or "template")
    template = Template(
        name=name,
        slug=slug,
        kind=kind,
        channel=channel,
        owner_team=owner_team,
        description=description,
    )
    with transaction.atomic():
        model_save(template, reason=f"created by {actor.username}")
        template_publish(
            template=template,
            actor=actor,
            content=content,
            spec=spec,
            changelog=changelog,
            rollback_plan=rollback_plan,
        )
    return template


def template_update(*, template: Template, actor: User, **changes: Any) -> Template:
    """Edit the template's own fields (not its content: publish a version for that)."""
    require_role(actor, CATALOG_EDITORS, "edit templates")
    if "slug" in changes and not changes["slug"]:
        del changes["slug"]  # an emptied slug keeps the old one
    fields_check(changes, fields=TEMPLATE_FIELDS, message="Not an editable template field.")
    with transaction.atomic():
        model_update(template, fields=TEMPLATE_FIELDS, data=changes)
        model_save(template, reason=f"edited by {actor.username}")
    return template


def template_publish(
    *,
    template: Template,
    actor: User,
    content: str = "",
    spec: Mapping[str, Any] | None = None,
    changelog: str = "",
    rollback_plan: str = "",
    restored_from: TemplateVersion | None = None,
) -> TemplateVersion:
    """Publish the next version; earlier versions stay as they were."""
    require_role(actor, CATALOG_EDITORS, "publish templates")
    if spec is not None and not isinstance(spec, Mapping):
        raise ValidationError({"spec": "The spec must be a JSON object."})
    if not (changelog or "").strip():
        raise ValidationError({"changelog": "Say what changed in this version."})
    with transaction.atomic():
        locked = Template.objects.select_for_update().get(pk=template.pk)
        number = (locked.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = TemplateVersion(
            template=locked,
            number=number,
            content=content or "",
            spec=dict(spec or {}),
            changelog=changelog.strip(),
            rollback_plan=(rollback_plan or "").strip(),
            restored_from=restored_from,
            author=actor,
        )
        version.full_clean()
        version.save()
        locked.current_version = version
        set_change_reason(
            locked,
            f"v{number} restored from v{restored_from.number} by {actor.username}"
            if restored_from
            else f"v{number} published by {actor.username}",
        )
        locked.save(update_fields=["current_version", "updated_at"])
    template.current_version = version
    template.updated_at = locked.updated_at
    return version


def template_rollback(
    *, template: Template, actor: User, to_number: Any, changelog: str = ""
) -> TemplateVersion:
    """Restore version `to_number` as a new version (history keeps everything)."""
    require_role(actor, CATALOG_EDITORS, "roll back templates")
    try:
        number = int(to_number)
    except (TypeError, ValueError):
        raise ValidationError({"to_number": f"'{to_number}' is not a version number."}) from None
    old = template.versions.filter(number=number).first()
    if old is None:
        known = ", ".join(f"v{n}" for n in template.versions.values_list("number", flat=True))
        raise ValidationError(
            {"to_number": f"{template.name} has no version {number} (versions: {known or 'none'})."}
        )
    if template.current_version_id == old.pk:
        raise ValidationError({"to_number": f"Version {number} is already the current version."})
    return template_publish(
        template=template,
        actor=actor,
        content=old.content,
        spec=old.spec,
        changelog=(changelog or "").strip() or f"Rolled back to v{number}.",
        rollback_plan=old.rollback_plan,
        restored_from=old,
    )
