"""The backlog's partial sort indexes cover drafts too (the open list shows the viewer's
drafts), and the by-due one carries status and requester so the list's count is an
index-only scan. Built concurrently: no write lock on a large request table."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

BACKLOG = ["accepted", "draft", "in_progress", "in_qa", "needs_info", "scheduled", "submitted"]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("intake", "0005_import_runs"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="request",
            index=models.Index(
                models.OrderBy(models.F("sla_due_at"), nulls_last=True),
                models.OrderBy(models.F("id")),
                condition=models.Q(("status__in", BACKLOG)),
                include=("status", "requester"),
                name="intake_backlog_by_due",
            ),
        ),
        AddIndexConcurrently(
            model_name="request",
            index=models.Index(
                models.OrderBy(models.F("submitted_at"), nulls_last=True),
                models.OrderBy(models.F("id")),
                condition=models.Q(("status__in", BACKLOG)),
                name="intake_backlog_by_age",
            ),
        ),
        RemoveIndexConcurrently(model_name="request", name="intake_open_by_due"),
        RemoveIndexConcurrently(model_name="request", name="intake_open_by_age"),
    ]
