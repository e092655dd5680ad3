from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Program set-up"

    def ready(self) -> None:
        from coaching.demo import demo_loaded

        from .demo import demo_loaded_receiver

        demo_loaded.connect(demo_loaded_receiver, dispatch_uid="programs.demo.statement")
