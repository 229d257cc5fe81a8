"""Taxonomy writes: taxonomy versions (save, restore, ensure) and the campaign registry.
`<entity>_<verb>(*, ..., actor)`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max

from governance import taxonomy as tx
from governance.rfc.services import who
from mops.accounts.models import User
from mops.accounts.roles import ADMINS, MOPS_STAFF, has_role
from mops.core.audit import set_change_reason
from mops.core.concurrency import StaleVersion
from mops.core.services import fields_check, model_save, model_update, require_role

from .codec import taxonomy_to_data
from .models import (
    Campaign,
    CampaignLink,
    TaxonomyVersion,
)
from .selectors import (
    taxonomy_active_version,
    taxonomy_current,
)

TAXONOMY_EDITORS: frozenset[str] = ADMINS
CAMPAIGN_STAFF: frozenset[str] = MOPS_STAFF


# --- taxonomy ----------------------------------------------------------------------------------

TAXONOMY_PIECES = ("sources", "mediums", "channel_rules", "naming")


def taxonomy_save(
    *,
    actor: User,
    note: str = "",
    expected_version: int | None = None,
    **pieces: Any,
) -> TaxonomyVersion:
    """Save a new taxonomy version from the active one with the given pieces replaced,
    and make it active. Validated as a whole (a bad regex or a synonym listed under two
    values is refused naming the path)."""
    require_role(actor, TAXONOMY_EDITORS, "edit the campaign taxonomy")
    unknown = set(pieces) - set(TAXONOMY_PIECES)
    if unknown:
        raise ValidationError({f: "Not a taxonomy piece." for f in sorted(unknown)})
    with transaction.atomic():
        active = TaxonomyVersion.objects.select_for_update().filter(is_active=True).first()
        if expected_version is not None and (active.number if active else 0) != expected_version:
            raise StaleVersion()
        base = (
            {p: getattr(active, p) for p in TAXONOMY_PIECES}
            if active
            else taxonomy_to_data(tx.Taxonomy.default())
        )
        base.update({k: v for k, v in pieces.items() if v is not None})
        number = (TaxonomyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
        version = TaxonomyVersion(
            number=number,
            note=note[:200],
            created_by=actor if getattr(actor, "pk", None) else None,
            **base,
        )
        if active is not None:  # an invalid new version rolls this back with it
            active.is_active = False
            set_change_reason(active, f"superseded by v{number}")
            active.save(update_fields=["is_active"])
        version.is_active = True
        model_save(version, reason=note or f"saved by {who(actor)}", exclude=["is_active"])
    return version


def taxonomy_restore(*, version: TaxonomyVersion, actor: User) -> TaxonomyVersion:
    """Make an older version current again (as a new version, so history stays linear)."""
    return taxonomy_save(
        actor=actor,
        note=f"restored from v{version.number}",
        **{p: getattr(version, p) for p in TAXONOMY_PIECES},
    )


def taxonomy_ensure(*, actor: User | None = None) -> TaxonomyVersion:
    """The active version, creating v1 from the default taxonomy when none exists."""
    active = taxonomy_active_version()
    if active is not None:
        return active
    with transaction.atomic():
        version = TaxonomyVersion(
            number=(TaxonomyVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1,
            is_active=True,
            note="default taxonomy",
            **taxonomy_to_data(tx.Taxonomy.default()),
        )
        version.full_clean(exclude=["is_active"])
        version.save()
    return version


# --- campaigns ---------------------------------------------------------------------------------


def campaign_register(
    *,
    actor: User,
    base_url: str,
    source: str,
    medium: str,
    campaign: str = "",
    tokens: Mapping[str, str] | None = None,
    content: str = "",
    term: str = "",
    start_date: date,
    end_date: date | None = None,
) -> tuple[Campaign, CampaignLink, tx.BuildResult]:
    """Build the tagged URL (from a name or naming tokens) and register campaign + link.

    A campaign name is registered once: another team's campaign of the same name is
    refused (staff may add links to any campaign).
    """
    taxonomy = taxonomy_current()
    try:
        if not campaign and not tokens:
            raise tx.TaxonomyError("campaign", "give a campaign name or its naming tokens")
        built = tx.build_campaign_url(
            base_url, source, medium, campaign, tokens, content, term, taxonomy=taxonomy
        )
    except tx.TaxonomyError as exc:
        raise ValidationError({exc.field: exc.message}) from None
    with transaction.atomic():
        existing = Campaign.objects.select_for_update().filter(name=built.campaign).first()
        if existing is None:
            record = Campaign(
                name=built.campaign,
                owner=actor,
                team=getattr(actor, "team", None),
                channel=built.channel,
                source=built.source,
                medium=built.medium,
                start_date=start_date,
                end_date=end_date,
                taxonomy_version=taxonomy_active_version(),
            )
            model_save(record, reason=f"registered by {who(actor)}")
        else:
            same_team = existing.team_id is not None and existing.team_id == getattr(
                actor, "team_id", None
            )
            if not (existing.owner_id == actor.pk or same_team or has_role(actor, CAMPAIGN_STAFF)):
                raise ValidationError(
                    {
                        "campaign": f"{built.campaign!r} is registered by another team; pick another name."
                    }
                )
            record = existing
        link, _ = CampaignLink.objects.get_or_create(
            campaign=record,
            url=built.url,
            defaults={
                "base_url": base_url.strip()[:2000],
                "source": built.source,
                "medium": built.medium,
                "content": (content or "")[:200],
                "term": (term or "")[:200],
                "channel": built.channel,
                "created_by": actor,
            },
        )
    return record, link, built


CAMPAIGN_FIELDS = ("start_date", "end_date", "channel", "team")


def campaign_update(*, campaign: Campaign, actor: User, **changes: Any) -> Campaign:
    fields_check(changes, fields=CAMPAIGN_FIELDS, message="Not an editable campaign field.")
    if campaign.owner_id != actor.pk and not has_role(actor, CAMPAIGN_STAFF):
        raise PermissionDenied("Only the owner or MOPS staff can edit this campaign.")
    with transaction.atomic():
        model_update(campaign, fields=CAMPAIGN_FIELDS, data=changes)
        model_save(campaign, reason=f"edited by {who(actor)}")
    return campaign
