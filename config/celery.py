"""The Celery application. Settings come from Django settings under the CELERY_ prefix."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("fulcrum")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="fulcrum.ping")
def ping() -> str:
    """Answer 'pong': lets a health check or a test prove a worker is consuming."""
    return "pong"
