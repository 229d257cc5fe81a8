"""Self-serve: a marketer finishes a self-serve service without a ticket."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from mops.accounts.models import User
from mops.accounts.roles import Role, has_role

from .. import hooks
from ..models import SelfServeCompletion, SelfServeTool, Service, ServiceStatus

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
