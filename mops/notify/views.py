from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import ListView

from mops.accounts.permissions import RoleRequiredMixin
from mops.accounts.roles import ADMINS
from mops.core.actors import actor_of

from .models import Notification, OutboxMessage
from .services import notifications_mark_read, outbox_replay


class DeadLetterView(RoleRequiredMixin, ListView):
    """Messages that exhausted their retries, with the last error; admins replay them."""

    template_name = "notify/dead_letters.html"
    read_roles = ADMINS
    write_roles = ADMINS
    paginate_by = 50

    def get_queryset(self) -> QuerySet[OutboxMessage]:
        return OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).order_by(
            "-created_at"
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["pending"] = OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING
        ).count()
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = request.POST.getlist("message")
        replayed = 0
        for message in OutboxMessage.objects.filter(id__in=ids, status=OutboxMessage.Status.DEAD):
            outbox_replay(message=message, actor=request.user)
            replayed += 1
        messages.success(request, f"{replayed} message(s) queued again.")
        return redirect("notify:dead_letters")


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """In-app notifications; POST marks them read."""
    if request.method == "POST":
        notifications_mark_read(user=actor_of(request))
        return redirect("notify:inbox")
    items = Notification.objects.filter(user=actor_of(request))[:100]
    return render(request, "notify/inbox.html", {"items": items})


@login_required
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Notification, pk=pk, user=request.user)
    if item.read_at is None:
        notifications_mark_read(user=actor_of(request), pk=item.pk)
    return redirect(item.url or "notify:inbox")
