from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.base import BaseCommand
from django.db import IntegrityError, transaction
from tqdm import tqdm

from mops.core import registry

# Loaders fill in what is missing, found by slug. On a database whose demo rows were since
# edited (a calendar given another slug keeps its name), a loader's create can clash; that
# app's demo set is skipped (its transaction rolls back) and the rest still loads, so
# `make run` starts instead of stopping on demo data.
EDITED_DATA = (ValidationError, IntegrityError, ObjectDoesNotExist)


class Command(BaseCommand):
    help = "Load the demo data (idempotent): teams, one user per role, and each app's demo set."

    def handle(self, *args: Any, **options: Any) -> None:
        loaders = registry.demo_loaders
        skipped: list[str] = []
        # A progress bar on a terminal only: in logs (compose, CI) it would be noise.
        with tqdm(
            total=len(loaders),
            desc="demo data",
            unit="app",
            file=self.stdout._out,
            disable=not self.stdout.isatty(),
        ) as bar:
            for name, load in loaders:
                bar.set_postfix_str(name)
                try:
                    with transaction.atomic():
                        load(progress=lambda _msg: bar.refresh())
                except EDITED_DATA as error:
                    skipped.append(name)
                    self.stderr.write(f"demo data: {name} skipped, the database disagrees: {error}")
                bar.update(1)
        if skipped:
            self.stdout.write(
                self.style.WARNING(
                    f"Demo data partly loaded ({', '.join(skipped)} skipped): rows it would "
                    "create clash with rows edited since. Nothing was changed for those."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Demo data ready."))
