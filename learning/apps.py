from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Group learning"

    def ready(self) -> None:
        from coaching.demo import demo_loaded

        from .demo import followup_demo_receiver

        demo_loaded.connect(followup_demo_receiver, dispatch_uid="learning.demo.followup")
