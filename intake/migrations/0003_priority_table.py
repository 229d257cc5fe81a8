# The score and the model version that gave it move from the wide request row to a narrow
# one-row-per-request table, so rescoring the backlog rewrites small rows and two indexes.

import django.db.models.deletion
from django.db import migrations, models

COPY_SCORES = """
INSERT INTO intake_priority (request_id, score, model_version_id)
SELECT id, score, scoring_model_version_id FROM intake_request
"""

COPY_BACK = """
UPDATE intake_request r SET score = p.score, scoring_model_version_id = p.model_version_id
FROM intake_priority p WHERE p.request_id = r.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_backlog_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="Priority",
            fields=[
                (
                    "request",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="priority",
                        serialize=False,
                        to="intake.request",
                    ),
                ),
                (
                    "score",
                    models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True),
                ),
                (
                    "model_version",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="intake.scoringmodelversion",
                    ),
                ),
            ],
        ),
        migrations.RunSQL(COPY_SCORES, COPY_BACK),
        migrations.RemoveConstraint(
            model_name="request",
            name="intake_score_0_100",
        ),
        migrations.RemoveIndex(
            model_name="request",
            name="intake_open_by_score",
        ),
        migrations.RemoveField(
            model_name="historicalrequest",
            name="score",
        ),
        migrations.RemoveField(
            model_name="historicalrequest",
            name="scoring_model_version",
        ),
        migrations.RemoveField(
            model_name="request",
            name="score",
        ),
        migrations.RemoveField(
            model_name="request",
            name="scoring_model_version",
        ),
        migrations.AddIndex(
            model_name="priority",
            index=models.Index(
                models.OrderBy(models.F("score"), descending=True, nulls_last=True),
                models.OrderBy(models.F("request"), descending=True),
                name="intake_priority_rank",
            ),
        ),
        migrations.AddConstraint(
            model_name="priority",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("score__isnull", True),
                    models.Q(("score__gte", 0), ("score__lte", 100)),
                    _connector="OR",
                ),
                name="intake_score_0_100",
            ),
        ),
    ]
