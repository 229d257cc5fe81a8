"""Every write on requests: create, edit, transition (the one path), comments, watchers,
scoring-model changes with set-based rescoring, the SLA sweep and the weekly review mail.

Rules a reader could not guess:

* `request_transition` is the single path for every status change (pages, API, bulk
  actions, releases' boarding and go-live). It locks the row, checks the lifecycle and the
  role, compares `expected_version` (stale → 412), records a `RequestEvent` and recomputes
  the denormalised SLA fields from the whole event timeline.
* Nobody triages (accept / reject / needs_info) a request they made themselves.
* A requester acts only on their own team's requests.
* Drafts keep what was typed; submitting validates everything at once and raises one
  ValidationError listing every missing or invalid field (`answers.<key>`, `brief`,
  `tracking_plan.utm_source`, `scoring_inputs.impact`, ...).

The package, by domain: `access`, `tracking`, `priority`, `validation`, `lifecycle`, `editing`, `activity`, `sla`. Every name is
re-exported here, so callers import from `intake.services` as before.
"""

from __future__ import annotations

from .access import (
    _now,
    can_edit,
    is_triager,
)
from .activity import (
    ATTACHMENTS_MAX,
    MENTION_RE,
    _own_view,
    attachment_add,
    attachment_max_bytes,
    attachments_add,
    can_attach,
    comment_create,
    saved_view_delete,
    saved_view_save,
    saved_view_update,
    watcher_set,
)
from .editing import (
    BULK_ACTIONS,
    IdempotencyMismatch,
    _check_assignee,
    _check_template,
    _replay,
    body_hash,
    request_create,
    request_create_idempotent,
    request_update,
    requests_bulk,
)
from .lifecycle import (
    _check_actor,
    _clock_step,
    _lock,
    _notify_transition,
    _recipients,
    _refresh_sla,
    _stamp,
    _timeline,
    _transition,
    request_clocks,
    request_release_step,
    request_transition,
)
from .priority import (
    _apply_scoring,
    _factors,
    default_scoring_version,
    requests_rescore,
    scoring_model_create,
    scoring_model_update,
)
from .sla import (
    _SWEEP_SQL,
    _notify_sla,
    _pms,
    sla_sweep,
    weekly_review_send,
)
from .tracking import (
    EVENT_NAME_MAX,
    EVENTS_MAX,
    PLAN_KEYS,
    REQUIRED_TRACKING,
    TRACKING_EVENTS,
    TRACKING_KEYS,
    UTM_VALUE_RE,
    _clean_events,
    _clean_tracking,
    campaign_name_example,
    campaign_name_problem,
    tracking_events,
    tracking_plan_findings,
)
from .validation import (
    BRIEF_FIELDS,
    REQUESTER_FIELDS,
    STAFF_FIELDS,
    STANDARD_ANSWER_KEYS,
    SUBMIT_REQUIRED,
    _answer_date,
    _clean_answers_draft,
    _fill_from_answers,
    request_problems,
    standard_fields_asked,
    submit_required_fields,
)

__all__ = [
    "ATTACHMENTS_MAX",
    "BRIEF_FIELDS",
    "BULK_ACTIONS",
    "EVENTS_MAX",
    "EVENT_NAME_MAX",
    "IdempotencyMismatch",
    "MENTION_RE",
    "PLAN_KEYS",
    "REQUESTER_FIELDS",
    "REQUIRED_TRACKING",
    "STAFF_FIELDS",
    "STANDARD_ANSWER_KEYS",
    "SUBMIT_REQUIRED",
    "TRACKING_EVENTS",
    "TRACKING_KEYS",
    "UTM_VALUE_RE",
    "_SWEEP_SQL",
    "_answer_date",
    "_apply_scoring",
    "_check_actor",
    "_check_assignee",
    "_check_template",
    "_clean_answers_draft",
    "_clean_events",
    "_clean_tracking",
    "_clock_step",
    "_factors",
    "_fill_from_answers",
    "_lock",
    "_notify_sla",
    "_notify_transition",
    "_now",
    "_own_view",
    "_pms",
    "_recipients",
    "_refresh_sla",
    "_replay",
    "_stamp",
    "_timeline",
    "_transition",
    "attachment_add",
    "attachment_max_bytes",
    "attachments_add",
    "body_hash",
    "campaign_name_example",
    "campaign_name_problem",
    "can_attach",
    "can_edit",
    "comment_create",
    "default_scoring_version",
    "is_triager",
    "request_clocks",
    "request_create",
    "request_create_idempotent",
    "request_problems",
    "request_release_step",
    "request_transition",
    "request_update",
    "requests_bulk",
    "requests_rescore",
    "saved_view_delete",
    "saved_view_save",
    "saved_view_update",
    "scoring_model_create",
    "scoring_model_update",
    "sla_sweep",
    "standard_fields_asked",
    "submit_required_fields",
    "tracking_events",
    "tracking_plan_findings",
    "watcher_set",
    "weekly_review_send",
]
