"""Settings shared by every environment. Every value can come from the environment."""

from pathlib import Path
from typing import Any

import django_stubs_ext
import environ

# django-stubs types some Django classes as generic (ModelAdmin[User]); this makes them
# subscriptable at run time too.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A .env file beside manage.py is read when present; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
    "teachers",
    "coaching",
    "learning",
    "cycles",
    "calendars",
    "reports",
    "subscriptions",
    "programs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "toolkit.sessions.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "toolkit.middleware.NoStoreMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses sign-ins while a lockout lasts
    "django.contrib.auth.backends.ModelBackend",
    # A district's OpenID Connect provider (teachers.SignInProvider); only its callback calls it.
    "teachers.sso.ProviderBackend",
]
# mozilla-django-oidc, for signing in with a district's provider: the authorization code flow with
# PKCE (S256), a nonce, and no account ever made by signing in. Each provider's endpoints, client
# id and secret come from its SignInProvider row and its discovery document, not from settings.
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_RP_SCOPES = "openid email"
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
OIDC_REDIRECT_FIELD_NAME = "next"
# Seconds to connect to a provider, and to wait for its answer.
OIDC_TIMEOUT = (env.float("FULCRUM_SSO_CONNECT_TIMEOUT", default=3), env.float("FULCRUM_SSO_READ_TIMEOUT", default=10))
# How far the provider's clock may be from Fulcrum's when a token's expiry is checked.
FULCRUM_SSO_CLOCK_SKEW_SECONDS = env.int("FULCRUM_SSO_CLOCK_SKEW_SECONDS", default=60)
# After 5 failed sign-ins for one username from one address, that pair is locked for 15 minutes.
AXES_FAILURE_LIMIT = env.int("FULCRUM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("FULCRUM_LOGIN_LOCKOUT_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address (for lockouts, rate limits and the audit log): the connection's, or behind
# FULCRUM_TRUSTED_PROXIES proxies the address they forwarded (toolkit.http.client_ip). Off by default:
# without a proxy, X-Forwarded-For is whatever a client chose to send.
TRUSTED_PROXIES = env.int("FULCRUM_TRUSTED_PROXIES", default=0)
AXES_CLIENT_IP_CALLABLE = "toolkit.http.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# No inline script anywhere: every script is a static file; JSON for charts uses json_script.
# Inline styles stay allowed (progress bars and Chart.js size their elements with style attributes).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        # The service worker (/sw.js, which imports the queue's script) and the app manifest.
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.context_processors.permissions",
            ],
        },
    },
]

