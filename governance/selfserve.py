"""Self-serve tools that finish a catalog service without a request.

Each function does the marketer's task and records the `catalog.SelfServeCompletion`
in the same transaction, so a completion exists exactly when the work does: the UTM
builder registers the campaign; the field-request form drafts the schema RFC that MOPS
reviews (a marketer may draft it here, though only MOPS staff write RFCs elsewhere).
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from catalog.models import SelfServeCompletion, SelfServeTool, Service
from catalog.services import can_self_serve, selfserve_complete
from governance.rfc.models import (
    Rfc,
    RfcType,
)
from governance.rfc.services import rfc_insert
from governance.taxonomy.models import (
    Campaign,
    CampaignLink,
)
from governance.taxonomy.services import campaign_register
from mops.accounts.models import User

from . import taxonomy as tx

FIELD_TYPES = ("text", "picklist", "number", "date", "checkbox", "email", "url")
FIELD_OBJECTS = ("Lead", "Contact", "Account", "Opportunity", "Campaign member")


def _self_serve_service(service: Service, actor: User, tool: str) -> None:
    if not service.self_serve or service.self_serve_tool != tool:
        raise ValidationError(
            {"service": f"'{service.name}' is not done with the {SelfServeTool(tool).label}."}
        )
    if not can_self_serve(actor, service):
        raise ValidationError({"service": f"You cannot self-serve '{service.name}'."})


def campaign_register_self_served(
    *,
    service: Service,
    actor: User,
    base_url: str,
    source: str,
    medium: str,
    campaign: str,
    content: str = "",
    term: str = "",
    start_date: date,
    end_date: date | None = None,
) -> tuple[Campaign, CampaignLink, tx.BuildResult, SelfServeCompletion]:
    """Register the campaign from the UTM builder and record `service` as self-served."""
    _self_serve_service(service, actor, SelfServeTool.UTM_BUILDER)
    with transaction.atomic():
        record, link, built = campaign_register(
            actor=actor,
            base_url=base_url,
            source=source,
            medium=medium,
            campaign=campaign,
            content=content,
            term=term,
            start_date=start_date,
            end_date=end_date,
        )
        completion = selfserve_complete(
            service=service,
            actor=actor,
            tool=SelfServeTool.UTM_BUILDER,
            outcome=f"Campaign {record.name} registered with its tagged link.",
            object_ref=f"campaign:{record.pk}",
        )
    return record, link, built, completion


def rfc_draft_field_request(
    *,
    service: Service,
    actor: User,
    object_name: str,
    field_label: str,
    field_type: str,
    values: str = "",
    purpose: str,
) -> tuple[Rfc, SelfServeCompletion]:
    """A marketer's new-field request, drafted as a schema RFC (status draft, authored by
    them) for MOPS to complete and submit; the service counts as self-served."""
    _self_serve_service(service, actor, SelfServeTool.FIELD_RFC)
    errors: dict[str, str] = {}
    if object_name not in FIELD_OBJECTS:
        errors["object_name"] = f"Choose one of: {', '.join(FIELD_OBJECTS)}."
    if field_type not in FIELD_TYPES:
        errors["field_type"] = f"Choose one of: {', '.join(FIELD_TYPES)}."
    field_label = " ".join((field_label or "").split())
    if not field_label:
        errors["field_label"] = "Name the field, e.g. 'Preferred event region'."
    allowed = [v.strip() for v in (values or "").splitlines() if v.strip()]
    if field_type == "picklist" and not allowed:
        errors["values"] = "A picklist needs its values, one per line."
    if not (purpose or "").strip():
        errors["purpose"] = "Say what the field is for and who will use it."
    if errors:
        raise ValidationError(errors)
    values_text = "\n".join(f"- {v}" for v in allowed)
    rfc = Rfc(
        author=actor,
        title=f"New field: {object_name}.{field_label}"[:200],
        change_type=RfcType.SCHEMA,
        summary=f"Add the {field_type} field '{field_label}' to {object_name}.",
        motivation=purpose.strip(),
        proposal=(
            f"Create {object_name}.{field_label} ({field_type})."
            + (f"\nAllowed values:\n{values_text}" if values_text else "")
        ),
        fields_affected=f"{object_name}.{field_label}",
        test_plan="Create a test record in the sandbox, fill the field, check the sync "
        "to the warehouse and the data contract.",
        rollback_plan="Hide the field from layouts and stop syncing it; the data stays.",
    )
    with transaction.atomic():
        rfc_insert(
            rfc=rfc,
            actor=actor,
            services=[service],
            reason=f"drafted from the self-serve field request by {actor.username}",
        )
        completion = selfserve_complete(
            service=service,
            actor=actor,
            tool=SelfServeTool.FIELD_RFC,
            outcome=f"Field {object_name}.{field_label} requested as RFC-{rfc.pk} (draft).",
            object_ref=f"rfc:{rfc.pk}",
        )
    return rfc, completion
