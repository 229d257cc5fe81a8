"""Django loads an app's models from `<app>.models`: releases keeps each domain's models in its
subpackage (`releases.trains`, `.boarding`, `.qa`, `.experiments`) and lists them here only so
that they are registered when the app loads. Import models from their domain, not from here."""

from releases.boarding import models as boarding_models  # noqa: F401
from releases.experiments import models as experiments_models  # noqa: F401
from releases.qa import models as qa_models  # noqa: F401
from releases.trains import models as trains_models  # noqa: F401
