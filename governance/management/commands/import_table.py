"""manage.py import_table KIND FILE --user NAME [--commit]: calendars, catalog services or
taxonomy terms from a CSV / YAML file, through the same import services as the API (a
preview unless --commit; nothing written when any line has an error)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.imports import calendars_import, services_import
from governance.taxonomy.imports import taxonomy_terms_import
from mops.accounts.models import User

KINDS = {
    "calendars": calendars_import,
    "services": services_import,
    "taxonomy-terms": taxonomy_terms_import,
}


class Command(BaseCommand):
    help = "Import calendars, catalog services or taxonomy terms from CSV or YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="Who imports (username).")
        parser.add_argument("--commit", action="store_true", help="Write (default: preview).")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['user']!r}.")
        path = Path(options["file"])
        try:
            rows = KINDS[options["kind"]](
                actor=actor, data=path.read_bytes(), filename=path.name, commit=options["commit"]
            )
        except (OSError, ValidationError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        for row in rows:
            if row.errors:
                for error in row.errors:
                    self.stdout.write(f"Line {row.line}: {error}")
            else:
                self.stdout.write(f"Line {row.line}: {row.key}: {row.action}")
        if any(r.errors for r in rows):
            raise CommandError("Nothing imported: fix the lines above.")
        done = "imported" if options["commit"] else "preview only (add --commit to write)"
        self.stdout.write(self.style.SUCCESS(f"{len(rows)} row(s): {done}."))
