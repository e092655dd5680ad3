from django.apps import AppConfig


class CoachingConfig(AppConfig):
    name = "coaching"
    verbose_name = "Coaching programs and time"

    def ready(self) -> None:
        from . import access, changes

        access.register_scopes()
        changes.connect()
