"""Every data-health and watch write: warehouses, datasets (+ their beat schedule),
contracts, check runs, monitors and pings, incidents, on-call, runbooks.
`<entity>_<verb>(*, ..., actor)`.

One module a domain (`datasets`, `runs`, `incidents`); this package re-exports their public
names, so callers import `governance.health.services`.
"""

from .datasets import (
    DATA_ADMINS as DATA_ADMINS,
)
from .datasets import (
    RUN_TASK as RUN_TASK,
)
from .datasets import (
    app_database_conninfo as app_database_conninfo,
)
from .datasets import (
    contract_draft as contract_draft,
)
from .datasets import (
    contract_import_yaml as contract_import_yaml,
)
from .datasets import (
    contract_save as contract_save,
)
from .datasets import (
    dataset_introspect as dataset_introspect,
)
from .datasets import (
    dataset_save as dataset_save,
)
from .datasets import (
    dataset_schedule_sync as dataset_schedule_sync,
)
from .datasets import (
    datasets_import_dbt as datasets_import_dbt,
)
from .datasets import (
    warehouse_connect as warehouse_connect,
)
from .datasets import (
    warehouse_save as warehouse_save,
)
from .incidents import (
    incident_acknowledge as incident_acknowledge,
)
from .incidents import (
    incident_escalate_sweep as incident_escalate_sweep,
)
from .incidents import (
    incident_open as incident_open,
)
from .incidents import (
    incident_resolve as incident_resolve,
)
from .incidents import (
    incident_resolve_for_source as incident_resolve_for_source,
)
from .incidents import (
    monitor_ping as monitor_ping,
)
from .incidents import (
    monitor_save as monitor_save,
)
from .incidents import (
    monitor_sweep as monitor_sweep,
)
from .incidents import (
    oncall_members as oncall_members,
)
from .incidents import (
    oncall_user as oncall_user,
)
from .incidents import (
    rotation_default as rotation_default,
)
from .incidents import (
    runbook_save as runbook_save,
)
from .runs import (
    RUNNERS as RUNNERS,
)
from .runs import (
    RunInProgress as RunInProgress,
)
from .runs import (
    dataset_run_checks as dataset_run_checks,
)
from .runs import (
    dataset_run_dequeue as dataset_run_dequeue,
)
from .runs import (
    dataset_run_pending as dataset_run_pending,
)
from .runs import (
    dataset_run_queue as dataset_run_queue,
)
