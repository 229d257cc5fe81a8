"""Demo governance data, idempotent: CAB / RevOps groups, the default taxonomy, a few
campaigns, three RFCs (low approved, high in review, medium draft)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from governance.rfc.models import (
    ApprovalPolicy,
    Rfc,
    Risk,
)
from governance.rfc.services import (
    rfc_approve,
    rfc_create,
)
from governance.taxonomy.models import Campaign
from governance.taxonomy.services import (
    campaign_register,
    taxonomy_ensure,
)

CAMPAIGNS = [
    (
        "https://www.example.com/ebook/launch-guide",
        "linkedin",
        "paid_social",
        {
            "fy": "fy26",
            "quarter": "q3",
            "region": "na",
            "channel": "social",
            "offer": "ebook",
            "name": "launch-guide",
        },
    ),
    (
        "https://www.example.com/webinar/ai-ops",
        "newsletter",
        "email",
        {
            "fy": "fy26",
            "quarter": "q3",
            "region": "emea",
            "channel": "email",
            "offer": "webinar",
            "name": "ai-ops",
        },
    ),
    (
        "https://www.example.com/trial",
        "google",
        "cpc",
        {
            "fy": "fy26",
            "quarter": "q4",
            "region": "global",
            "channel": "search",
            "offer": "trial",
            "name": "brand-terms",
        },
    ),
]

RFCS: list[dict[str, Any]] = [
    {
        "title": "Add lead_source_detail picklist to Lead",
        "change_type": "schema",
        "risk": "low",
        "summary": "A new picklist on Lead and Contact to keep the detail behind lead source.",
        "motivation": "Attribution reports lump every webinar together.",
        "proposal": "Create the picklist in the CRM and the MAP, map it in the sync.",
        "systems_affected": "CRM\nMAP",
        "fields_affected": "Lead.lead_source_detail\nContact.lead_source_detail",
        "test_plan": "Create in the sandbox, sync 10 test leads, check both sides.",
        "rollback_plan": "Hide the field on layouts and remove it from the sync mapping.",
        "channels": ["crm"],
        "_state": "approved",
    },
    {
        "title": "Route EMEA enterprise leads to the new pod",
        "change_type": "routing",
        "risk": "high",
        "summary": "Enterprise leads from EMEA go to the new enterprise pod instead of round robin.",
        "motivation": "Speed to lead for enterprise EMEA is 3 days; the pod answers within hours.",
        "proposal": "Add a routing rule before the round robin: country in EMEA and employees > 1000.",
        "systems_affected": "CRM assignment rules\nRouting tool",
        "fields_affected": "Lead.OwnerId",
        "test_plan": "Replay last month's 200 EMEA leads in the sandbox and compare owners.",
        "rollback_plan": "Deactivate the new rule; the round robin takes over again.",
        "risk_answers": {"production_data": True, "revenue_reporting": True, "many_records": True},
        "channels": ["crm"],
        "_state": "in_review",
    },
    {
        "title": "Lower the MQL threshold from 70 to 65",
        "change_type": "scoring",
        "risk": "medium",
        "summary": "More leads reach MQL; sales asked for more volume this quarter.",
        "proposal": "Change the MQL threshold in the scoring model from 70 to 65.",
        "test_plan": "Back-test on last quarter's leads: how many more MQLs, conversion rate.",
        "rollback_plan": "Set the threshold back to 70; re-score the affected leads.",
        "risk_answers": {"revenue_reporting": True},
        "channels": ["crm"],
        "_state": "draft",
    },
]


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    cab, _ = Group.objects.get_or_create(name="CAB")
    revops, _ = Group.objects.get_or_create(name="RevOps")
    for name in ("approver", "approver2", "admin"):
        if name in users:
            users[name].groups.add(cab)
    if "approver2" in users:
        users["approver2"].groups.add(revops)
    # The demo's CAB: high-risk RFCs need two CAB members, one of them RevOps.
    ApprovalPolicy.objects.get_or_create(
        risk=Risk.HIGH,
        defaults={
            "required_approvals": 2,
            "eligible_group": cab.name,
            "must_include_group": revops.name,
            "requires_change_window": True,
        },
    )
    taxonomy_ensure()
    progress("taxonomy")

    requester = users.get("requester")
    if requester is not None:
        today = timezone.localdate()
        for base, source, medium, tokens in CAMPAIGNS:
            if Campaign.objects.filter(
                name__startswith=f"{tokens['fy']}{tokens['quarter']}_{tokens['region']}_{tokens['channel']}"
            ).exists():
                continue
            campaign_register(
                actor=requester,
                base_url=base,
                source=source,
                medium=medium,
                tokens=tokens,
                start_date=today,
                end_date=today + timedelta(days=60),
            )
        progress("campaigns")

    engineer, approver = users.get("engineer"), users.get("approver")
    if engineer is None or approver is None:
        return
    for spec in RFCS:
        fields = {k: v for k, v in spec.items() if not k.startswith("_")}
        if Rfc.objects.filter(title=fields["title"]).exists():
            continue
        rfc = rfc_create(actor=engineer, submit=spec["_state"] != "draft", **fields)
        if spec["_state"] == "approved":
            rfc_approve(rfc=rfc, actor=approver, comment="Looks safe; sandbox test is enough.")
        progress(f"RFC {rfc.reference}")
