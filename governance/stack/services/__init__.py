"""Writes of the stack domain: tools, flows, contracts, renewal decisions and alerts.

Every write checks the role, validates with `full_clean()` inside `transaction.atomic()`
and leaves a history row with its reason (simple-history), like every mops service.
"""

from ._common import (
    CONTRACT_FIELDS,
    FLOW_FIELDS,
    RENEWAL_ALERT_DAYS,
    STACK_EDITORS,
    STACK_READERS,
    TOOL_FIELDS,
    ImportRow,
    csv_header,
    csv_rows,
)
from .contracts import (
    contract_create,
    contract_update,
    renewal_alerts_send,
    renewal_decide,
)
from .flows import (
    flow_create,
    flow_update,
)
from .reviews import (
    REVIEW_REMINDER_DAYS,
    access_review_attest,
    access_review_reminders_send,
    access_review_start,
    can_attest,
)
from .seats import (
    SEAT_CSV_COLUMNS,
    SeatLine,
    seats_import,
)
from .tools import (
    TOOL_CSV_COLUMNS,
    tool_create,
    tool_update,
    tools_import_csv,
)

__all__ = [
    "STACK_READERS",
    "STACK_EDITORS",
    "TOOL_FIELDS",
    "FLOW_FIELDS",
    "CONTRACT_FIELDS",
    "RENEWAL_ALERT_DAYS",
    "ImportRow",
    "csv_rows",
    "csv_header",
    "tool_create",
    "tool_update",
    "TOOL_CSV_COLUMNS",
    "tools_import_csv",
    "flow_create",
    "flow_update",
    "contract_create",
    "contract_update",
    "renewal_decide",
    "renewal_alerts_send",
    "SEAT_CSV_COLUMNS",
    "SeatLine",
    "seats_import",
    "REVIEW_REMINDER_DAYS",
    "access_review_start",
    "can_attest",
    "access_review_attest",
    "access_review_reminders_send",
]
