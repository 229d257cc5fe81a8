"""The service catalog: services and their versions, SLA policies, business calendars, templates.

Choices other apps reuse live here: `Channel` (release trains, QA checklists), `ChangeType`
and `Complexity`.

SLA targets are stored in *business hours*. "2 business days" is displayed by dividing by
the policy calendar's standard day length (`Calendar.hours_per_day`, the most common
length of an open weekday: 8 for Mon–Fri 9–17), so the Standard policy stores 16 / 40 /
120 hours for 2 / 5 / 15 days. The business-time engine (`catalog/businesstime.py`)
adds those hours on the calendar; it never converts days.
"""

from .calendars import (
    DEFAULT_WORKING_HOURS,
    WEEKDAYS,
    Calendar,
    ClosedDay,
    _time_zones,
    format_hours,
    parse_hhmm,
    validate_holiday_region,
    validate_time_zone,
    validate_working_hours,
)
from .choices import ChangeType, Channel, Complexity
from .policies import TARGET_CHOICES, SlaPolicy, parse_target_token, validate_target_kinds
from .services import (
    RESERVED_SLUGS,
    SERVICE_LIFECYCLE,
    SelfServeCompletion,
    SelfServeTool,
    Service,
    ServiceStatus,
    ServiceVersion,
    validate_input_definition,
)
from .templates import PatternKind, Template, TemplateVersion

__all__ = [
    "Calendar",
    "ChangeType",
    "Channel",
    "ClosedDay",
    "Complexity",
    "DEFAULT_WORKING_HOURS",
    "PatternKind",
    "RESERVED_SLUGS",
    "SERVICE_LIFECYCLE",
    "SelfServeCompletion",
    "SelfServeTool",
    "Service",
    "ServiceStatus",
    "ServiceVersion",
    "SlaPolicy",
    "TARGET_CHOICES",
    "Template",
    "TemplateVersion",
    "WEEKDAYS",
    "_time_zones",
    "format_hours",
    "parse_hhmm",
    "parse_target_token",
    "validate_holiday_region",
    "validate_input_definition",
    "validate_target_kinds",
    "validate_time_zone",
    "validate_working_hours",
]
