"""Log once: an observation, a coaching conversation or the modeled lesson recorded on a cycle with
its date and length is the coach's log entry, one row shown on the cycle and in the log."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.models import CoachMonth, LogEntry, MonthStatus
from coaching.selectors import week_get
from coaching.services import entry_delete, entry_update
from coaching.tests.factories import activity, focus_area
from cycles import services
from cycles.models import Cycle, CycleTime, Evidence, EvidenceKind, LearnMode, Stage
from cycles.selectors import cycle_page_get
from toolkit.schoolyear import monday_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(tenant_a):
    activity()  # the built-in activities and focus areas
    return services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="Talk moves")


def _post(client, cycle, **data):
    return client.post(reverse("cycles:evidence_add", args=[cycle.public_id]), data)


def _observation(cycle, **extra):
    today = timezone.localdate()
    return {"kind": EvidenceKind.OBSERVATION, "note": "Turn and talk in 3B", "date": today.isoformat(),
            "minutes": "40", "start_time": "09:00", "focus_area": focus_area().pk, **extra}  # fmt: skip


def test_a_timed_observation_is_one_entry_counted_toward_the_cycle(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    response = _post(client, cycle, **_observation(cycle))
    assert response.status_code == 302
    evidence = Evidence.objects.get(cycle=cycle)
    entry = LogEntry.objects.get()
    assert evidence.entry == entry
    assert (entry.minutes, entry.date, entry.activity.name, entry.focus_area) == (
        40,
        timezone.localdate(),
        "Observation or Feedback",
        focus_area(),
    )
    assert (entry.start_time, entry.end_time) == (dt.time(9, 0), dt.time(9, 40))
    assert (entry.district, entry.school, list(entry.teachers.all())) == (
        tenant_a.district,
        tenant_a.school,
        [tenant_a.teacher],
    )
    assert entry.notes == ""  # the evidence stays confidential; the entry carries no note of it
    assert CycleTime.objects.get().entry == entry
    page = client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    assert f"{entry.date:%b} {entry.date.day}, 40 min</a> logged" in page
    assert reverse("coaching:entry_edit", args=[entry.pk]) in page
    week = week_get(coach=tenant_a.coach, monday=monday_of(entry.date))
    assert week.minutes == 40
    assert week.entry_count == 1


def test_a_conversation_is_logged_under_coaching_cycles_with_the_cycles_last_focus_area(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    _post(client, cycle, **_observation(cycle))
    data = _observation(cycle, kind=EvidenceKind.CONVERSATION, minutes="25", focus_area="", start_time="")
    assert _post(client, cycle, **data).status_code == 302
    conversation = Evidence.objects.get(kind=EvidenceKind.CONVERSATION)
    assert conversation.entry is not None
    assert (conversation.entry.activity.name, conversation.entry.focus_area) == ("Coaching Cycles", focus_area())
    assert cycle_page_get(cycle=cycle, view=_coach_view()).minutes_invested == 65


def _coach_view():
    from cycles.access import CycleView

    return CycleView.COACH


def test_evidence_without_a_length_is_no_entry(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    assert (
        _post(client, cycle, kind=EvidenceKind.OBSERVATION, note="Quiet room", date="", minutes="").status_code == 302
    )
    assert Evidence.objects.get().entry is None
    assert not LogEntry.objects.exists()


def test_a_length_on_other_evidence_is_refused_next_to_the_field(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    response = _post(client, cycle, **_observation(cycle, kind=EvidenceKind.STUDENT_WORK))
    assert response.status_code == 400
    assert "Time is logged for an observation or a coaching conversation." in response.content.decode()
    assert not Evidence.objects.exists()
    assert not LogEntry.objects.exists()


def test_over_sixteen_hours_is_refused_values_kept_nothing_created(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    today = timezone.localdate()
    services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind=EvidenceKind.OBSERVATION, note="Morning",
                          date=today, minutes=700, focus_area=focus_area())  # fmt: skip
    services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind=EvidenceKind.OBSERVATION, note="Noon",
                          date=today, minutes=200, focus_area=focus_area())  # fmt: skip
    before = (Evidence.objects.count(), LogEntry.objects.count(), CycleTime.objects.count())
    response = _post(client, cycle, **_observation(cycle, note="Afternoon in 3B", minutes="90"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "a day cannot exceed 16 hours" in page
    assert "Afternoon in 3B" in page
    assert 'value="90"' in page
    assert (Evidence.objects.count(), LogEntry.objects.count(), CycleTime.objects.count()) == before


def test_a_locked_month_is_refused_and_nothing_is_created(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    today = timezone.localdate()
    CoachMonth.objects.create(coach=tenant_a.coach, month=today.replace(day=1), status=MonthStatus.SUBMITTED,
                              submitted_at=timezone.now())  # fmt: skip
    response = _post(client, cycle, **_observation(cycle))
    assert response.status_code == 400
    assert "submitted" in response.content.decode().lower()
    assert not Evidence.objects.exists()
    assert not LogEntry.objects.exists()
    assert not CycleTime.objects.exists()


def test_a_district_off_the_contracts_that_year_is_refused(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    type(tenant_a.contract).objects.filter(pk=tenant_a.contract.pk).update(
        school_year=tenant_a.contract.school_year - 1
    )
    response = _post(client, cycle, **_observation(cycle))
    assert response.status_code == 400
    assert "is not on one of your contracts" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not LogEntry.objects.exists()


def test_editing_the_entry_changes_the_cycle_and_deleting_it_detaches_the_evidence(tenant_a, cycle):
    evidence = services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind=EvidenceKind.OBSERVATION,
                                     note="3B", date=timezone.localdate(), minutes=40,
                                     focus_area=focus_area())  # fmt: skip
    entry = evidence.entry
    assert entry is not None
    entry_update(entry=entry, date=entry.date, minutes=55, district=entry.district, activity=entry.activity,
                 focus_area=entry.focus_area, school=entry.school, teachers=entry.teachers.all())  # fmt: skip
    assert cycle_page_get(cycle=cycle, view=_coach_view()).minutes_invested == 55
    entry_delete(entry=entry)
    evidence.refresh_from_db()
    assert evidence.entry is None
    assert evidence.note == "3B"
    assert not CycleTime.objects.exists()
    assert cycle_page_get(cycle=cycle, view=_coach_view()).minutes_invested == 0


def test_teachers_add_evidence_but_never_time(client, tenant_a, cycle):
    client.force_login(tenant_a.teacher.user)
    page = client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    assert 'name="minutes"' not in page
    assert _post(client, cycle, **_observation(cycle)).status_code == 302  # the time fields are not theirs
    assert Evidence.objects.get().entry is None
    assert not LogEntry.objects.exists()
    with pytest.raises(Exception, match="Only the cycle's coach logs time"):
        services.evidence_add(cycle=cycle, by=tenant_a.teacher.user, kind=EvidenceKind.OBSERVATION, note="x",
                              date=timezone.localdate(), minutes=30)  # fmt: skip


def test_another_coachs_cycle_is_a_404(client, tenant_a, tenant_b, cycle):
    client.force_login(tenant_b.coach.user)
    assert _post(client, cycle, **_observation(cycle)).status_code == 404
    modeled = reverse("cycles:modeled_lesson", args=[cycle.public_id])
    assert client.post(modeled, {"date": timezone.localdate().isoformat(), "minutes": "45"}).status_code == 404
    assert not LogEntry.objects.exists()


# ---------------------------------------------------------------------------- the modeled lesson


def _in_learn(cycle, mode=LearnMode.COACH_MODELS, day=None):
    Cycle.objects.filter(pk=cycle.pk).update(stage=Stage.LEARN, learn_mode=mode,
                                             learn_date=day or timezone.localdate())  # fmt: skip
    return Cycle.objects.get(pk=cycle.pk)


def test_the_modeled_lesson_is_recorded_once_and_shown_done(client, tenant_a, cycle):
    day = timezone.localdate() - dt.timedelta(days=1)
    cycle = _in_learn(cycle, day=day)
    client.force_login(tenant_a.coach.user)
    detail = reverse("cycles:detail", args=[cycle.public_id])
    page = client.get(detail).content.decode()
    assert "Record the modeled lesson" in page
    assert f'value="{day.isoformat()}"' in page
    url = reverse("cycles:modeled_lesson", args=[cycle.public_id])
    response = client.post(url, {"date": day.isoformat(), "minutes": "50", "focus_area": focus_area().pk})
    assert response.status_code == 302
    entry = LogEntry.objects.get()
    cycle.refresh_from_db()
    assert cycle.modeled_entry == entry
    assert (entry.activity.name, entry.minutes, entry.date) == ("Modeling or Co-teaching", 50, day)
    assert CycleTime.objects.get().entry == entry
    page = client.get(detail).content.decode()
    assert "Modeled lesson recorded" in page
    assert reverse("coaching:entry_edit", args=[entry.pk]) in page
    assert "Record the modeled lesson" not in page
    # A second post records nothing more.
    assert (
        client.post(url, {"date": day.isoformat(), "minutes": "50", "focus_area": focus_area().pk}).status_code == 302
    )
    assert LogEntry.objects.count() == 1


def test_the_modeled_lesson_needs_a_length_and_a_focus_area(client, tenant_a, cycle):
    cycle = _in_learn(cycle, mode=LearnMode.CO_TEACHING)
    client.force_login(tenant_a.coach.user)
    url = reverse("cycles:modeled_lesson", args=[cycle.public_id])
    response = client.post(url, {"date": timezone.localdate().isoformat(), "minutes": ""})
    assert response.status_code == 400
    assert not LogEntry.objects.exists()
    response = client.post(url, {"date": timezone.localdate().isoformat(), "minutes": "30"})
    assert response.status_code == 400
    assert "Choose what this coaching time was about." in response.content.decode()
    assert not LogEntry.objects.exists()
    assert Cycle.objects.get(pk=cycle.pk).modeled_entry is None


def test_no_modeled_lesson_for_a_video_or_from_a_teacher(client, tenant_a, cycle):
    cycle = _in_learn(cycle, mode=LearnMode.VIDEO)
    client.force_login(tenant_a.coach.user)
    assert (
        "Record the modeled lesson" not in client.get(reverse("cycles:detail", args=[cycle.public_id])).content.decode()
    )
    url = reverse("cycles:modeled_lesson", args=[cycle.public_id])
    data = {"date": timezone.localdate().isoformat(), "minutes": "30", "focus_area": focus_area().pk}
    assert client.post(url, data).status_code == 302
    assert not LogEntry.objects.exists()
    _in_learn(cycle)
    client.force_login(tenant_a.teacher.user)
    assert client.post(url, data).status_code == 403
    assert not LogEntry.objects.exists()


def test_deleting_the_modeled_entry_reopens_the_action(tenant_a, cycle):
    cycle = _in_learn(cycle)
    entry = services.modeled_lesson_record(cycle=cycle, by=tenant_a.coach.user, date=timezone.localdate(),
                                           minutes=45, focus_area=focus_area())  # fmt: skip
    entry_delete(entry=entry)
    cycle.refresh_from_db()
    assert cycle.modeled_entry is None
    assert not CycleTime.objects.exists()


def test_the_cycle_page_query_count_does_not_grow_with_timed_evidence(
    client, tenant_a, cycle, django_assert_max_num_queries
):
    client.force_login(tenant_a.coach.user)
    url = reverse("cycles:detail", args=[cycle.public_id])
    start = timezone.localdate() - dt.timedelta(days=40)

    def add(n):
        for i in range(n):
            services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind=EvidenceKind.OBSERVATION, note=f"{i}",
                                  date=start + dt.timedelta(days=Evidence.objects.count() % 30), minutes=10,
                                  focus_area=focus_area())  # fmt: skip

    add(3)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as three:
        client.get(url)
    add(27)
    with django_assert_max_num_queries(len(three)):
        assert client.get(url).status_code == 200
