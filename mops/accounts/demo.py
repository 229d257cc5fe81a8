"""Demo teams and one user per role (see demo_logins), idempotent."""

from collections.abc import Callable

from .demo_logins import DEMO_TEAMS, DEMO_USERS
from .demo_logins import PASSWORD as DEMO_PASSWORD
from .models import Team, User
from .roles import Role
from .services import roles_ensure_groups


def load(progress: Callable[[str], None] = lambda _: None) -> None:
    groups = roles_ensure_groups()
    teams = {}
    for name, slug, group in DEMO_TEAMS:
        teams[slug], _ = Team.objects.get_or_create(
            slug=slug, defaults={"name": name, "group": group}
        )
    for username, first, last, role, team in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@example.com",
                team=teams[team],
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        user.groups.add(groups[role])
        progress(f"user {username}")
