"""A minimal OpenID Connect provider (django-oauth-toolkit in OIDC mode) for the SSO tests.

It is a separate Django project with its own PostgreSQL database, run in its own process
by `tests.peers.servers.OidcProvider`; mops talks to it over HTTP exactly as it would talk
to Okta, Entra ID or Google Workspace.
"""

import os

import environ

SECRET_KEY = "oidc-peer-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.peers.oidc_idp.urls"
DATABASES = {"default": environ.Env.db_url_config(os.environ["OIDC_PEER_DATABASE_URL"])}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
USE_TZ = True
LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["OIDC_PEER_PRIVATE_KEY"],
    "PKCE_REQUIRED": False,
    "OAUTH2_VALIDATOR_CLASS": "tests.peers.oidc_idp.validator.GroupsClaimValidator",
    "SCOPES": {"openid": "OpenID", "profile": "Profile", "email": "E-mail"},
}
