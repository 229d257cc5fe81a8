"""Comments (with @mentions), watchers, saved views and attachments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from mops.accounts.models import User
from mops.accounts.roles import COMMENTERS, Role, has_role
from mops.core.filters import query_without_empty
from mops.core.services import model_save
from mops.core.uploads import upload_max_bytes, validate_upload
from mops.notify.services import notification_create

from ..models import (
    TERMINAL_STATUSES,
    Comment,
    Request,
    RequestAttachment,
    SavedView,
    Watcher,
)
from .lifecycle import _recipients

MENTION_RE = re.compile(r"(?<![\w@])@([\w.+-]{1,150})")
ATTACHMENTS_MAX = 20


# --- comments and watchers ----------------------------------------------------------------


def comment_create(*, request: Request, actor: User, body: str) -> Comment:
    """A comment; @username mentions notify those users (if they may see the request),
    watchers hear about it too, and the author starts watching."""
    from ..selectors import request_visible_to

    if not has_role(actor, COMMENTERS):
        raise PermissionDenied("Leadership reads requests; comments and mentions are for the team.")
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > 10000:
        raise ValidationError({"body": "At most 10,000 characters."})
    User = get_user_model()
    names = {m.lower() for m in MENTION_RE.findall(body)}
    mentioned = (
        [
            u
            for u in User.objects.filter(username__in=[n for n in names], is_active=True)
            if request_visible_to(u).filter(pk=request.pk).exists()
        ]
        if names
        else []
    )
    with transaction.atomic():
        comment = Comment(request=request, author=actor, body=body)
        model_save(comment, reason=f"comment by {actor.username}")
        comment.mentions.set(mentioned)
        Watcher.objects.get_or_create(request=request, user=actor)
        mentioned_ids = {u.pk for u in mentioned}
        for user in _recipients(request, actor, *mentioned):
            how = "mentioned you on" if user.pk in mentioned_ids else "commented on"
            notification_create(
                user=user,
                text=f"{actor.username} {how} {request.reference}: {body[:120]}",
                url=request.get_absolute_url() + f"#comment-{comment.pk}",
                key=f"intake:comment:{comment.pk}:user:{user.pk}",
            )
    return comment


def watcher_set(*, request: Request, actor: User, watching: bool) -> bool:
    """Start or stop watching a request; returns the new state."""
    if watching:
        Watcher.objects.get_or_create(request=request, user=actor)
    else:
        Watcher.objects.filter(request=request, user=actor).delete()
    return watching


def saved_view_save(*, actor: User, name: str, query: str, shared: bool = False) -> SavedView:
    """Save the backlog's filter state under `name` (the same name again replaces it).
    Blank parameters ("Any") and the page number are dropped, so the view reloads cleanly."""
    name = (name or "").strip()[:80]
    if not name:
        raise ValidationError({"name": "Name the view."})
    query = query_without_empty(query)[:1000]
    view, _ = SavedView.objects.update_or_create(
        user=actor, name=name, defaults={"query": query, "shared": bool(shared)}
    )
    return view


def _own_view(actor: User, view_id: int) -> SavedView:
    view = SavedView.objects.filter(user=actor, pk=view_id).first()
    if view is None:
        raise PermissionDenied("Only the person who saved a view can change it.")
    return view


def saved_view_update(
    *, actor: User, view_id: int, name: str | None = None, shared: bool | None = None
) -> SavedView:
    """Rename a saved view, or share it with (or withdraw it from) the owner's team."""
    with transaction.atomic():
        view = _own_view(actor, view_id)
        if name is not None:
            name = name.strip()[:80]
            if not name:
                raise ValidationError({"name": "Name the view."})
            if SavedView.objects.filter(user=actor, name=name).exclude(pk=view.pk).exists():
                raise ValidationError({"name": f"You already have a view named “{name}”."})
            view.name = name
        if shared is not None:
            if shared and getattr(actor, "team_id", None) is None:
                raise ValidationError({"shared": "You belong to no team to share it with."})
            view.shared = shared
        view.save()
    return view


def saved_view_delete(*, actor: User, view_id: int) -> None:
    """Delete one of the actor's saved views (a teammate's shared view cannot be deleted)."""
    _own_view(actor, view_id).delete()


# --- attachments --------------------------------------------------------------------------


def can_attach(request: Request, user: Any) -> bool:
    """Who may add files, until the request ends (rejected, closed, cancelled, rolled
    back): MOPS staff, and the requesting team."""
    if request.status in TERMINAL_STATUSES:
        return False
    if has_role(user, {Role.PM, Role.ENGINEER, Role.ADMIN}):
        return True
    return has_role(user, {Role.REQUESTER}) and getattr(user, "team_id", None) == (request.team_id)


def attachment_max_bytes() -> int:
    """Largest file a request takes: the project's upload limit (`UPLOAD_MAX_BYTES`)."""
    return upload_max_bytes()


def attachment_add(*, request: Request, file: Any, actor: User) -> RequestAttachment:
    """Attach an uploaded file to `request`. The type is checked on the bytes and the size
    against `INTAKE_ATTACHMENT_MAX_BYTES` (`mops.core.uploads`); the file is stored under a
    random name and kept with the name it was uploaded under for display."""
    if not can_attach(request, actor):
        raise PermissionDenied("You cannot add files to this request in its current state.")
    count = RequestAttachment.objects.filter(request=request).count()
    if count >= ATTACHMENTS_MAX:
        raise ValidationError({"attachments": f"At most {ATTACHMENTS_MAX} files per request."})
    accepted = validate_upload(file, field="attachments", max_bytes=attachment_max_bytes())
    attachment = RequestAttachment(
        request=request,
        file=file,
        filename=accepted.filename,
        content_type=accepted.kind.content_type,
        size=file.size,
        uploaded_by=actor,
    )
    attachment.save()  # the row itself records who added it and when
    return attachment


def attachments_add(
    *, request: Request, files: Iterable[Any], actor: User
) -> list[RequestAttachment]:
    """Attach several files at once: all or none (the first refused file names the error)."""
    files = [f for f in files if f]
    if len(files) + request.attachments.count() > ATTACHMENTS_MAX:
        raise ValidationError({"attachments": f"At most {ATTACHMENTS_MAX} files per request."})
    stored: list[RequestAttachment] = []
    try:
        with transaction.atomic():
            for file in files:
                stored.append(attachment_add(request=request, file=file, actor=actor))
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored
