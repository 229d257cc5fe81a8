"""System checks of mops's own (run by `manage.py check`, `--deploy` in production)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

# Words that only a placeholder or sample secret contains.
PLACEHOLDER_MARKERS = ("change-me", "changeme", "change_me", "insecure", "placeholder", "example")


@register(Tags.security, deploy=True)
def secret_key_is_not_a_placeholder(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A sample SECRET_KEY (from a compose file, a README, the dev default) is public: it
    would let anyone forge sessions and read the secrets stored encrypted with it."""
    key = str(settings.SECRET_KEY).lower()
    if any(marker in key for marker in PLACEHOLDER_MARKERS):
        return [
            Error(
                "SECRET_KEY is a placeholder value, which is public.",
                hint="Set SECRET_KEY to 50+ random characters, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
                id="mops.E001",
            )
        ]
    return []
