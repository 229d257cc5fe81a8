"""Demo teams and one user per role (password DEMO_PASSWORD), idempotent."""

from collections.abc import Callable

from .models import Team, User
from .roles import Role
from .services import roles_ensure_groups

DEMO_PASSWORD = "mops-demo"

DEMO_TEAMS = [
    ("Demand Gen", "demand-gen", Team.Group.DEMAND_GEN),
    ("Field Marketing", "field-marketing", Team.Group.FIELD),
    ("Sales", "sales", Team.Group.SALES),
    ("Marketing Ops", "marketing-ops", Team.Group.MOPS),
]

# username, first, last, role, team slug
DEMO_USERS = [
    ("requester", "Riley", "Requester", Role.REQUESTER, "demand-gen"),
    ("field", "Frankie", "Field", Role.REQUESTER, "field-marketing"),
    ("pm", "Pat", "Manager", Role.PM, "marketing-ops"),
    ("engineer", "Eli", "Engineer", Role.ENGINEER, "marketing-ops"),
    ("approver", "Avery", "Approver", Role.APPROVER, "marketing-ops"),
    ("approver2", "Jordan", "Approver", Role.APPROVER, "sales"),
    ("leader", "Lee", "Leadership", Role.LEADERSHIP, "demand-gen"),
    ("admin", "Ada", "Admin", Role.ADMIN, "marketing-ops"),
]


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
