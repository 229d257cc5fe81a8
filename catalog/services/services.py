"""Services: create, edit (a new ServiceVersion when a versioned part changes), publish, retire, copy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from mops.accounts.models import User
from mops.accounts.roles import user_roles
from mops.core.audit import set_change_reason
from mops.core.concurrency import version_check
from mops.core.lifecycle import Transition
from mops.core.services import fields_check, model_save, model_update, require_role
from mops.core.slugs import unique_slug

from .. import inputdef
from ..models import RESERVED_SLUGS, Service, ServiceVersion, Template
from .roles import CATALOG_EDITORS

SERVICE_FIELDS = (
    "name",
    "slug",
    "description",
    "owner_team",
    "channels",
    "change_type",
    "default_complexity",
    "self_serve",
    "self_serve_tool",
    "instructions",
    "sla_policy",
    "input_definition",
)
VERSIONED_FIELDS = ("input_definition", "default_complexity", "sla_policy")


def _definition(value: Any) -> list[dict[str, Any]]:
    errors = inputdef.validate_definition(value)
    if errors:
        raise ValidationError({"input_definition": [str(e) for e in errors]})
    return inputdef.normalize_definition(value)


def _templates_snapshot(templates: Iterable[Template]) -> list[dict[str, Any]]:
    snapshot = []
    for t in sorted(templates, key=lambda t: t.slug):
        version = t.current_version
        snapshot.append(
            {
                "id": t.pk,
                "slug": t.slug,
                "name": t.name,
                "version_id": version.pk if version else None,
                "version": version.number if version else None,
            }
        )
    return snapshot


def _snapshot(service: Service, templates: list[Template]) -> dict[str, Any]:
    return {
        "input_definition": service.input_definition,
        "complexity": service.default_complexity,
        "sla_policy_id": service.sla_policy_id,
        "templates": [t["id"] for t in _templates_snapshot(templates)],
    }


def _version_snapshot(version: ServiceVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {
        "input_definition": version.input_definition,
        "complexity": version.complexity,
        "sla_policy_id": version.sla_policy_id,
        "templates": [t["id"] for t in version.templates],
    }


def _new_version(
    service: Service, templates: list[Template], actor: User, changelog: str
) -> ServiceVersion:
    number = (service.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ServiceVersion.objects.create(
        service=service,
        number=number,
        input_definition=service.input_definition,
        complexity=service.default_complexity,
        sla_policy_id=service.sla_policy_id,
        templates=_templates_snapshot(templates),
        changelog=(changelog or "").strip() or ("First version." if number == 1 else ""),
        created_by=actor,
    )
    service.current_version = version
    return version


def _resolve_templates(templates: Iterable[Any] | None) -> list[Template] | None:
    if templates is None:
        return None
    items = list(templates)
    ids = [t.pk if isinstance(t, Template) else t for t in items]
    found = {t.pk: t for t in Template.objects.filter(pk__in=ids).select_related("current_version")}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError({"templates": f"Unknown templates: {', '.join(missing)}."})
    return [found[i] for i in ids]


def service_create(
    *,
    actor: User,
    templates: Iterable[Any] = (),
    changelog: str = "",
    **fields: Any,
) -> Service:
    """A new draft service with its version 1."""
    require_role(actor, CATALOG_EDITORS, "edit the catalog")
    fields_check(fields, fields=SERVICE_FIELDS, message="Not a service field.")
    if "input_definition" in fields:
        fields["input_definition"] = _definition(fields["input_definition"])
    service = Service(**fields)
    chosen = _resolve_templates(templates) or []
    with transaction.atomic():
        model_save(service, reason=f"created by {actor.username}")
        service.templates.set(chosen)
        _new_version(service, chosen, actor, changelog)
        service.save(update_fields=["current_version"])
    return service


def service_update(
    *,
    service: Service,
    actor: User,
    changelog: str = "",
    expected_revision: int | None = None,
    templates: Iterable[Any] | None = None,
    **changes: Any,
) -> Service:
    """Edit a service. A change to its definition, complexity, SLA policy or templates
    makes a new ServiceVersion; requests made before keep theirs."""
    require_role(actor, CATALOG_EDITORS, "edit the catalog")
    fields_check(changes, fields=SERVICE_FIELDS, message="Not an editable service field.")
    if "input_definition" in changes:
        changes["input_definition"] = _definition(changes["input_definition"])
    chosen = _resolve_templates(templates)
    with transaction.atomic():
        locked = (
            Service.objects.select_for_update(of=("self",))
            .select_related("current_version")
            .get(pk=service.pk)
        )
        version_check(locked.revision, expected_revision)
        model_update(locked, fields=SERVICE_FIELDS, data=changes)
        locked.full_clean()
        if chosen is None:
            chosen = list(locked.templates.select_related("current_version"))
        else:
            locked.templates.set(chosen)
        before = _version_snapshot(locked.current_version)
        versioned = before != _snapshot(locked, chosen)
        if versioned:
            _new_version(locked, chosen, actor, changelog)
        locked.revision += 1
        set_change_reason(
            locked,
            f"v{locked.current_version.number} by {actor.username}"
            if versioned and locked.current_version
            else f"edited by {actor.username}",
        )
        locked.save()
    _copy_into(service, locked)
    return service


def _copy_into(target: Service, source: Service) -> None:
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target.current_version = source.current_version
    if hasattr(target, "_prefetched_objects_cache"):
        target._prefetched_objects_cache = {}


def _transition(service: Service, actor: User, name: str) -> Service:
    """Publish or retire through `Lifecycle.apply`; the step is the service's history row
    (actor, from, to)."""

    def guard(locked: Service, transition: Transition, source: str) -> None:
        if transition.target == "active" and not locked.input_definition:
            raise ValidationError(
                {"input_definition": "Add at least one field before publishing the service."}
            )

    locked = Service.lifecycle.apply(
        service, name, actor, roles=user_roles(actor), version_field="revision", guard=guard
    )
    _copy_into(service, locked)
    return service


def service_publish(*, service: Service, actor: User) -> Service:
    """Make the service visible to requesters (draft or retired → active)."""
    require_role(actor, CATALOG_EDITORS, "publish services")
    return _transition(service, actor, "publish")


def service_retire(*, service: Service, actor: User) -> Service:
    """Hide the service from requesters; its versions stay for the requests that used them."""
    require_role(actor, CATALOG_EDITORS, "retire services")
    return _transition(service, actor, "retire")


def service_copy(*, service: Service, actor: User, name: str = "") -> Service:
    """A draft copy of `service` (form, SLA, channels, templates, instructions) under a new
    name ("Copy of …" by default) and an automatic slug, to edit into a sibling service."""
    require_role(actor, CATALOG_EDITORS, "copy services")
    name = (name or "").strip() or f"Copy of {service.name}"
    base, n = name, 1
    while Service.objects.filter(name__iexact=name).exists():
        n += 1
        name = f"{base} ({n})"
    fields = {f: getattr(service, f) for f in SERVICE_FIELDS if f not in ("name", "slug")}
    return service_create(
        actor=actor,
        name=name[:120],
        slug=unique_slug(Service, name, reserved=RESERVED_SLUGS),
        templates=list(service.templates.values_list("pk", flat=True)),
        changelog=f"Copied from {service.name}.",
        **fields,
    )
