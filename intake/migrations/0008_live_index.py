"""Requests gone live in a period, per service, read from an index (#17): the stack's
golden-path share scanned all 1,000,000 requests for one quarter's (67 ms of the
dashboard's quarter view). Built concurrently: no write lock on a large request table."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("intake", "0007_status_tally"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="request",
            index=models.Index(
                condition=models.Q(("live_at__isnull", False)),
                fields=["live_at"],
                include=("service",),
                name="intake_req_live",
            ),
        ),
    ]
