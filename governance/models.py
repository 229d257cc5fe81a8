"""Django loads an app's models from `<app>.models`: governance keeps each domain's models in
its subpackage (`governance.rfc`, `governance.taxonomy`, `governance.health`) and re-exports
them here, so the app registry, migrations and code written against `governance.models`
see one module. New code imports models from their domain."""

from governance.health.models import *  # noqa: F403 — re-exports every model of the domain
from governance.rfc.models import *  # noqa: F403 — idem
from governance.rfc.models import (  # explicit: referenced by migration 0001 and by other apps
    LINKED_OBJECT_KINDS as LINKED_OBJECT_KINDS,
)
from governance.rfc.models import validate_linked_objects as validate_linked_objects
from governance.rfc.models import validate_risk_answers as validate_risk_answers
from governance.taxonomy.models import *  # noqa: F403 — idem
