"""Launch cohorts from mops: every live request's campaign (its tracking plan's
utm_campaign) with launch date, template used or not, release train or ad hoc and delivery
SLA met or breached — read from `metrics.RequestFact`, the same facts the SLA adherence
figure reads, so "within SLA" here is exactly that figure's `delivery_met`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.fields.json import KeyTextTransform

from governance.models import Campaign
from releases.boarding.models import Boarding, BoardingStatus

from ..models import RequestFact


@dataclass(frozen=True)
class Launch:
    campaign: str
    request_id: int
    launched_at: datetime
    within_sla: bool | None
    template: bool
    train: bool
    registered: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "campaign": self.campaign,
            "request_id": self.request_id,
            "launched_at": self.launched_at.isoformat(),
            "within_sla": self.within_sla,
            "template": self.template,
            "train": self.train,
            "registered": self.registered,
        }


def launches(*, before: datetime) -> list[Launch]:
    """One launch per campaign name (its first live request before `before`), one query.

    Train = landed by a release-train departure (boarding live or rolled back); ad hoc
    otherwise. A campaign's registry entry (taxonomy) is noted, not required."""
    landed = Boarding.objects.filter(
        request=OuterRef("request_id"),
        status__in=[BoardingStatus.LIVE, BoardingStatus.ROLLED_BACK],
    )
    rows = (
        RequestFact.objects.filter(live_at__lt=before)
        .annotate(campaign=KeyTextTransform("utm_campaign", "request__tracking_plan"))
        .exclude(Q(campaign__isnull=True) | Q(campaign=""))
        .annotate(
            train=Exists(landed),
            registered=Exists(Campaign.objects.filter(name=OuterRef("campaign"))),
        )
        .order_by("campaign", "live_at", "request_id")
        .distinct("campaign")
        .values_list(
            "campaign", "request_id", "live_at", F("delivery_met"), "with_template", "train",
            "registered",
        )
    )  # fmt: skip
    return [Launch(*row) for row in rows]


def cohort_parameters(items: list[Launch]) -> dict[str, list[object]]:
    """The cohort list as the array parameters the warehouse statements unnest."""
    return {
        "campaigns": [x.campaign for x in items],
        "within_sla": [x.within_sla for x in items],
        "template": [x.template for x in items],
        "train": [x.train for x in items],
    }
