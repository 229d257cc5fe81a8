# New datasets default to one full run a night instead of every 30 minutes (#17). Existing
# datasets keep the schedule they have: the default applies to rows created from now on.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_check_result_error_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicaldataset",
            name="schedule",
            field=models.CharField(
                default="0 2 * * *",
                help_text="Cron expression (minute hour day month weekday) for scheduled full runs.",
                max_length=100,
            ),
        ),
        migrations.AlterField(
            model_name="dataset",
            name="schedule",
            field=models.CharField(
                default="0 2 * * *",
                help_text="Cron expression (minute hour day month weekday) for scheduled full runs.",
                max_length=100,
            ),
        ),
    ]
