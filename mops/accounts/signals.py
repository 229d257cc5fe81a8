"""Signals accounts sends for apps above it (they connect receivers in their AppConfig.ready).

`user_deactivated(sender=User, user=..., actor=..., reason=...)` is sent inside the
deactivation's transaction: a receiver revoking the person's own credentials (calendar
feed tokens...) commits or rolls back with it.
"""

from django.dispatch import Signal

user_deactivated = Signal()
