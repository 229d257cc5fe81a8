"""Settings for mops: every knob is an environment variable with a safe default.

The README lists each variable. Defaults are safe for production (DEBUG off, secure
cookies, HSTS) except where a development run (`make run`) asks otherwise via DEBUG=1.
"""

import urllib.parse
from pathlib import Path

import environ
from celery.schedules import crontab

from mops.accounts.ssoconfig import providers as sso_providers

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz" if DEBUG else "",
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
# Keys secrets at rest (mops.core.crypto); blank: SECRET_KEY does.
MOPS_ENCRYPTION_KEY = env.str("MOPS_ENCRYPTION_KEY", default="")
# Former SECRET_KEYs, still accepted (signed cookies, tokens, secrets keyed from them).
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",  # allauth's MFA pages
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "axes",
    # Sign-in through the company's identity provider (OIDC, SAML), MFA and SCIM (#18).
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "django_scim",
    "mops.core",
    "mops.accounts",
    "mops.notify",
    "catalog",
    "governance",
    "governance.enablement",
    "governance.stack",
    "intake",
    "releases",
    "metrics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Hostile input (NUL, out-of-range UTC offsets, deep JSON) -> 400 for every page and API.
    "mops.core.inputguard.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # SCIM clients (the IdP) authenticate with an admin's API token (a session never counts).
    "mops.accounts.middleware.ScimTokenMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Admins must enrol a second factor when MFA_REQUIRED_FOR_ADMINS is on.
    "mops.accounts.middleware.MfaRequiredMiddleware",
    "mops.accounts.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mops.urls"
