"""What releases' API shares: who reads it."""

from __future__ import annotations

from mops.accounts.roles import READ_EVERYTHING, Role

RELEASE_READERS = READ_EVERYTHING | {Role.APPROVER}
