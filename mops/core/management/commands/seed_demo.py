from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from mops.core import registry


class Command(BaseCommand):
    help = "Load the demo data (idempotent): teams, one user per role, and each app's demo set."

    def handle(self, *args: Any, **options: Any) -> None:
        loaders = registry.demo_loaders
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
                with transaction.atomic():
                    load(progress=lambda _msg: bar.refresh())
                bar.update(1)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