WSGI_APPLICATION = "mops.wsgi.application"
ASGI_APPLICATION = "mops.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mops.core.context_processors.navigation",
            ],
            # `|when` (a time with its zone) in every template without a {% load %}.
            "builtins": ["mops.core.templatetags.timezones", "mops.core.templatetags.labels"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
# DATABASE_URL is required at run time; `make run` / `make test` fill it in (embedded
# PostgreSQL when nothing else is reachable). Health checks on, persistent connections.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/mops"),
}
if DATABASES["default"].get("HOST", "").startswith("%2F"):  # a Unix socket directory
    DATABASES["default"]["HOST"] = urllib.parse.unquote(DATABASES["default"]["HOST"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DB_CONNECT_TIMEOUT", 5))
# The test database follows the configured one (test_<name>), so runs against different
# databases on one server never collide.
DATABASES["default"]["TEST"] = {
    "NAME": env.str("DATABASE_TEST_NAME", default=f"test_{DATABASES['default']['NAME']}")
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="mops"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = env.str("MOPS_TIME_ZONE", default="America/New_York")
# Default schedules; django-celery-beat copies them into the database where admins edit them.
# Every periodic task, in one place; crontab times are in CELERY_TIMEZONE (= MOPS_TIME_ZONE).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "mops.core.tasks.worker_heartbeat", "schedule": 15.0},
    "outbox-sweep": {"task": "mops.notify.tasks.outbox_sweep", "schedule": 30.0},
    # intake: SLA clocks every 5 minutes; the weekly backlog review Monday 08:00.
    "intake-sla-sweep": {"task": "intake.tasks.sla_sweep", "schedule": crontab(minute="*/5")},
    "intake-weekly-review": {
        "task": "intake.tasks.weekly_review",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    # intake: the status tally's deltas folded (list counts read tens of rows), and checked.
    "intake-status-tally-compact": {
        "task": "intake.tasks.status_tally_compact",
        "schedule": crontab(minute="*/5"),
    },
    "intake-status-tally-verify": {
        "task": "intake.tasks.status_tally_verify",
        "schedule": crontab(minute=30, hour=3),
    },
    # releases: the rolling departure horizon, departures advancing, pre-flight re-runs.
    "releases-departures-horizon": {
        "task": "releases.tasks.departures_horizon",
        "schedule": crontab(minute=5, hour="*/6"),
    },
    "releases-departures-advance": {"task": "releases.tasks.departures_advance", "schedule": 60.0},
    "releases-preflight-sweep": {"task": "releases.tasks.preflight_sweep", "schedule": 120.0},
    # metrics: digest, NPS survey, facts and roll-ups, business impact.
    "metrics-weekly-digest": {
        "task": "metrics.tasks.weekly_digest",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
    "metrics-quarterly-survey": {
        "task": "metrics.tasks.quarterly_survey",
        "schedule": crontab(minute=0, hour=9, day_of_month=1, month_of_year="1,4,7,10"),
    },
    "metrics-facts-refresh": {
        "task": "metrics.tasks.facts_refresh_stale",
        "schedule": crontab(minute=15),
    },
    "metrics-rollup-rebuild": {
        "task": "metrics.tasks.rollup_rebuild",
        "schedule": crontab(minute=40, hour=3),
    },
    "metrics-impact-snapshots": {
        "task": "metrics.impact.snapshots_refresh",
        "schedule": crontab(minute=10, hour=4),
    },
    "metrics-impact-review": {
        "task": "metrics.impact.review_send",
        "schedule": crontab(minute=0, hour=9, day_of_month=1),
    },
    # governance: monitors missing their ping, unacknowledged incidents escalating.
    "governance-monitor-sweep": {
        "task": "governance.tasks.monitor_sweep_task",
        "schedule": 60.0,
    },
    "governance-incident-escalation": {
        "task": "governance.tasks.incident_escalate_task",
        "schedule": 60.0,
    },
    # enablement: course reminders and the office-hours calendar sync, daily.
    "enablement-course-reminders": {
        "task": "governance.enablement.tasks.course_reminders_task",
        "schedule": 24 * 3600.0,
    },
    "enablement-office-hours-sync": {
        "task": "governance.enablement.tasks.office_hours_sync_task",
        "schedule": 24 * 3600.0,
    },
    # stack: contract renewal alerts every 6 hours, access review reminders daily.
    "stack-renewal-alerts": {
        "task": "governance.stack.tasks.renewal_alerts_task",
        "schedule": 6 * 3600.0,
    },
    "stack-access-review-reminders": {
        "task": "governance.stack.tasks.access_review_reminders_task",
        "schedule": 24 * 3600.0,
    },
}
WORKER_HEARTBEAT_MAX_AGE = env.int("WORKER_HEARTBEAT_MAX_AGE", default=60)

# --- Auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Passwords, refused for everyone but the break-glass admins when LOCAL_LOGIN_ENABLED=0.
    "mops.accounts.authentication.LocalPasswordBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLED = env.bool("LOGIN_THROTTLE_ENABLED", default=True)

# --- Single sign-on, MFA, SCIM (docs/operations.md, "Sign-in") --------------------------
# Local passwords can be switched off; the break-glass admins (user names) keep theirs.
LOCAL_LOGIN_ENABLED = env.bool("LOCAL_LOGIN_ENABLED", default=True)
BREAK_GLASS_USERNAMES = env.list("BREAK_GLASS_USERNAMES", default=[])
# Just-in-time accounts for people the IdP sends; their role when no group mapping matches.
SSO_JIT_ENABLED = env.bool("SSO_JIT_ENABLED", default=True)
SSO_DEFAULT_ROLE = env.str("SSO_DEFAULT_ROLE", default="requester")
MFA_REQUIRED_FOR_ADMINS = env.bool("MFA_REQUIRED_FOR_ADMINS", default=False)
ACCOUNT_ADAPTER = "mops.accounts.sso.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "mops.accounts.sso.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True  # the IdP vouches for the address: link the account
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="mops")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# Identity providers come from the environment (a JSON list each) or the admin (Social
# applications). OIDC: [{"provider_id", "name", "client_id", "secret", "server_url"}].
# SAML: [{"provider_id", "name", "entity_id", "metadata_url" | "sso_url" + "x509cert",
# "attributes"}].
SSO_OIDC_PROVIDERS = env.json("SSO_OIDC_PROVIDERS", default=[])
SSO_SAML_PROVIDERS = env.json("SSO_SAML_PROVIDERS", default=[])
SOCIALACCOUNT_PROVIDERS = sso_providers(SSO_OIDC_PROVIDERS, SSO_SAML_PROVIDERS)
# Hosts of IdP sign-in pages other than the issuer / SAML entity (the log-in page's CSP).
SSO_FORM_ACTION_ORIGINS = env.list("SSO_FORM_ACTION_ORIGINS", default=[])
SCIM_SERVICE_PROVIDER = {
    "NETLOC": urllib.parse.urlsplit(SITE_URL).netloc,
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "API token",
            "description": "Authorization: Bearer <an admin's mops API token>",
            "primary": True,
        }
    ],
    "USER_ADAPTER": "mops.accounts.scim.ScimUser",
    "GROUP_MODEL": "mops.accounts.models.IdpGroup",
    "GROUP_ADAPTER": "mops.accounts.scim.ScimGroup",
    "USER_FILTER_PARSER": "mops.accounts.scim_filters.UserFilterQuery",
    "GROUP_FILTER_PARSER": "mops.accounts.scim_filters.GroupFilterQuery",
}

# --- I18N / time --------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("MOPS_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static -------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "mops" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env.bool("STATIC_MANIFEST", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env.bool("STATIC_MANIFEST", default=True)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")
MEDIA_URL = "media/"
# Largest accepted upload (bytes); mops.core.uploads checks every uploaded file against it.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Request / catalog imports (#21): the largest file (never above UPLOAD_MAX_BYTES) and the
# most rows run in the request (larger files go to the worker with a progress bar).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=UPLOAD_MAX_BYTES)
IMPORT_SYNC_ROWS = env.int("IMPORT_SYNC_ROWS", default=200)
# Bytes past UPLOAD_MAX_BYTES are never buffered or written; the field is refused by size.
FILE_UPLOAD_HANDLERS = [
    "mops.core.uploads.UploadSizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mops <mops@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security -----------------------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^ping/"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        # Redoc (API docs) runs its search index in a worker it creates from a blob.
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mops.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["mops.accounts.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "mops.core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "mops.core.filters.FilterBackend",
        "mops.core.filters.OrderingFilter",
        "mops.core.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "mops.core.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        # One atomic Redis INCR per request (DRF's own throttles race under concurrency).
        "mops.core.throttling.AnonRateThrottle",
        "mops.core.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "mops API",
    "DESCRIPTION": "Marketing Operations: catalog, intake, releases, governance, metrics.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Error responses every operation can give and no-NUL text, added once (mops.core.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mops.core.schema.postprocess",
    ],
    # Choice sets shared across apps get one name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "catalog.models.Channel",
        "ChangeTypeEnum": "catalog.models.ChangeType",
        "ComplexityEnum": "catalog.models.Complexity",
        "SelfServeToolEnum": "catalog.models.SelfServeTool",
        "NotificationKindEnum": "mops.notify.models.Kind",
        "RfcStatusEnum": "governance.models.RfcStatus",
        "RfcTypeEnum": "governance.models.RfcType",
        "RequestStatusEnum": "intake.models.Status",
        "DepartureStatusEnum": "releases.trains.models.DepartureStatus",
        "AutomatedCheckEnum": "releases.qa.models.AutomatedCheck",
        "ExperimentStatusEnum": "releases.experiments.models.ExperimentStatus",
        "StackLayerEnum": "governance.stack.models.Layer",
        "GoldenPathStatusEnum": "governance.stack.models.GoldenPath",
        "IntegrationPatternEnum": "governance.stack.models.Pattern",
        "FlowDirectionEnum": "governance.stack.models.Direction",
        "RenewalDecisionEnum": "governance.stack.models.Decision",
        "ApprovalDecisionEnum": "governance.models.Decision",
        "AttestationEnum": "governance.stack.models.Attestation",
    },
}

