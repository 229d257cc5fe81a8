"""Governance models: RFC change control and the campaign taxonomy (`rfc`), data contracts,
data health, monitors, incidents, on-call and runbooks (`health`)."""

from .health import *  # noqa: F403 — the package re-exports every model of its modules
from .rfc import *  # noqa: F403 — idem
from .rfc import (  # explicit: referenced by migration 0001 and by other apps
    LINKED_OBJECT_KINDS as LINKED_OBJECT_KINDS,
)
from .rfc import (
    validate_linked_objects as validate_linked_objects,
)
from .rfc import (
    validate_risk_answers as validate_risk_answers,
)
