"""Guardrails against sprawl: a new tool enters through intake and an RFC.

A marketer asks for one with the catalog service "Evaluate a new tool" (its form shows
the approved tools of the layer picked, through `catalog.hooks.answer_notes`). MOPS
registers the candidate *under evaluation* and writes an RFC of kind *new tool*. The rule
(checked by `services.tool_create` / `tool_update`): a tool under evaluation, or one
carrying an evaluation RFC, becomes *approved* only when that RFC is of kind new tool, is
approved (or scheduled, implemented, verified since) and holds a live approval by the
stack owner (`STACK_OWNER`, a username; blank: any active admin).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from catalog.hooks import AnswerNote
from governance.models import Approval, Rfc, RfcType
from mops.accounts.roles import GROUP_NAMES, Role

from .models import GoldenPath, Layer, Tool

EVALUATION_SERVICE_SLUG = "evaluate-a-new-tool"
NEW_TOOL_KIND = RfcType.NEW_TOOL
# RFC states in which its approval stands (after approval, before any undo).
RFC_APPROVED_STATES = frozenset({"approved", "scheduled", "implemented", "verified"})

EVALUATION_DEFINITION: list[dict[str, Any]] = [
    {"key": "tool_name", "label": "Tool to evaluate", "type": "text", "required": True,
     "max": 120},
    {"key": "vendor", "label": "Vendor", "type": "text", "max": 120},
    {"key": "layer", "label": "Stack layer", "type": "choice", "required": True,
     "choices": [str(label) for label in Layer.labels],
     "help": "The approved tools of the layer you pick are listed below: check them first."},
    {"key": "problem", "label": "What problem does it solve?", "type": "long_text",
     "required": True},
    {"key": "why_not_approved", "label": "Why can no approved tool of this layer do it?",
     "type": "long_text", "required": True},
    {"key": "personal_data", "label": "Will it hold personal data?", "type": "choice",
     "required": True, "choices": ["Yes", "No", "Not sure"]},
    {"key": "annual_cost", "label": "Expected annual cost (USD)", "type": "number", "min": 0},
    {"key": "seats", "label": "Seats needed", "type": "number", "min": 0},
    {"key": "trial_url", "label": "Vendor page or trial", "type": "url"},
]  # fmt: skip


def approved_tools_notes(service: Any) -> list[AnswerNote]:
    """For the evaluation service: one note per layer listing its approved tools, shown
    while that layer is picked (one query)."""
    if getattr(service, "slug", "") != EVALUATION_SERVICE_SLUG:
        return []
    approved: dict[str, list[tuple[str, str]]] = {}
    rows = Tool.objects.filter(status=GoldenPath.APPROVED).order_by("name")
    for name, layer, purpose in rows.values_list("name", "layer", "purpose"):
        approved.setdefault(layer, []).append((name, purpose[:160]))
    return [
        AnswerNote(
            key=f"approved_{value}",
            title=f"Approved {label} tools — can one of these do it?",
            items=tuple(approved.get(value, [])),
            empty=f"No approved tool in {label} yet.",
            condition={"field": "layer", "op": "eq", "value": str(label)},
        )
        for value, label in Layer.choices
    ]


def stack_owners() -> Any:
    """Who approves new tools for the stack: the user named by STACK_OWNER, else every
    active admin."""
    users = get_user_model().objects.filter(is_active=True)
    username = getattr(settings, "STACK_OWNER", "")
    if username:
        return users.filter(username=username)
    return users.filter(Q(groups__name=GROUP_NAMES[Role.ADMIN]) | Q(is_superuser=True))


def new_tool_rfc_problem(rfc: Rfc | None) -> str:
    """Why `rfc` does not let a tool onto the golden path through evaluation ("" if it
    does)."""
    if rfc is None:
        return "A tool under evaluation is approved only through an approved new-tool RFC."
    if rfc.change_type != NEW_TOOL_KIND:
        return f"{rfc.reference} is not a new-tool RFC."
    if rfc.status not in RFC_APPROVED_STATES:
        return f"{rfc.reference} is not approved ({rfc.get_status_display().lower()})."
    signed = Approval.objects.filter(
        rfc=rfc, decision="approved", voided_at__isnull=True, reviewer__in=stack_owners()
    )
    if not signed.exists():
        return f"{rfc.reference} has no standing approval by the stack owner."
    return ""


def check_evaluation_path(tool: Tool, *, previous_status: str | None) -> None:
    """The rule: a tool that was under evaluation, or carries an evaluation RFC, becomes
    approved only through an approved new-tool RFC approved by the stack owner."""
    if tool.status != GoldenPath.APPROVED or previous_status == GoldenPath.APPROVED:
        return
    if previous_status != GoldenPath.EVALUATING and tool.evaluation_rfc_id is None:
        return
    # Read the RFC as stored now (locked until the tool is saved): the caller's instance may
    # predate its approval or a later change that voided it.
    rfc = (
        Rfc.objects.select_for_update().filter(pk=tool.evaluation_rfc_id).first()
        if tool.evaluation_rfc_id
        else None
    )
    problem = new_tool_rfc_problem(rfc)
    if problem:
        raise ValidationError({"evaluation_rfc": problem})
