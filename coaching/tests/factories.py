import datetime as dt
import importlib
from decimal import Decimal

import factory
from django.apps import apps as django_apps
from django.utils import timezone

from coaching.models import Activity, Coach, Contract, FocusArea, LogEntry, Program
from teachers.models import Role
from teachers.tests.factories import DistrictFactory, UserFactory
from toolkit.schoolyear import school_year_of


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Program {n}")


class CoachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coach

    user = factory.SubFactory(UserFactory, role=Role.COACH)
    program = factory.SubFactory(ProgramFactory)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    program = factory.SubFactory(ProgramFactory)
    district = factory.SubFactory(DistrictFactory)
    school_year = factory.LazyFunction(lambda: school_year_of(timezone.localdate()))
    contracted_days = 60
    daily_rate = Decimal("425.00")


def ensure_builtin_lists() -> None:
    """Put back the built-in activities and focus areas after a transactional test's flush."""
    if not Activity.objects.filter(program=None).exists():
        for name in ("0002_fill_activities_and_focus_areas", "0004_fill_coach_learning_activities"):
            importlib.import_module(f"coaching.migrations.{name}").fill(django_apps, None)


def activity(name: str = "Coaching Cycles") -> Activity:
    ensure_builtin_lists()
    return Activity.objects.get(name=name, program=None)


def focus_area(name: str = "Technology integration") -> FocusArea:
    ensure_builtin_lists()
    return FocusArea.objects.get(name=name, program=None)


class LogEntryFactory(factory.django.DjangoModelFactory):
    """Writes rows directly (bypassing the service) for read-side tests; use entry_log to test rules."""

    class Meta:
        model = LogEntry

    coach = factory.SubFactory(CoachFactory)
    program = factory.LazyAttribute(lambda e: e.coach.program)
    date = factory.LazyFunction(timezone.localdate)
    school_year = factory.LazyAttribute(lambda e: school_year_of(e.date))
    minutes = 60
    district = factory.SubFactory(DistrictFactory)
    activity = factory.LazyFunction(activity)
    focus_area = factory.LazyFunction(focus_area)
    start_time = dt.time(9, 0)