# --- Outbound delivery --------------------------------------------------------------------
# Hosts/IPs/CIDRs that webhooks and link checks may reach even though they are private.
MOPS_OUTBOUND_ALLOWLIST = env.list("MOPS_OUTBOUND_ALLOWLIST", default=[])
# Day 1 of the 30-60-90 stand-up plan (YYYY-MM-DD); blank: the first account's creation day.
MOPS_INSTALL_STARTED = env.str("MOPS_INSTALL_STARTED", default="")
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
OUTBOX_BACKOFF_BASE = env.float("OUTBOX_BACKOFF_BASE", default=10.0)
OUTBOX_BACKOFF_CAP = env.float("OUTBOX_BACKOFF_CAP", default=3600.0)
OUTBOX_HTTP_TIMEOUT = env.float("OUTBOX_HTTP_TIMEOUT", default=10.0)
# Tech stack (#14): tools whose 30-day licence utilisation (%) is below this are flagged.
STACK_UTILISATION_THRESHOLD = env.int("STACK_UTILISATION_THRESHOLD", default=70)
# Username of the stack owner, whose approval a new-tool RFC needs; blank: any active admin.
STACK_OWNER = env.str("STACK_OWNER", default="")

# --- Data health (governance) -------------------------------------------------------------
# Check runs: retries of an error run with backoff (s, doubling), how long a queued run
# holds its dataset, failing rows kept as a sample.
GOVERNANCE_RUN_MAX_RETRIES = env.int("GOVERNANCE_RUN_MAX_RETRIES", default=2)
GOVERNANCE_RUN_RETRY_SECONDS = env.int("GOVERNANCE_RUN_RETRY_SECONDS", default=60)
GOVERNANCE_RUN_CLAIM_SECONDS = env.int("GOVERNANCE_RUN_CLAIM_SECONDS", default=900)
GOVERNANCE_SAMPLE_LIMIT = env.int("GOVERNANCE_SAMPLE_LIMIT", default=20)
# The demo warehouse database; blank: `<app database>_warehouse`.
GOVERNANCE_DEMO_WAREHOUSE_DB = env.str("GOVERNANCE_DEMO_WAREHOUSE_DB", default="")

# --- Releases -----------------------------------------------------------------------------
# An item may be marked live this many minutes before its departure starts.
RELEASES_EARLY_LAUNCH_MINUTES = env.int("RELEASES_EARLY_LAUNCH_MINUTES", default=60)
# Largest QA evidence file (bytes); UPLOAD_MAX_BYTES still caps every upload.
RELEASES_EVIDENCE_MAX_BYTES = env.int("RELEASES_EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
# E-mail HTML larger than this is not pre-flight checked (bytes).
RELEASES_PREFLIGHT_MAX_HTML_BYTES = env.int(
    "RELEASES_PREFLIGHT_MAX_HTML_BYTES", default=2 * 1024 * 1024
)
# Seconds a pre-flight link check waits for each link.
RELEASES_LINKCHECK_TIMEOUT = env.float("RELEASES_LINKCHECK_TIMEOUT", default=5.0)

# --- Business impact (metrics) ------------------------------------------------------------
IMPACT_ATTRIBUTION_MODEL = env.str("IMPACT_ATTRIBUTION_MODEL", default="linear")
IMPACT_IDENTITY_THRESHOLD = env.float("IMPACT_IDENTITY_THRESHOLD", default=0.8)
MOPS_WEBHOOK_SECRET = env.str("MOPS_WEBHOOK_SECRET", default=SECRET_KEY)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
