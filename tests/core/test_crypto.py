"""Secrets at rest survive a key change: setting MOPS_ENCRYPTION_KEY later, or rotating
SECRET_KEY with the old one in SECRET_KEY_FALLBACKS."""

import pytest

from mops.core import crypto


def test_setting_an_encryption_key_later_keeps_old_secrets_readable(settings):
    settings.MOPS_ENCRYPTION_KEY = ""
    old = crypto.encrypt("postgres://reader:pw@wh/db")
    settings.MOPS_ENCRYPTION_KEY = "a-dedicated-key-" + "x" * 40
    assert crypto.decrypt(old) == "postgres://reader:pw@wh/db"
    new = crypto.encrypt("hook-secret")
    settings.MOPS_ENCRYPTION_KEY = ""
    with pytest.raises(ValueError, match="encryption key"):
        crypto.decrypt(new)  # written under the dedicated key only


def test_a_rotated_secret_key_reads_through_its_fallback_and_rotate_moves_it(settings):
    settings.MOPS_ENCRYPTION_KEY = ""
    settings.SECRET_KEY = "old-" + "k" * 50
    token = crypto.encrypt("s3cret")
    settings.SECRET_KEY = "new-" + "k" * 50
    with pytest.raises(ValueError):
        crypto.decrypt(token)
    settings.SECRET_KEY_FALLBACKS = ["old-" + "k" * 50]
    assert crypto.decrypt(token) == "s3cret"
    moved = crypto.rotate(token)
    settings.SECRET_KEY_FALLBACKS = []
    assert crypto.decrypt(moved) == "s3cret"
