from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        # The report schedules are seeded into django-celery-beat's tables once, after migrate, and
        # then left to the admin (see reports/schedules.py).
        from .schedules import seed_after_migrate

        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="reports.seed_beat_schedules")
