from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from mops.accounts import views as account_views
from mops.core import health
from mops.core import views as core_views
from mops.core.schema import SchemaView

api_v1: list[URLPattern | URLResolver] = [
    path("", include("mops.accounts.api.urls")),
    path("", include("mops.notify.api.urls")),
    path("", include("mops.core.api_urls")),
    path("", include("catalog.api.urls")),
    path("", include("governance.api.urls")),
    path("", include("governance.enablement.api.urls")),
    path("stack/", include("governance.stack.api.urls")),
    path("", include("intake.api.urls")),
    path("", include("releases.api.urls")),
    path("", include("metrics.api.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),  # built once per process
    # Both docs pages load their scripts as files (Swagger's set-up from "?script"), so they
    # work under the Content-Security-Policy, which allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"),
        name="api-redoc",
    ),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("audit/", core_views.AuditView.as_view(), name="audit"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", account_views.ProfileView.as_view(), name="profile"),
    path("setup/", core_views.SetupGuideView.as_view(), name="setup"),
    path("", include("mops.accounts.urls")),
    path("", include("mops.accounts.sso_urls")),
    path("notifications/", include("mops.notify.urls")),
    path("catalog/", include("catalog.urls")),
    path("governance/stack/", include("governance.stack.urls")),
    path("governance/", include("governance.urls")),
    path("enablement/", include("governance.enablement.urls")),
    path("ping/", include("governance.health.ping_urls")),
    path("requests/", include("intake.urls")),
    path("releases/", include("releases.urls")),
    path("metrics/", include("metrics.urls")),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

handler400 = "mops.core.views.bad_request"
handler403 = "mops.core.views.permission_denied"
handler404 = "mops.core.views.page_not_found"
handler500 = "mops.core.views.server_error"
