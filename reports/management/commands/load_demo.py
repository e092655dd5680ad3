from django.core.management.base import BaseCommand
from django.utils import timezone

from coaching.demo import DEMO_PASSWORD, PEOPLE, demo_loaded, load_demo
from coaching.models import LogEntry
from cycles.demo import load_cycles_demo
from learning.demo import load_learning_demo
from reports.demo import load_plans_demo
from teachers.models import Role


class Command(BaseCommand):
    help = "Load the demo program: three districts, two coaches, a term of time, Impact Cycles. Safe to run twice."

    def handle(self, *args: object, **options: object) -> None:
        today = timezone.localdate()
        counts = load_demo(today=today)
        counts.update(load_learning_demo(today=today))
        counts["cycles"] = load_cycles_demo(today=today)
        counts["time plans"] = load_plans_demo(today=today)
        for _, added in demo_loaded.send(sender=self.__class__, today=today):
            if isinstance(added, dict):  # each receiver answers with its own counts
                counts.update(added)
        counts["entries"] = LogEntry.objects.count()  # the PD session's facilitation is logged too
        self.stdout.write(self.style.SUCCESS("Demo data ready: " + ", ".join(f"{v} {k}" for k, v in counts.items())))
        self.stdout.write(f"Sign in with the password {DEMO_PASSWORD!r} as:")
        for person in PEOPLE:
            self.stdout.write(f"  {person.username:<16} {Role(person.role).label}")
        self.stdout.write(f"  {'siteadmin':<16} Site administrator (Django admin)")
