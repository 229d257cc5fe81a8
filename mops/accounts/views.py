from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.views import View

from mops.notify.models import Kind
from mops.notify.services import outbox_enqueue

from .models import ApiToken, time_zone_names
from .services import api_token_create, api_token_revoke, user_set_time_zone


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset mail goes through the outbox like every other message."""

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        with transaction.atomic():
            outbox_enqueue(
                kind=Kind.EMAIL,
                target=to_email,
                subject=subject,
                body=body,
                source="accounts.password_reset",
            )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm


class ProfileView(LoginRequiredMixin, View):
    """The user's profile: roles, team, and API tokens (created here, key shown once)."""

    def get(
        self, request: HttpRequest, new_key: str | None = None, status: int = 200
    ) -> HttpResponse:
        tokens = ApiToken.objects.filter(user=request.user)
        context = {
            "tokens": tokens,
            "new_key": new_key,
            "time_zones": sorted(time_zone_names()),
            "default_time_zone": settings.TIME_ZONE,
        }
        return render(request, "accounts/profile.html", context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "time_zone":
            try:
                user_set_time_zone(
                    user=request.user,
                    time_zone=request.POST.get("time_zone", ""),
                    actor=request.user,
                )
            except ValidationError as exc:
                for error in exc.message_dict.get("time_zone", exc.messages):
                    messages.error(request, f"Time zone: {error}")
                return self.get(request, status=400)
            zone = request.user.effective_time_zone
            messages.success(request, f"Times are now shown in {zone}.")
            return redirect("profile")
        if request.POST.get("action") == "revoke":
            token = get_object_or_404(ApiToken, pk=request.POST.get("token"), user=request.user)
            try:
                api_token_revoke(token=token, actor=request.user)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"Token “{token.name}” revoked.")
            return redirect("profile")
        try:
            token, key = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as exc:
            for error in exc.message_dict.get("name", exc.messages):
                messages.error(request, f"Token name: {error}")
            return self.get(request, status=400)
        messages.success(
            request, f"Token “{token.name}” created. Copy it now: it is not shown again."
        )
        return self.get(request, new_key=key)
