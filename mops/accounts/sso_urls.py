"""URLs of sign-in through the IdP (/accounts/...), MFA (/accounts/2fa/) and SCIM (/scim/v2/).

Only the parts of django-allauth mops uses are mounted: the providers' log-in and callback
routes, the social sign-up and error pages, MFA. Its local-account pages (sign-up, e-mail
management, password change) are not: mops has one log-in page (/login/) and people are
invited, imported or provisioned. The route names allauth's templates reverse point at
mops's own pages.
"""

from allauth.account import views as account_views
from allauth.urls import build_provider_urlpatterns
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path(
        "accounts/login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="account_login",
    ),
    path(
        "accounts/signup/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="account_signup",
    ),
    path(
        "accounts/logout/",
        RedirectView.as_view(pattern_name="logout"),
        name="account_logout",
    ),
    path("accounts/inactive/", views.AccountInactiveView.as_view(), name="account_inactive"),
    path(
        "accounts/reauthenticate/",
        account_views.reauthenticate,
        name="account_reauthenticate",
    ),
    path(
        "accounts/password/change/",
        RedirectView.as_view(pattern_name="profile"),
        name="account_change_password",
    ),
    path("accounts/email/", RedirectView.as_view(pattern_name="profile"), name="account_email"),
    path("accounts/2fa/", include("allauth.mfa.urls")),
    path("accounts/3rdparty/", include("allauth.socialaccount.urls")),
    path("accounts/", include(build_provider_urlpatterns())),
    path("scim/v2/", include("django_scim.urls")),
]
