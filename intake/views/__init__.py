"""Request pages: backlog / my team's requests, the request form, the detail page (SLA,
score explanation, events, comments), bulk triage, saved views, weekly review, scoring.

Thin: parse input, call a service or selector, render. Permission rules live in services.

One module per page area: `backlog`, `form`, `detail` (and `_common`). The page classes
are re-exported here for `intake/urls.py`.
"""

from __future__ import annotations

from .backlog import (
    BulkView,
    RequestListView,
    ReviewView,
    SavedViewView,
    ScoringView,
)
from .detail import (
    AttachmentDownloadView,
    AttachmentUploadView,
    CommentView,
    RequestDetailView,
    RequestTransitionView,
    RequestTriageView,
    WatchView,
)
from .form import (
    RequestCreateView,
    RequestEditView,
    ServicePickView,
)

__all__ = [
    "AttachmentDownloadView",
    "AttachmentUploadView",
    "BulkView",
    "CommentView",
    "RequestCreateView",
    "RequestDetailView",
    "RequestEditView",
    "RequestListView",
    "RequestTransitionView",
    "RequestTriageView",
    "ReviewView",
    "SavedViewView",
    "ScoringView",
    "ServicePickView",
    "WatchView",
]