# SQLite file when DATABASE_URL is unset, so `make run` works on a bare machine.
DATABASES: dict[str, dict[str, Any]] = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def reports_database(default: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The "reports" database, a PostgreSQL streaming replica of default that report builds read
    (reports.replica), when FULCRUM_REPORTS_DATABASE_URL is set; nothing otherwise. It takes
    default's options, a short connect timeout (a dead replica costs a build two seconds, then the
    build reads the primary), and mirrors default in tests, so no test database is made for it."""
    url = env("FULCRUM_REPORTS_DATABASE_URL", default="")
    if not url:
        return {}
    replica = env.db_url_config(url)
    options = {**default.get("OPTIONS", {}), "connect_timeout": 2, **replica.get("OPTIONS", {})}
    shared = {key: default[key] for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS") if key in default}
    return {"reports": {**replica, **shared, "OPTIONS": options, "TEST": {"MIRROR": "default"}}}


DATABASES.update(reports_database(DATABASES["default"]))
# Report builds read the replica above, when there is one; every write goes to default.
DATABASE_ROUTERS = ["reports.routers.ReportsReplicaRouter"]
# How long a build waits for a lagging replica to catch up before it reads the primary instead.
REPORTS_REPLICA_MAX_WAIT_SECONDS: float = env.float("FULCRUM_REPORTS_REPLICA_MAX_WAIT_SECONDS", default=10)

AUTH_USER_MODEL = "teachers.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE: str = env("DJANGO_TIME_ZONE", default="America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # expiry counts from the last request: inactivity, not sign-in
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="fulcrum@localhost")
# The SMTP server (production's default backend): host, port, account and TLS.
EMAIL_HOST = env("DJANGO_EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=20)

# Jobs. With REDIS_URL unset, tasks run eagerly in-process so the app works alone.
REDIS_URL = env("REDIS_URL", default="")
# "fragments" holds rendered report snapshots; each key names one snapshot build, so a
# per-process memory cache is always right and needs no invalidation.
# "default" counts rate limits: shared by every web process (Redis) when REDIS_URL is set.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "fulcrum"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fulcrum-default"}
    ),
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fulcrum-fragments",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}
# Public doors: requests per window (seconds) for one client address (and, for password reset,
# for one email address). Over the limit, a 429 page says when to try again.
RATE_LIMITS = {
    "password_reset": (env.int("FULCRUM_PASSWORD_RESETS_PER_HOUR", default=5), 3600),
    "reflection_link": (env.int("FULCRUM_LINK_POSTS_PER_HOUR", default=30), 3600),
    "checkin_answer": (env.int("FULCRUM_CHECKIN_POSTS_PER_HOUR", default=30), 3600),
    # Reflection links a coach may have Fulcrum email, per coach.
    "reflection_link_email": (env.int("FULCRUM_LINK_EMAILS_PER_HOUR", default=20), 3600),
    # A private calendar feed: reads of one address, and reads from one client address (calendar
    # services poll from shared addresses, so that limit is wider).
    "calendar_feed": (env.int("FULCRUM_FEED_READS_PER_HOUR", default=30), 3600),
    "calendar_feed_address": (env.int("FULCRUM_FEED_READS_PER_ADDRESS_PER_HOUR", default=300), 3600),
    # Log entries a coach's phone sends from its offline queue (counted per coach, not per address).
    "offline_entry": (env.int("FULCRUM_OFFLINE_ENTRIES_PER_HOUR", default=240), 3600),
    # A program's public impact page: reads of one page, and reads from one client address.
    "impact_page": (env.int("FULCRUM_IMPACT_READS_PER_HOUR", default=600), 3600),
    "impact_page_address": (env.int("FULCRUM_IMPACT_READS_PER_ADDRESS_PER_HOUR", default=120), 3600),
}
# Report builds one person may start in an hour (counted from the run rows, so every web process
# agrees; joining a build already queued does not count).
REPORTS_BUILDS_PER_HOUR: int = env.int("FULCRUM_REPORTS_BUILDS_PER_HOUR", default=30)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A killed worker must not drop its job; one slow job must not hold others hostage.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_RESULT_EXPIRES = 3600
# A hung Redis must fail a publish in about a second instead of blocking a web request.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 1,
    "socket_connect_timeout": 1,
    "max_retries": 1,
    # Longer than the slowest job, so redelivery never doubles work (tests shorten it).
    "visibility_timeout": env.int("FULCRUM_BROKER_VISIBILITY_TIMEOUT", default=600),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0}
# The same for the result store (only tasks that keep a result use it).
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"timeout": 2.0, "max_retries": 1}}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}


# Report schedules (cron syntax, in TIME_ZONE). `migrate` seeds each one into the database once,
# when no periodic task of its name exists yet (reports/schedules.py); from then on site
# administrators change or disable it in the admin (django-celery-beat) and these values no longer
# apply to it.
REPORTS_NIGHTLY_CRON: str = env("FULCRUM_REPORTS_NIGHTLY_CRON", default="30 2 * * *")
REPORTS_MONTHLY_CRON: str = env("FULCRUM_REPORTS_MONTHLY_CRON", default="0 3 1 * *")
MAIL_CRON: str = env("FULCRUM_MAIL_CRON", default="*/5 * * * *")
REMINDERS_CRON: str = env("FULCRUM_REMINDERS_CRON", default="0 7 * * 1-5")
REPORT_SCHEDULES: dict[str, dict[str, str | int]] = {
    "district school-year reports, nightly": {"task": "reports.build_district_years", "cron": REPORTS_NIGHTLY_CRON},
    "program monthly reports, on the 1st": {"task": "reports.build_program_months", "cron": REPORTS_MONTHLY_CRON},
    "re-publish queued report runs": {"task": "reports.requeue_stale", "every_seconds": 120},
    # Reports by email and reminders (subscriptions/tasks.py).
    # Every five minutes: cheap when nothing is due, and a failed email is retried on time.
    "reports by email": {"task": "subscriptions.send_due", "cron": MAIL_CRON},
    "reminders to log time, working-day mornings": {"task": "subscriptions.remind_coaches", "cron": REMINDERS_CRON},
}
# Beat reads its schedule from the database alone: DatabaseScheduler writes any schedule given here
# over the database's rows at every start, undoing the admin's edits.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {}

# Reports by email: the address their links start from (no request to build it from in a beat
# task), and the hour (TIME_ZONE) from which the last full week or month is sent.
SITE_URL: str = env("FULCRUM_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SUBSCRIPTIONS_SEND_HOUR: int = env.int("FULCRUM_MAIL_SEND_HOUR", default=6)
