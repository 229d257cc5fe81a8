"""Importing requests from a Jira Service Management or Asana CSV export (#21).

The flow: `import_run_create` stores the upload and guesses the mapping; `import_run_start`
takes the mapping (columns, statuses, services, defaults) and runs it — as a dry run that
only reports what would happen, or for real — synchronously for a small file, else in the
Celery task `intake.tasks.import_run`, which calls `import_run_execute`.

Rules a reader could not guess:
- **All or nothing.** Every row is checked before anything is written; with any error the
  run ends `failed` with every error listed ("Line N: column: problem") and nothing
  written. The write is one transaction: a crash half-way leaves no request behind.
- **Idempotent by source id** (`ImportedRequest`, unique per system): a row seen before is
  unchanged (same values), updated (values changed: fields rewritten and its imported
  history replaced from the file), or skipped when the request was changed in mops since
  it was imported (mops is then the source of truth; the run counts it as skipped).
- **History with the file's times**: each row becomes the lifecycle events of its path to
  its status (`importmapping.history`), written as `RequestEvent` rows at those times with
  the importer as actor and "Imported from Jira MOPS-1" as note, so TTC, SLA and aging are
  computed from them like any other request's. The request's SLA fields are computed from
  those steps before the insert (`intake.services._refresh_sla` with the timeline, the same
  code a transition runs), and the hooks in
  `intake.hooks.requests_imported` (metrics' facts) run after commit.
- People are matched by e-mail, username or full name; an unknown requester becomes the
  importer, an unknown assignee none — the original names are kept in the row's `extra`.

The steps, a module each: `upload` (limits, the stored run), `mapping` (preview, the
chosen mapping checked), `planning` (every row checked and sorted, no write), `writing`
(the plan written), `runs` (start and execute), `progress` (the worker's progress in the
cache); reads are in `intake.imports.selectors`.
"""

from .mapping import PREVIEW_ROWS, Preview, import_preview
from .planning import STAFF, Plan, Planned
from .progress import CHUNK, import_progress
from .runs import ERRORS_KEPT, import_run_execute, import_run_start, import_sync_rows
from .upload import import_max_bytes, import_run_create, import_upload_bytes
from .writing import MILESTONE_FIELDS, RELATED, SLA_FIELDS, UPDATE_FIELDS

__all__ = [
    "CHUNK",
    "ERRORS_KEPT",
    "MILESTONE_FIELDS",
    "PREVIEW_ROWS",
    "RELATED",
    "SLA_FIELDS",
    "STAFF",
    "UPDATE_FIELDS",
    "Plan",
    "Planned",
    "Preview",
    "import_max_bytes",
    "import_preview",
    "import_progress",
    "import_run_create",
    "import_run_execute",
    "import_run_start",
    "import_sync_rows",
    "import_upload_bytes",
]
