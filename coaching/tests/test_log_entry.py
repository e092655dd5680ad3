"""The rules on a log entry, enforced by the service whatever the form or caller."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from coaching.models import LogEntry
from coaching.services import entry_log, entry_update
from coaching.tests.factories import ContractFactory, activity, focus_area
from teachers.tests.factories import SchoolFactory, TeacherFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db


def log(tenant, **overrides):
    values = {
        "coach": tenant.coach,
        "date": timezone.localdate(),
        "minutes": 60,
        "district": tenant.district,
        "activity": activity(),
        "focus_area": focus_area(),
    }
    values.update(overrides)
    return entry_log(**values)


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def test_coach_logs_an_entry_with_teachers_and_school(tenant_a):
    entry = log(tenant_a, school=tenant_a.school, teachers=[tenant_a.teacher], notes="Exit tickets")
    entry.refresh_from_db()
    assert entry.school_year == school_year_of(entry.date)
    assert list(entry.teachers.all()) == [tenant_a.teacher]
    assert entry.notes == "Exit tickets"


@pytest.mark.parametrize("minutes", [0, 721, -5])
def test_duration_outside_1_to_720_is_refused(tenant_a, minutes):
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, minutes=minutes)
    assert "minutes" in errors_of(excinfo)
    assert LogEntry.objects.count() == 0


def test_720_minutes_is_allowed(tenant_a):
    assert log(tenant_a, minutes=720).minutes == 720


def test_future_date_is_refused_but_today_is_fine(tenant_a):
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, date=timezone.localdate() + dt.timedelta(days=1))
    assert errors_of(excinfo)["date"] == ["The date cannot be in the future."]
    assert log(tenant_a, date=timezone.localdate()).pk


def test_a_day_over_16_hours_is_refused(tenant_a):
    day = timezone.localdate()
    log(tenant_a, date=day, minutes=720)
    log(tenant_a, date=day, minutes=240)  # exactly 16 hours is allowed
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, date=day, minutes=1)
    message = errors_of(excinfo)["minutes"][0]
    assert "16 hours" in message
    assert "16.0 hours are already logged" in message
    assert LogEntry.objects.filter(date=day).count() == 2


def test_editing_an_entry_does_not_count_itself_twice_toward_the_day(tenant_a):
    entry = log(tenant_a, minutes=720)
    log(tenant_a, minutes=200)
    updated = entry_update(
        entry=entry, date=entry.date, minutes=760 - 200 - 20, district=tenant_a.district, activity=activity(),
        focus_area=focus_area(),
    )  # fmt: skip
    assert updated.minutes == 540


def test_district_not_on_the_coaches_contracts_is_refused(tenant_a, tenant_b):
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, district=tenant_b.district)
    assert "is not on one of your contracts" in errors_of(excinfo)["district"][0]


def test_district_contracted_only_for_another_school_year_is_refused(tenant_a):
    last_year_day = timezone.localdate() - dt.timedelta(days=400)
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, date=last_year_day)
    assert "school year" in errors_of(excinfo)["district"][0]
    ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=school_year_of(last_year_day))
    assert log(tenant_a, date=last_year_day).school_year == school_year_of(last_year_day)


def test_contract_with_no_assigned_coaches_is_open_to_every_coach_of_the_program(tenant_a):
    other_district_contract = ContractFactory(program=tenant_a.program)
    assert log(tenant_a, district=other_district_contract.district).pk


def test_contract_assigned_to_another_coach_is_closed_to_this_one(tenant_a):
    from coaching.tests.factories import CoachFactory

    colleague = CoachFactory(program=tenant_a.program)
    contract = ContractFactory(program=tenant_a.program)
    contract.coaches.add(colleague)
    with pytest.raises(ValidationError):
        log(tenant_a, district=contract.district)


def test_teachers_must_belong_to_the_district(tenant_a, tenant_b):
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, teachers=[tenant_a.teacher, tenant_b.teacher])
    assert tenant_b.teacher.full_name in errors_of(excinfo)["teachers"][0]
    assert LogEntry.objects.count() == 0


def test_school_must_belong_to_the_district(tenant_a):
    stranger = SchoolFactory()
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, school=stranger)
    assert "school" in errors_of(excinfo)


def test_coaching_activity_needs_a_focus_area_but_a_non_coaching_duty_does_not(tenant_a):
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, focus_area=None)
    assert "focus_area" in errors_of(excinfo)
    entry = log(tenant_a, activity=activity("Substituting"), focus_area=None)
    assert entry.activity.kind == "non_coaching"


def test_another_programs_own_activity_is_refused(tenant_a, tenant_b):
    from coaching.models import Activity

    theirs = Activity.objects.create(name="Their special", program=tenant_b.program, kind="coaching", balance="input")
    with pytest.raises(ValidationError) as excinfo:
        log(tenant_a, activity=theirs)
    assert "activity" in errors_of(excinfo)


def test_builtin_lists_ship_as_data():
    from coaching.models import Activity, FocusArea

    coaching = Activity.objects.filter(program=None, kind="coaching")
    assert coaching.count() == 17  # the 15 LTC activities and the coach's own learning (2)
    assert coaching.filter(name__in=["Continuous Learning", "Coach Group Meeting"], balance="input").count() == 2
    assert set(coaching.values_list("balance", flat=True)) == {"input", "output"}
    assert Activity.objects.filter(program=None, kind="non_coaching", name="Substituting").exists()
    assert FocusArea.objects.filter(program=None).count() >= 7


def test_teacher_of_the_district_at_another_school_is_fine(tenant_a):
    colleague = TeacherFactory(school=SchoolFactory(district=tenant_a.district))
    entry = log(tenant_a, teachers=[tenant_a.teacher, colleague])
    assert entry.teachers.count() == 2
