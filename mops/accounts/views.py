from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.views import View

from mops.core.actors import actor_of
from mops.core.views import call_service
from mops.notify.models import Kind
from mops.notify.services import outbox_enqueue

from .models import ApiToken, time_zone_names
from .services import api_token_create, api_token_revoke, user_set_time_zone
from .sso import provider_origins


class LoginView(auth_views.LoginView):
    """The one log-in page: the company's identity providers first, then the password form
    (shown to everyone while LOCAL_LOGIN_ENABLED is on, else folded away for break-glass
    admins). A password log-in goes through allauth's log-in stages, so a person with a
    second factor is asked for it before the session starts."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from allauth.socialaccount.adapter import get_adapter

        context = super().get_context_data(**kwargs)
        providers = get_adapter().list_providers(self.request)
        context["sso_providers"] = [
            {"name": p.name, "url": p.get_login_url(self.request, process="login")}
            for p in providers
        ]
        context["sso_origins"] = provider_origins(providers)
        context["local_login_enabled"] = settings.LOCAL_LOGIN_ENABLED
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if context.get("sso_origins"):
            # The sign-in buttons post here and are redirected to the IdP: the page's CSP
            # form-action must name the IdP (browsers check the whole redirect chain).
            response._csp_update = {"form-action": context["sso_origins"]}  # type: ignore[attr-defined]
        return response

    def form_valid(self, form: Any) -> HttpResponse:
        # allauth's password log-in: it records the authentication (MFA enrolment asks for
        # a recent one) and runs the log-in stages (the second factor) before the session.
        from allauth.account.internal.flows.login import perform_password_login
        from allauth.account.models import Login

        user = form.get_user()
        login = Login(user=user, redirect_url=self.get_success_url())
        return perform_password_login(self.request, {"username": user.username}, login)


class AccountInactiveView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "accounts/inactive.html", status=403)


class OutboxPasswordResetForm(PasswordResetForm):
    """Password-reset mail goes through the outbox like every other message."""

    def send_mail(
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
        tokens = ApiToken.objects.filter(user=actor_of(request))
        from allauth.mfa.models import Authenticator
        from allauth.mfa.utils import is_mfa_enabled

        context = {
            "mfa_enabled": is_mfa_enabled(
                request.user, [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
            ),
            "tokens": tokens,
            "new_key": new_key,
            "time_zones": sorted(time_zone_names()),
            "default_time_zone": settings.TIME_ZONE,
        }
        return render(request, "accounts/profile.html", context, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("action") == "time_zone":
            ok, _ = call_service(
                request,
                user_set_time_zone,
                field_map={"time_zone": "Time zone"},
                user=request.user,
                time_zone=request.POST.get("time_zone", ""),
                actor=request.user,
            )
            if not ok:
                return self.get(request, status=400)
            zone = actor_of(request).effective_time_zone
            messages.success(request, f"Times are now shown in {zone}.")
            return redirect("profile")
        if request.POST.get("action") == "revoke":
            token = get_object_or_404(ApiToken, pk=request.POST.get("token"), user=request.user)
            if call_service(request, api_token_revoke, token=token, actor=request.user)[0]:
                messages.success(request, f"Token “{token.name}” revoked.")
            return redirect("profile")
        ok, created = call_service(
            request,
            api_token_create,
            field_map={"name": "Token name"},
            user=request.user,
            name=request.POST.get("name", ""),
        )
        if not ok or created is None:
            return self.get(request, status=400)
        token, key = created
        messages.success(
            request, f"Token “{token.name}” created. Copy it now: it is not shown again."
        )
        return self.get(request, new_key=key)
