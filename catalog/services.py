"""Every write on the catalog: `<entity>_<verb>(*, ..., actor)`.

Each function checks the actor's role, validates (`full_clean()`), writes inside one
transaction and records why (`set_change_reason`). Service versions and template
versions are append-only: an edit of a versioned part of a service makes a new
`ServiceVersion`; a template rollback publishes a copy of the older version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from mops.accounts.models import User
from mops.accounts.roles import ADMINS, Role, has_role, user_roles
from mops.core.audit import set_change_reason
from mops.core.concurrency import version_check
from mops.core.lifecycle import Transition
from mops.core.services import fields_check, model_update, require_role
from mops.core.slugs import unique_slug
from mops.core.timezones import default_time_zone

from . import hooks, inputdef
from .closeddays import DEFAULT_NAME, ClosedSpan
from .models import (
    RESERVED_SLUGS,
    Calendar,
    ClosedDay,
    SelfServeCompletion,
    SelfServeTool,
    Service,
    ServiceStatus,
    ServiceVersion,
    SlaPolicy,
    Template,
    TemplateVersion,
    validate_working_hours,
)

CATALOG_EDITORS: frozenset[str] = frozenset({Role.ADMIN, Role.PM})
CALENDAR_EDITORS: frozenset[str] = ADMINS

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
CALENDAR_FIELDS = ("name", "slug", "time_zone", "working_hours", "holiday_regions")
TEMPLATE_FIELDS = ("name", "slug", "kind", "channel", "owner_team", "description")


def can_edit_catalog(user: Any) -> bool:
    return has_role(user, CATALOG_EDITORS)


def can_edit_calendars(user: Any) -> bool:
    return has_role(user, CALENDAR_EDITORS)


def _definition(value: Any) -> list[dict[str, Any]]:
    errors = inputdef.validate_definition(value)
    if errors:
        raise ValidationError({"input_definition": [str(e) for e in errors]})
    return inputdef.normalize_definition(value)


# --- calendars ----------------------------------------------------------------------------


def _closed_day_rows(
    days: Iterable[tuple[date, str] | ClosedSpan] | None,
) -> list[ClosedSpan] | None:
    """Closed days as spans: (date, name) pairs are one-day spans; a day listed twice is refused."""
    if days is None:
        return None
    seen: dict[date, ClosedSpan] = {}
    for item in days:
        span = item if isinstance(item, ClosedSpan) else ClosedSpan(item[0], item[0], item[1])
        if span.start in seen:
            raise ValidationError({"closed_days": f"{span.start.isoformat()} is listed twice."})
        name = (span.name or DEFAULT_NAME).strip()[:120]
        seen[span.start] = ClosedSpan(span.start, span.end, name, span.yearly)
    return [seen[d] for d in sorted(seen)]


def calendar_create(
    *,
    actor: User,
    name: str,
    slug: str,
    working_hours: Mapping[str, Any],
    time_zone: str = "",
    holiday_regions: Iterable[str] = (),
    closed_days: Iterable[tuple[date, str] | ClosedSpan] = (),
) -> Calendar:
    """A business calendar; its time zone defaults to the deployment's (MOPS_TIME_ZONE)."""
    require_role(actor, CALENDAR_EDITORS, "edit business calendars")
    calendar = Calendar(
        name=name,
        slug=slug,
        time_zone=time_zone or default_time_zone(),
        working_hours=dict(working_hours),
        holiday_regions=list(holiday_regions),
    )
    rows = _closed_day_rows(closed_days) or []
    with transaction.atomic():
        calendar.full_clean()
        set_change_reason(calendar, f"created by {actor.username}")
        calendar.save()
        _write_closed_days(calendar, rows)
    return calendar


def calendar_update(
    *,
    calendar: Calendar,
    actor: User,
    closed_days: Iterable[tuple[date, str] | ClosedSpan] | None = None,
    **changes: Any,
) -> Calendar:
    require_role(actor, CALENDAR_EDITORS, "edit business calendars")
    fields_check(changes, fields=CALENDAR_FIELDS, message="Not an editable calendar field.")
    rows = _closed_day_rows(closed_days)
    with transaction.atomic():
        model_update(calendar, fields=CALENDAR_FIELDS, data=changes)
        calendar.full_clean()
        set_change_reason(calendar, f"edited by {actor.username}")
        calendar.save()
        if rows is not None:
            _write_closed_days(calendar, rows)
    return calendar


def _write_closed_days(calendar: Calendar, rows: list[ClosedSpan]) -> None:
    existing = {c.date: c for c in calendar.closed_days.all()}
    wanted = {span.start: span for span in rows}
    for day, closed in existing.items():
        if day not in wanted:
            closed.delete()
    for day, span in wanted.items():
        closed = existing.get(day) or ClosedDay(calendar=calendar, date=day)
        end = span.end if span.end != span.start else None
        if closed.pk is None or (closed.name, closed.end_date, closed.yearly) != (
            span.name,
            end,
            span.yearly,
        ):
            closed.name, closed.end_date, closed.yearly = span.name, end, span.yearly
            closed.save()
    calendar.touch()


