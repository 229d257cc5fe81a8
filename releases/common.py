"""What every releases domain shares: the roles each write needs, who acted (None is
the system: beat tasks and workers), the version check and copy names."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError

from mops.accounts.models import User
from mops.accounts.roles import ADMINS, MOPS_STAFF, READ_EVERYTHING, Role, user_roles
from mops.core.concurrency import version_check
from releases.trains.models import SYSTEM

log = logging.getLogger(__name__)


# Knobs are settings (mops/settings.py: RELEASES_*); this one is a rule, not a knob.
MAX_MOVE_DAYS = 366  # a departure moved further than this is a new train, not a move

TRAIN_EDITORS = frozenset({Role.ADMIN, Role.PM})
DEPARTURE_EDITORS = frozenset({Role.ADMIN, Role.PM})
BOARDERS = MOPS_STAFF
LAUNCHERS = MOPS_STAFF
FREEZE_EDITORS = ADMINS
TEMPLATE_EDITORS = frozenset({Role.ADMIN, Role.PM})
CHECKERS = MOPS_STAFF
EXPERIMENT_EDITORS = MOPS_STAFF
EXPERIMENT_READERS = READ_EVERYTHING  # who reads releases' pages: MOPS staff and leadership


BOARDING_RULES = ("channel", "capacity", "cutoff", "freeze", "checklist", "departure", "state")
# Pages name a refused rule "Refused (freeze): <reason>" (call_service's field_map).
REFUSAL_LABELS = {rule: f"Refused ({rule})" for rule in BOARDING_RULES}


class BoardingRefused(ValidationError):
    """Boarding refused; `rule` names the rule that failed (channel, capacity, cutoff,
    freeze, checklist, departure, state), also used as the error's field."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__({rule: ValidationError(message, code=rule)})
        self.rule = rule
        self.reason = message


def who(actor: User | None) -> str:
    return actor.username if actor is not None else "system"


def roles_of(actor: User | None) -> frozenset[str]:
    return frozenset({SYSTEM}) if actor is None else user_roles(actor)


def check_version(obj: Any, expected: int | None) -> None:
    """Raise the kernel's `StaleVersion` when the caller read an older `version` of `obj`."""
    version_check(obj.version, expected)


def copy_name(model: Any, name: str) -> str:
    base = f"Copy of {name}"
    candidate, n = base, 1
    while model.objects.filter(name__iexact=candidate).exists():
        n += 1
        candidate = f"{base} ({n})"
    return candidate[:120]
