"""Moved: the check engine lives in ``governance.health.checks`` (a package: registry,
compilers per check kind, grouped pass, samples). This name re-exports it for code written
before the move; import from ``governance.health.checks``."""

from governance.health.checks import *  # noqa: F403  (the moved module's public names)
from governance.health.checks import __all__  # noqa: F401