def parse_week_text(rows: Mapping[int, str]) -> dict[str, list[list[str]]]:
    """{0: "09:00-12:00, 13:00-17:00", 5: ""} → working_hours JSON; ValidationError per day."""
    week: dict[str, list[list[str]]] = {}
    problems: dict[str, list[str]] = {}
    for day, text in rows.items():
        intervals = []
        for chunk in (text or "").replace(";", ",").split(","):
            chunk = chunk.strip().replace("–", "-").replace("—", "-")
            if not chunk:
                continue
            start, sep, end = chunk.partition("-")
            if not sep:
                problems.setdefault(f"day_{day}", []).append(
                    f"'{chunk}' is not an interval like 09:00-17:00."
                )
                continue
            intervals.append([start.strip(), end.strip()])
        if intervals:
            week[str(day)] = intervals
    if problems:
        raise ValidationError(problems)
    try:
        validate_working_hours(week)
    except ValidationError as exc:
        per_day: dict[str, list[str]] = {}
        from .models import WEEKDAYS

        for message in exc.message_dict.get("working_hours", []):
            day_name = message.split(":", 1)[0]
            index = WEEKDAYS.index(day_name) if day_name in WEEKDAYS else None
            per_day.setdefault(f"day_{index}" if index is not None else "__all__", []).append(
                message
            )
        raise ValidationError(per_day) from None
    return week


# --- SLA policies -------------------------------------------------------------------------

POLICY_FIELDS = (
    "name",
    "slug",
    "description",
    "calendar",
    "triage_hours_simple",
    "triage_hours_standard",
    "triage_hours_complex",
    "delivery_hours_simple",
    "delivery_hours_standard",
    "delivery_hours_complex",
    "at_risk_percent",
    "target_kinds",
)


def sla_policy_create(*, actor: User, **fields: Any) -> SlaPolicy:
    require_role(actor, CALENDAR_EDITORS, "edit SLA policies")
    fields_check(fields, fields=POLICY_FIELDS, message="Not an SLA policy field.")
    if not fields.get("slug"):
        fields["slug"] = unique_slug(SlaPolicy, fields.get("name") or "sla-policy")
    policy = SlaPolicy(**fields)
    with transaction.atomic():
        policy.full_clean()
        set_change_reason(policy, f"created by {actor.username}")
        policy.save()
    return policy


def sla_policy_update(*, policy: SlaPolicy, actor: User, **changes: Any) -> SlaPolicy:
    require_role(actor, CALENDAR_EDITORS, "edit SLA policies")
    fields_check(changes, fields=POLICY_FIELDS, message="Not an SLA policy field.")
    if "slug" in changes and not changes["slug"]:
        del changes["slug"]  # an emptied slug keeps the old one
    with transaction.atomic():
        model_update(policy, fields=POLICY_FIELDS, data=changes)
        policy.full_clean()
        set_change_reason(policy, f"edited by {actor.username}")
        policy.save()
    return policy


# --- templates ----------------------------------------------------------------------------


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
        template.full_clean()
        set_change_reason(template, f"created by {actor.username}")
        template.save()
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
        template.full_clean()
        set_change_reason(template, f"edited by {actor.username}")
        template.save()
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


# --- services -----------------------------------------------------------------------------


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
        service.full_clean()
        set_change_reason(service, f"created by {actor.username}")
        service.save()
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


# --- self-serve ---------------------------------------------------------------------------

# Who may finish a self-serve task: the people who could otherwise open a request for it.
SELF_SERVERS: frozenset[str] = frozenset({Role.REQUESTER, Role.PM, Role.ADMIN})


def can_self_serve(user: Any, service: Service) -> bool:
    """Whether `user` may finish `service` themselves (an active self-serve service, and no
    gate registered in `catalog.hooks` — e.g. a required course — still locks it)."""
    return (
        service.self_serve
        and service.status == ServiceStatus.ACTIVE
        and has_role(user, SELF_SERVERS)
        and not hooks.selfserve_locks(service, user)
    )


def selfserve_complete(
    *,
    service: Service,
    actor: User,
    outcome: str,
    tool: str | None = None,
    object_ref: str = "",
) -> SelfServeCompletion:
    """Record that `actor` finished `service` without a ticket (counted in self-serve share).

    The tool defaults to the service's own; a tool that produced something (a campaign, an
    RFC draft) passes what it produced as `object_ref`.
    """
    if not service.self_serve:
        raise ValidationError({"service": f"'{service.name}' is not a self-serve service."})
    if not can_self_serve(actor, service):
        if not has_role(actor, SELF_SERVERS):
            raise PermissionDenied("Your role does not allow you to complete self-serve tasks.")
        locks = hooks.selfserve_locks(service, actor)
        if locks and service.status == ServiceStatus.ACTIVE:
            raise ValidationError({"service": " ".join(lock.reason for lock in locks)})
        raise ValidationError({"service": f"'{service.name}' is not active."})
    outcome = " ".join((outcome or "").split())
    if not outcome:
        raise ValidationError({"outcome": "Say in one line what you did."})
    completion = SelfServeCompletion(
        service=service,
        user=actor,
        team=getattr(actor, "team", None),
        complexity=service.default_complexity,
        channel=(service.channels or [""])[0],
        tool=tool or service.self_serve_tool,
        outcome=outcome[:300],
        object_ref=object_ref[:60],
    )
    if completion.tool not in SelfServeTool.values:
        raise ValidationError({"tool": f"Unknown self-serve tool '{completion.tool}'."})
    with transaction.atomic():
        completion.full_clean()
        completion.save()
    return completion
