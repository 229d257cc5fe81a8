"""Intake's models, by domain: requests and their lifecycle (`requests`), scoring models and
priority (`priority`), and what happens around a request (`activity`: comments, watchers,
attachments, SLA notices, saved views). Import them from here (`intake.models`); every
model keeps the app label `intake` and its table.
"""

# The import models live in their domain package; imported here so Django registers them.
from ..imports.models import ImportedRequest, ImportRun
from .activity import Comment, RequestAttachment, SavedView, SlaNotice, Watcher
from .priority import Priority, ScoringModel, ScoringModelVersion
from .requests import (
    BACKLOG_STATUSES,
    BEFORE_LIVE,
    BUILDERS,
    EDITABLE_BY_REQUESTER,
    FINISHED_STATUSES,
    OPEN_STATUSES,
    OVERRIDE_LIVE,
    REQUEST_LIFECYCLE,
    REQUESTER_ACTIONS,
    REQUESTER_EXPECTATION,
    REQUESTERS,
    TERMINAL_STATUSES,
    TRIAGE_DECISIONS,
    TRIAGERS,
    IdempotencyKey,
    Request,
    RequestEvent,
    RequestQuerySet,
    SlaClock,
    SlaState,
    Status,
)

# django-simple-history's tracked copies, reachable here as they were before the split.
HistoricalComment = Comment.history.model
HistoricalRequest = Request.history.model
HistoricalScoringModel = ScoringModel.history.model

__all__ = [
    "BACKLOG_STATUSES",
    "BEFORE_LIVE",
    "BUILDERS",
    "EDITABLE_BY_REQUESTER",
    "FINISHED_STATUSES",
    "OPEN_STATUSES",
    "OVERRIDE_LIVE",
    "REQUESTERS",
    "REQUESTER_ACTIONS",
    "REQUESTER_EXPECTATION",
    "REQUEST_LIFECYCLE",
    "TERMINAL_STATUSES",
    "TRIAGERS",
    "TRIAGE_DECISIONS",
    "Comment",
    "HistoricalComment",
    "HistoricalRequest",
    "HistoricalScoringModel",
    "IdempotencyKey",
    "ImportRun",
    "ImportedRequest",
    "Priority",
    "Request",
    "RequestAttachment",
    "RequestEvent",
    "RequestQuerySet",
    "SavedView",
    "ScoringModel",
    "ScoringModelVersion",
    "SlaClock",
    "SlaNotice",
    "SlaState",
    "Status",
    "Watcher",
]
