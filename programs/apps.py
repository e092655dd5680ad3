from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Program set-up"

    def ready(self) -> None:
        from coaching.demo import demo_loaded

        from .demo import coaching_plan_demo_receiver, demo_loaded_receiver

        demo_loaded.connect(demo_loaded_receiver, dispatch_uid="programs.demo.statement")
        demo_loaded.connect(coaching_plan_demo_receiver, dispatch_uid="programs.demo.coaching_plan")
