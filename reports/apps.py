from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from coaching.changes import entries_changed

        from .services import snapshots_refresh_for_changes

        # When log entries change, the current snapshots they fall in are rebuilt (debounced).
        entries_changed.connect(snapshots_refresh_for_changes, dispatch_uid="reports_refresh_on_entry_change")
