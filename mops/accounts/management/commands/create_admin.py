from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mops.accounts.services import admin_create


class Command(BaseCommand):
    help = (
        "Create the first administrator: a superuser in the Admin role. "
        "Asks for the password unless --password is given (or MOPS_ADMIN_PASSWORD is set)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", default="")
        parser.add_argument(
            "--first-run",
            action="store_true",
            help="Do nothing if an administrator exists; else ask for the user name too.",
        )
        parser.add_argument("--email", default="")
        parser.add_argument("--password", default="")

    def handle(
        self, *args: Any, username: str, email: str, password: str, first_run: bool, **options: Any
    ) -> None:
        import getpass
        import os

        from django.core.exceptions import ValidationError

        from mops.accounts.models import User

        if first_run:
            if User.objects.filter(is_superuser=True, is_active=True).exists():
                return
            self.stdout.write("No administrator yet: create the first one (Admin role).")
            username = username or input("User name: ").strip()
            email = email or input("E-mail (optional): ").strip()
        if not username:
            raise CommandError("Give the administrator's user name: create_admin NAME.")
        password = password or os.environ.get("MOPS_ADMIN_PASSWORD", "")
        if not password:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords differ.")
        try:
            user = admin_create(username=username, email=email, password=password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"Administrator {user.username} created (Admin role). Log in at /login/.")
