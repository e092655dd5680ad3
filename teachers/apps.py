from django.apps import AppConfig


class TeachersConfig(AppConfig):
    name = "teachers"
    verbose_name = "Districts, schools and people"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from . import signals

        # Sign-ins are recorded in the audit log however they happen (form, admin).
        user_logged_in.connect(signals.record_sign_in, dispatch_uid="fulcrum-audit-sign-in")
        user_login_failed.connect(signals.record_failed_sign_in, dispatch_uid="fulcrum-audit-sign-in-failed")
