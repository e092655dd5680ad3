"""Factories for Impact Cycles. They write rows directly (no service rules) for read-side and
access tests; use cycles.services to test the rules themselves."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from coaching.access import contracts_served_by
from coaching.tests.factories import CoachFactory, ContractFactory
from cycles.models import Cycle, Evidence, EvidenceKind, Goal, Occasion, ProgressMeasure, Reflection, Stage
from teachers.tests.factories import SchoolFactory, TeacherFactory


class CycleFactory(factory.django.DjangoModelFactory):
    """A cycle whose district is its school's district, whose coach serves that district (a
    contract is added when none exists) and whose teachers all teach at its school.

    CycleFactory(coach=tenant.coach, school=tenant.school, teachers=[tenant.teacher]); without
    `teachers`, one new teacher of the school is added.
    """

    class Meta:
        model = Cycle
        skip_postgeneration_save = True

    coach = factory.SubFactory(CoachFactory)
    school = factory.SubFactory(SchoolFactory)
    district = factory.LazyAttribute(lambda c: c.school.district)
    title = factory.Sequence(lambda n: f"Cycle {n}")
    stage = Stage.IDENTIFY
    started_on = factory.LazyFunction(timezone.localdate)

    @factory.post_generation
    def served(self, create, extracted, **kwargs):
        if create and not contracts_served_by(self.coach).filter(district=self.district).exists():
            ContractFactory(program=self.coach.program, district=self.district).coaches.add(self.coach)

    @factory.post_generation
    def teachers(self, create, extracted, **kwargs):
        if not create:
            return
        teachers = list(extracted) if extracted is not None else [TeacherFactory(school=self.school)]
        strangers = [t for t in teachers if t.school_id != self.school_id]
        if strangers:
            raise ValueError(f"Teachers {strangers} do not teach at the cycle's school {self.school}.")
        self.teachers.set(teachers)


class GoalFactory(factory.django.DjangoModelFactory):
    """A current goal that passes all five PEERS letters."""

    class Meta:
        model = Goal

    cycle = factory.SubFactory(CycleFactory)
    statement = factory.Sequence(lambda n: f"90% of students score 4/5 on exit tickets (goal {n})")
    measure = "exit-ticket score ≥ 4/5"
    unit = "% of students"
    baseline = Decimal(50)
    target = Decimal(90)
    deadline = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(weeks=6))
    powerful = True
    easy = True
    emotionally_compelling = True
    reachable = True
    student_focused = True
    created_by = factory.LazyAttribute(lambda g: g.cycle.coach.user)


class ProgressMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressMeasure

    goal = factory.SubFactory(GoalFactory)
    date = factory.LazyFunction(timezone.localdate)
    value = Decimal(60)
    n_students = 24
    recorded_by = factory.LazyAttribute(lambda m: m.goal.cycle.coach.user)


class ReflectionFactory(factory.django.DjangoModelFactory):
    """A teacher's reflection on a cycle, written signed in (the cycle's first teacher by default)."""

    class Meta:
        model = Reflection

    cycle = factory.SubFactory(CycleFactory)
    teacher = factory.LazyAttribute(lambda r: r.cycle.teachers.order_by("pk").first())
    author = factory.LazyAttribute(lambda r: r.teacher.user if r.teacher else r.cycle.coach.user)
    occasion = Occasion.AFTER_SESSION
    what_happened = factory.Sequence(lambda n: f"Reflection {n}: the exit tickets went well")


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    cycle = factory.SubFactory(CycleFactory)
    kind = EvidenceKind.OBSERVATION
    note = factory.Sequence(lambda n: f"Observation {n}: half the class finished the task")
    added_by = factory.LazyAttribute(lambda e: e.cycle.coach.user)
