from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from coaching.changes import entries_changed

        from . import picker
        from .services import snapshots_refresh_for_changes

        # When log entries change, the current snapshots they fall in are rebuilt (debounced).
        entries_changed.connect(snapshots_refresh_for_changes, dispatch_uid="reports_refresh_on_entry_change")

        picker.connect()

        # The report schedules are seeded into django-celery-beat's tables once, after migrate, and
        # then left to the admin (see reports/schedules.py).
        from .schedules import seed_after_migrate

        post_migrate.connect(seed_after_migrate, sender=self, dispatch_uid="reports.seed_beat_schedules")
