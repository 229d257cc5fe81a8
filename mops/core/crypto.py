"""Secrets at rest: Fernet encryption keyed from SECRET_KEY (or MOPS_ENCRYPTION_KEY).

Used for webhook signing secrets and warehouse connection strings: stored encrypted,
never rendered back to a page or an API response.
"""

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _fernet() -> Fernet:
    material = settings.MOPS_ENCRYPTION_KEY or settings.SECRET_KEY
    key = base64.urlsafe_b64encode(hashlib.sha256(("mops-secrets:" + material).encode()).digest())
    return Fernet(key)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "Stored secret cannot be decrypted: was the encryption key changed?"
        ) from exc


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the plain value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
