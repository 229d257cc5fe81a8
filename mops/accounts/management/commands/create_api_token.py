from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mops.accounts.models import User
from mops.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token for USER and print the key (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        _, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
