"""Per-person secrets in calendar-feed addresses, written once (#13).

Calendar apps cannot send credentials, so a feed's address carries a token: the person's id
signed with SECRET_KEY (django.core.signing) under the feed's own salt, so it opens only that
feed, and only while the account is active. Rotating bumps the person's generation for the
feed (`FeedKey`, with a history row naming who): the token then signs "<id>.<generation>"
and every earlier address of that feed stops working. Generation 0 (never rotated) signs the
bare id, the address issued before rotation existed.

    token = feed_token(user, feed="enablement.office-hours-feed")
    user = feed_user(token, feed="enablement.office-hours-feed")   # None: bad, old, inactive
    token = feed_token_rotate(actor=user, feed="enablement.office-hours-feed")
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from mops.accounts.models import User
from mops.core.audit import set_change_reason, set_history_user
from mops.core.models import FeedKey

TOKEN_MAX_CHARS = 200


def _generation(user_id: int, feed: str) -> int:
    found = FeedKey.objects.filter(user_id=user_id, feed=feed).values_list("generation", flat=True)
    return found.first() or 0


def _sign(user_id: int, generation: int, feed: str) -> str:
    value = str(user_id) if generation == 0 else f"{user_id}.{generation}"
    return signing.Signer(salt=feed).sign(value)


def feed_token(user: User, *, feed: str) -> str:
    """The token of `user`'s current address to `feed`."""
    return _sign(user.pk, _generation(user.pk, feed), feed)


def feed_user(token: str, *, feed: str) -> User | None:
    """The active user whose current address to `feed` carries `token`; None for a bad,
    forged, rotated-away or inactive one."""
    if not token or len(token) > TOKEN_MAX_CHARS:
        return None
    try:
        value = signing.Signer(salt=feed).unsign(token)
    except signing.BadSignature:
        return None
    user_text, _, generation_text = value.partition(".")
    try:
        user_id, generation = int(user_text), int(generation_text or 0)
    except ValueError:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or _generation(user_id, feed) != generation:
        return None
    return user


def feed_token_rotate(*, actor: User, feed: str) -> str:
    """Issue `actor` a new address to `feed` (their own: nobody rotates another's) and
    return its token; the previous address answers as unknown from now on."""
    with transaction.atomic():
        key, _ = FeedKey.objects.select_for_update().get_or_create(user=actor, feed=feed)
        key.generation += 1
        key.rotated_at = timezone.now()
        set_change_reason(key, f"rotated by {actor.username}")
        set_history_user(key, actor)
        key.save()
    return _sign(actor.pk, key.generation, feed)
