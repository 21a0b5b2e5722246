"""One settings module, driven by environment variables (see README "Configuration").

Development defaults are safe to run on a laptop; production refuses to start without a secret key
and turns on every transport-security setting unless told otherwise.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development).")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (SECRET_KEY == DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure-")):
    # A key copied from a laptop or a tutorial is public: refuse it rather than sign sessions with it.
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is a development key; set a long random one.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_fsm",
    "simple_history",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "mailer",  # the outbox (issue #19)
    "health_check",  # /health/ (issue #19)
    "core",
    "organisations",
    "standards",
    "casework",
    "peerreview",
    "reports",
    "demo",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    *env.list("DJANGO_EXTRA_APPS", default=[]),  # the test suite adds its own small models here
]

MIDDLEWARE = [
    "log_request_id.middleware.RequestIDMiddleware",  # issue #19: a request id on every log line
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must be last: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "organisations.context_processors.signed_in_person",
            ],
            "builtins": ["core.templatetags.words"],
        },
    },
]
FORM_RENDERER = "core.forms.GovukFormRenderer"

# Database: SQLite by default (zero set-up), PostgreSQL in production and CI via DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes writers queue for the lock instead of failing half-way (audit chain appends).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "organisations.backends.EmailBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed sign-ins, per account and address (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The sign-in form posts the email address as "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Sessions and transport security. Production turns everything on; development runs over plain HTTP.
SECURE = env.bool("DJANGO_SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=SECURE)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]  # issue #19: probes from the proxy or orchestrator speak plain HTTP
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=SECURE)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_SECONDS", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): only our own scripts, styles, images and fonts. Templates carry
# no inline <script>, <style>, style="" or on…="" attributes (tests/test_security.py checks every page),
# so an injected tag or attribute does nothing. SVG charts use presentation attributes (fill=…),
# which style-src does not govern. data: images are the few icons inlined in GOV.UK Frontend's CSS.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if env.bool("DJANGO_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# The product is written in British English and translates nothing. With translation machinery
# off, Django still formats dates and numbers the en-gb way (its en_GB messages are the English
# source strings), but stops looking up the active language for every value a template prints:
# 15-25% of each page's time (issue #9; pages compared byte for byte with it on and off).
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Outbox (issue #19) ----------------------------------------------------------------------
# Every email is written to django-mailer's queue table in the transaction of the change that causes
# it, and delivered afterwards by `manage.py run_worker` with retries and backoff. DJANGO_EMAIL_BACKEND
# names the backend that really delivers (SMTP, or a provider's through django-anymail). Development
# (DJANGO_DEBUG=1, `make run`) sends straight to that backend after commit unless DJANGO_EMAIL_OUTBOX=1.
# --- Object storage (issue #19): uploads in an S3-compatible bucket when one is named --------------
# django-storages (pip install '.[s3]'); without AWS_STORAGE_BUCKET_NAME uploads stay under MEDIA_ROOT.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "default_acl": None,
            "querystring_auth": True,  # confidential files: links are signed and expire
            "file_overwrite": False,
        },
    }
# --- end object storage ---------------------------------------------------------------------------

EMAIL_DELIVERY_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_OUTBOX = env.bool("DJANGO_EMAIL_OUTBOX", default=not DEBUG)
EMAIL_BACKEND = "mailer.backend.DbBackend" if EMAIL_OUTBOX else EMAIL_DELIVERY_BACKEND
MAILER_EMAIL_BACKEND = EMAIL_DELIVERY_BACKEND
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=30)  # a hung mail server must not hang the worker
MAILER_USE_FILE_LOCK = False  # rows are claimed with SELECT ... FOR UPDATE NOWAIT: several workers may run
MAILER_ERROR_HANDLER = "core.emails.defer_on_failure"
# A failed message is tried again after 1, 2, 4, ... minutes (at most OUTBOX_MAX_BACKOFF), then given up
# after OUTBOX_MAX_ATTEMPTS; the admin's "Messages" and "Message logs" show the queue and every failure.
OUTBOX_FIRST_BACKOFF = timedelta(seconds=env.int("OUTBOX_FIRST_BACKOFF_SECONDS", default=60))
OUTBOX_MAX_BACKOFF = timedelta(seconds=env.int("OUTBOX_MAX_BACKOFF_SECONDS", default=3600))
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
# The worker also runs the reminders this often (no cron needed).
WORKER_REMINDER_SECONDS = env.int("WORKER_REMINDER_SECONDS", default=300)
# /health/ (django-health-check plus reports/health.py): when the outbox or the reminders are unhealthy.
HEALTH_OUTBOX_MAX_WAITING = env.int("HEALTH_OUTBOX_MAX_WAITING", default=200)
HEALTH_REMINDERS_MAX_AGE_MINUTES = env.int("HEALTH_REMINDERS_MAX_AGE_MINUTES", default=60)
# --- end outbox --------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DJANGO_FROM_EMAIL", default="Peer review hub <no-reply@peer-review.invalid>")
EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("DJANGO_EMAIL_USER", default="")
EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_TLS", default=False)

SITE_NAME = env.str("SITE_NAME", default="London peer review and lifeboat")
# --- Invitations (issue #19): how long an invitation's set-password link works ---------------------
INVITATION_TIMEOUT_DAYS = env.int("INVITATION_TIMEOUT_DAYS", default=14)

# --- Operations (issue #19): logs, request ids, error reports --------------------------------------
# Every log line carries a timestamp and the request id (django-log-request-id: taken from the proxy's
# X-Request-ID, or made up, and returned in the response); production writes one JSON object a line.
LOG_REQUEST_ID_HEADER = "HTTP_X_REQUEST_ID"
GENERATE_REQUEST_ID_IF_NOT_IN_HEADER = True
REQUEST_ID_RESPONSE_HEADER = "X-Request-ID"
NO_REQUEST_ID = "-"
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="text" if DEBUG else "json")
# ADMINS ("Name <address>, ...") are emailed server errors when no error tracker (SENTRY_DSN) is set.
ADMINS = [(a.split("<")[0].strip() or a, a.split("<")[-1].strip(" >")) for a in env.list("DJANGO_ADMINS", default=[])]
SERVER_EMAIL = env.str("DJANGO_SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
SENTRY_DSN = env.str("SENTRY_DSN", default="")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "log_request_id.filters.RequestIDFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
        "mail_admins": {"class": "django.utils.log.AdminEmailHandler", "level": "ERROR"},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
    "loggers": {
        "django.request": {
            "handlers": ["console"] + (["mail_admins"] if ADMINS and not SENTRY_DSN else []),
            "level": "ERROR",
            "propagate": False,
        },
    },
}
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,  # no names, emails, addresses or cookies leave the hub
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
# --- Retention schedule (issue #19): how long personal data is kept; `manage.py prune` applies it ----
# (the privacy notice at /privacy/ prints this schedule). Sessions go when they expire.
RETENTION_DAYS = {
    "sign_in_logs": env.int("RETENTION_SIGN_IN_LOG_DAYS", default=90),  # django-axes: addresses, browsers
    "mail_log": env.int("RETENTION_MAIL_LOG_DAYS", default=90),  # the outbox's delivery log
    "reminder_runs": env.int("RETENTION_REMINDER_RUN_DAYS", default=30),
}
MAILER_EMAIL_LOG_MESSAGE_DATA = False  # the delivery log keeps ids and results, not the emails themselves
# --- end retention ---

# --- end operations ---------------------------------------------------------------------------------
FORMS_URLFIELD_ASSUME_HTTPS = True  # transitional until Django 6 makes it the default

# Peer review rules a network may tune.
PEER_REVIEW_CONFLICT_YEARS = env.int("PEER_REVIEW_CONFLICT_YEARS", default=3)
PEER_REVIEW_SAME_BOROUGH_CONFLICT = env.bool("PEER_REVIEW_SAME_BOROUGH_CONFLICT", default=True)
PEER_REVIEW_YEARLY_CAP = env.int("PEER_REVIEW_YEARLY_CAP", default=3)
# The public address of this site, printed in emails and in every PDF's verify link: a reader of a
# printed assessment must reach it, so production has no default (127.0.0.1 would verify nothing).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL:
    raise ImproperlyConfigured("Set SITE_URL to the site's public address, e.g. https://review.example.org.")

# Lifeboat small grants: amounts above the threshold (£) need a panel member's approval; the
# funder and programme appear in the 360Giving export (set the hub's real org-id in production).
# Above this running total per organisation (this grant plus its other lifeboat grants) the panel approves.
LIFEBOAT_GRANT_PANEL_THRESHOLD = env.int("LIFEBOAT_GRANT_PANEL_THRESHOLD", default=5000)
# No single lifeboat grant is larger than this ("small grants"): asking for more is refused.
LIFEBOAT_GRANT_CEILING = env.int("LIFEBOAT_GRANT_CEILING", default=25000)
LIFEBOAT_360G_PREFIX = env.str("LIFEBOAT_360G_PREFIX", default="360G-lifeboat")
LIFEBOAT_FUNDER_ORG_ID = env.str("LIFEBOAT_FUNDER_ORG_ID", default="360G-lifeboat-hub")
LIFEBOAT_FUNDER_NAME = env.str("LIFEBOAT_FUNDER_NAME", default=SITE_NAME)
LIFEBOAT_GRANT_PROGRAMME = env.str("LIFEBOAT_GRANT_PROGRAMME", default="Lifeboat small grants")

# The JSON API (api/): sessions (with CSRF) for browsers, personal tokens for scripts.
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "api.filters.FilterBackend",  # foreign keys filter by id: no existence oracle (issue #16)
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "London peer review and lifeboat API",
    "DESCRIPTION": "Version 1. See README.md, section API. Every error has the shape of the `Error` schema.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids without the version prefix: a generated client calls `reviews_list`, not `v1_reviews_list`.
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # The schema is validated by tests/api/test_schema.py; as a deploy check its naming warnings
    # would fail `check --deploy --fail-level WARNING` (tests/test_deploy.py).
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
    # One enum per choice set, named after its model, so a generated client reads `CaseStateEnum`,
    # not `State472Enum` (several models have a `state`, `kind` or `outcome`).
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "organisations.models.Organisation.Kind",
        "ConflictDeclarationKindEnum": "organisations.models.ConflictDeclaration.Kind",
        "FrameworkVersionStateEnum": "standards.models.FrameworkVersion.State",
        "CommentKindEnum": "standards.models.Comment.Kind",
        "CaseOutcomeEnum": "casework.models.case.Case.Outcome",
        "CasePathwayEnum": "casework.models.case.Case.Pathway",
        # the case's escalation and the escalate move's `kind` (api.transitions) share one enum
        "EscalationEnum": "casework.models.case.Case.Escalation",
        "CaseStateEnum": "casework.models.case.Case.State",
        "ClosureStateEnum": "casework.models.closure.Closure.State",
        "RegisterItemKindEnum": "casework.models.closure.RegisterItem.Kind",
        "RegisterItemOutcomeEnum": "casework.models.closure.RegisterItem.Outcome",
        "RegisterItemStateEnum": "casework.models.closure.RegisterItem.State",
        "InterimStateEnum": "casework.models.interim.Interim.State",
        "TurnaroundStateEnum": "casework.models.turnaround.Turnaround.State",
        "GrantStateEnum": "casework.models.turnaround.Grant.State",
        "TrancheStateEnum": "casework.models.turnaround.Tranche.State",
        "ReviewOutcomeEnum": "peerreview.models.Review.Outcome",
        "ReviewStateEnum": "peerreview.models.Review.State",
        "ReviewVisibilityEnum": "peerreview.models.Review.Visibility",
        "AssignmentStateEnum": "peerreview.models.Assignment.State",
        "FindingKindEnum": "peerreview.models.Finding.Kind",
        "FindingStateEnum": "peerreview.models.Finding.State",
        "ReplyKindEnum": "peerreview.models.Reply.Kind",
        "ActionStateEnum": "peerreview.models.Action.State",
    },
}

# --- Security hardening (issue 16: sign-in, shared cache, bad input) ------------------------------
# Kept in one block so that other work on settings merges cleanly.
# A NUL byte anywhere in a request is a 400 before any view reads it (PostgreSQL refuses NUL in
# text); signed-in responses are never cached. Both sit just inside authentication, so they see
# the person (and the 400 page can show the signed-in header).
_AFTER_AUTH = MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
MIDDLEWARE[_AFTER_AUTH:_AFTER_AUTH] = ["core.middleware.reject_nul_bytes", "core.middleware.no_store_when_signed_in"]
# JSON bodies: at most 1 MB and 20 levels deep, no NUL characters (api/parsers.py).
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = ["api.parsers.LimitedJSONParser"]
# Lockout counts attempts per email as sign-in reads it (case and spaces ignored), and address.
AXES_USERNAME_CALLABLE = "organisations.backends.lockout_username"
# One cache for every worker: DRF throttling and anything else cached. Redis when REDIS_URL is set
# (production, the test machines); otherwise a table in the database (`manage.py createcachetable`,
# which `make run` and the test database run), so several workers share it without Redis.
# Lockout counts live in the database already (django-axes' database handler); token caps are
# counted under a row lock (api/tokens.py).
REDIS_URL = env.str("REDIS_URL", default="")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Sites (or test runs) sharing one Redis keep apart by prefix.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="pr"),
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "core_cache"}
    )
}
# Two-factor sign-in (django-otp, organisations/two_factor.py): required for administrators,
# coordinators, caseworkers and lifeboat panel members; off by default with DJANGO_DEBUG=1 so the
# demo logins of `make run` sign straight in (README "Demo logins").
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
TWO_FACTOR_REQUIRED = env.bool("DJANGO_TWO_FACTOR", default=not DEBUG)
OTP_TOTP_ISSUER = SITE_NAME
# Inside the two guards above, so its redirects are not cached either.
_AFTER_GUARDS = MIDDLEWARE.index("core.middleware.no_store_when_signed_in") + 1
MIDDLEWARE[_AFTER_GUARDS:_AFTER_GUARDS] = [
    "django_otp.middleware.OTPMiddleware",
    "organisations.two_factor.require_two_factor",
]
