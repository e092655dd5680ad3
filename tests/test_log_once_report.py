"""Log once: an observation recorded on a cycle with its length is one entry, and a district's
time-use report, the coach's week and the cycle each count its minutes once."""

import pytest
from django.utils import timezone

from coaching.selectors import week_get
from coaching.tests.factories import activity, focus_area
from cycles import services
from cycles.access import CycleView
from cycles.models import EvidenceKind, LearnMode, Stage
from cycles.selectors import cycle_page_get
from reports.builder import build_figures
from reports.scopes import Period, Scope, ScopeKind
from toolkit.schoolyear import monday_of, school_year_of

pytestmark = pytest.mark.django_db


def test_cycle_time_is_counted_once_by_the_cycle_the_week_and_the_report(tenant_a):
    activity()
    today = timezone.localdate()
    coach = tenant_a.coach
    cycle = services.cycle_start(coach=coach, teachers=[tenant_a.teacher], title="Talk moves")
    services.evidence_add(cycle=cycle, by=coach.user, kind=EvidenceKind.OBSERVATION, note="3B", date=today,
                          minutes=40, focus_area=focus_area())  # fmt: skip
    services.evidence_add(cycle=cycle, by=coach.user, kind=EvidenceKind.CONVERSATION, date=today, minutes=20)
    cycle.stage, cycle.learn_mode, cycle.learn_date = Stage.LEARN, LearnMode.COACH_MODELS, today
    cycle.save()
    services.modeled_lesson_record(cycle=cycle, by=coach.user, date=today, minutes=30)

    assert cycle_page_get(cycle=cycle, view=CycleView.COACH).minutes_invested == 90
    week = week_get(coach=coach, monday=monday_of(today))
    assert (week.minutes, week.entry_count) == (90, 3)
    figures = build_figures(Scope(ScopeKind.DISTRICT, tenant_a.district.pk), Period.school_year(school_year_of(today)),
                            today=today)  # fmt: skip
    assert figures["total_minutes"] == 90
    assert sorted((a["name"], a["minutes"]) for a in figures["by_activity"]) == [
        ("Coaching Cycles", 20),
        ("Modeling or Co-teaching", 30),
        ("Observation or Feedback", 40),
    ]
