from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "cycles"

    def ready(self) -> None:
        from coaching.demo import demo_loaded

        from .demo import demo_loaded_receiver

        demo_loaded.connect(demo_loaded_receiver, dispatch_uid="cycles.demo.standards")
