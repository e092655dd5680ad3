"""Tests: fast hashing, mail kept in memory, tasks eager unless a test starts a real worker."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test starts a worker that must send through its SMTP server on loopback.
EMAIL_BACKEND = env("FULCRUM_TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
CELERY_TASK_ALWAYS_EAGER = True
# Uploads in memory, unless a test runs a second Fulcrum process whose files must outlive it.
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
        if env.bool("FULCRUM_TEST_MEDIA_ON_DISK", default=False)
        else "django.core.files.storage.InMemoryStorage"
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests read static files through the finders; whitenoise serves a collected STATIC_ROOT in production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]
LOGGING = {**LOGGING, "loggers": {"axes": {"level": "WARNING"}}}
# Rate-limit counters stay in each test process's memory, so one test's requests never count in
# another's; tests/test_rate_limits.py checks the shared Redis cache on its own key prefix.
CACHES = {**CACHES, "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fulcrum-test"}}
# The audit log refuses TRUNCATE unless a session says otherwise (teachers migration 0004); the
# test runner empties its throwaway database with TRUNCATE between transactional tests.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c fulcrum.audit_truncate=on"
