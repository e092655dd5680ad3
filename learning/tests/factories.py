"""Factories for the group-learning models. They build rows directly, for tests that need the
rows rather than the rules; the services' own tests go through the services."""

import datetime as dt

import factory
from django.utils import timezone

from coaching.tests.factories import CoachFactory, ProgramFactory
from learning.models import (
    CheckIn,
    CoachGoal,
    CoachGroup,
    GroupMeeting,
    PDSession,
    Resource,
    ResourceKind,
    SignUp,
    SignUpKind,
)
from teachers.models import Role
from teachers.tests.factories import DistrictFactory, TeacherFactory, UserFactory


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Resource {n}")
    kind = ResourceKind.ARTICLE
    link = factory.Sequence(lambda n: f"https://example.org/resource-{n}")


class PDSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PDSession

    facilitator = factory.SubFactory(CoachFactory)
    program = factory.LazyAttribute(lambda o: o.facilitator.program)
    district = factory.SubFactory(DistrictFactory)
    title = factory.Sequence(lambda n: f"PLC session {n}")
    date = factory.LazyFunction(timezone.localdate)
    start_time = dt.time(15, 30)
    minutes = 60


class SignUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SignUp

    session = factory.SubFactory(PDSessionFactory)
    teacher = factory.SubFactory(TeacherFactory)
    kind = SignUpKind.MODELED_LESSON


class CoachGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachGroup
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Coach group {n}")
    facilitator = factory.SubFactory(UserFactory, role=Role.PROGRAM_DIRECTOR)
    cadence = "every other Tuesday"

    @factory.post_generation
    def members(self, create: bool, extracted: list | None, **kwargs: object) -> None:
        if create and extracted:
            self.members.add(*extracted)


class GroupMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMeeting

    group = factory.SubFactory(CoachGroupFactory)
    date = factory.LazyFunction(timezone.localdate)
    agenda = factory.LazyFunction(lambda: ["experience_sharing"])


class CoachGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CoachGoal

    coach = factory.SubFactory(CoachFactory)
    statement = factory.Sequence(lambda n: f"My goal {n}")


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    coach = factory.SubFactory(CoachFactory)
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
