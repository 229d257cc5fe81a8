"""The governance step of the set-up guide: the campaign taxonomy."""

from collections.abc import Iterable

from django.urls import reverse

from governance.taxonomy.models import TaxonomyVersion
from mops.core.registry import SetupStep


def setup_steps() -> Iterable[SetupStep]:
    active = TaxonomyVersion.objects.filter(is_active=True).first()
    yield SetupStep(
        title="Campaign taxonomy" + (f" (v{active.number})" if active else ""),
        done=active is not None,
        url=reverse("governance:taxonomy"),
        detail="Allowed sources and mediums, channel rules and the campaign naming "
        "convention: the UTM builder and request checks use it.",
        order=70,
    )
