"""Secrets at rest: Fernet encryption keyed from SECRET_KEY (or MOPS_ENCRYPTION_KEY).

Used for webhook signing secrets and warehouse connection strings: stored encrypted,
never rendered back to a page or an API response.

New values are encrypted with the first key (MOPS_ENCRYPTION_KEY when set, else SECRET_KEY);
stored values decrypt with any of: that key, SECRET_KEY, and each of Django's
SECRET_KEY_FALLBACKS — so setting MOPS_ENCRYPTION_KEY on an install that has been keying from
SECRET_KEY, or rotating SECRET_KEY with the old one as a fallback, leaves every stored secret
readable (and `rotate` re-encrypts under the first key).
"""

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


def _key(material: str) -> Fernet:
    return Fernet(
        base64.urlsafe_b64encode(hashlib.sha256(("mops-secrets:" + material).encode()).digest())
    )


def _fernet() -> MultiFernet:
    materials = [
        settings.MOPS_ENCRYPTION_KEY or settings.SECRET_KEY,
        settings.SECRET_KEY,
        *getattr(settings, "SECRET_KEY_FALLBACKS", ()),
    ]
    return MultiFernet([_key(m) for m in dict.fromkeys(m for m in materials if m)])


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


def rotate(token: str) -> str:
    """`token` re-encrypted under the first key (for a key change: see docs/operations.md)."""
    return _fernet().rotate(token.encode()).decode() if token else ""


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the plain value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
