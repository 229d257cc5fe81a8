"""Every role's group exists from `migrate` on, so a clean install has roles to give."""

from django.db import migrations

# A copy of mops.accounts.roles.GROUP_NAMES as it stood: migrations never import app code.
ROLE_GROUPS = ("Requester", "MOPS PM", "MOPS Engineer", "Approver", "Leadership", "Admin")


def create_role_groups(apps, schema_editor):  # type: ignore[no-untyped-def]
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
