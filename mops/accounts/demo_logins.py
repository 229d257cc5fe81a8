"""The demo log-ins, importable before Django is set up (the launcher prints them)."""

from .roles import Role

PASSWORD = "mops-demo"

DEMO_TEAMS = [
    ("Demand Gen", "demand-gen", "demand_gen"),
    ("Field Marketing", "field-marketing", "field"),
    ("Sales", "sales", "sales"),
    ("Marketing Ops", "marketing-ops", "mops"),
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
