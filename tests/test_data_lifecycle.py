"""A teacher's own data export, and erasing a teacher who left without changing the reports."""

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from coaching.tests.factories import LogEntryFactory
from cycles import services
from cycles.models import Cycle, Goal, Reflection
from reports.builder import build_figures
from reports.scopes import Period, Scope
from teachers.models import Teacher, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(tenant_a, tenant_b):
    today = timezone.localdate()
    teacher = tenant_a.teacher
    cycle = services.cycle_start(coach=tenant_a.coach, teachers=[teacher], title="Exit tickets")
    services.goal_set(cycle=cycle, by=tenant_a.coach.user, statement="Ninety percent on exit tickets", measure="m",
                      target=Decimal(90), deadline=today + dt.timedelta(days=20))  # fmt: skip
    services.progress_record(cycle=cycle, by=tenant_a.coach.user, date=today, value=Decimal(60))
    services.cycle_update_plan(cycle=cycle, by=tenant_a.coach.user, coach_notes="Coach's private note")
    services.reflection_write(author=teacher.user, teacher=teacher, cycle=cycle, occasion="free",
                              what_happened="I felt unsure at first", confidence=3)  # fmt: skip
    entry = LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=today, minutes=75)
    entry.teachers.add(teacher)
    other = LogEntryFactory(coach=tenant_b.coach, district=tenant_b.district, date=today)
    other.teachers.add(tenant_b.teacher)
    return cycle


def test_a_teacher_downloads_their_own_data_as_json_and_csv(client, tenant_a, history):
    client.force_login(tenant_a.teacher.user)
    data = json.loads(client.get(reverse("cycles:my_data_json")).content)
    assert data["teacher"]["email"] == tenant_a.teacher.email
    assert [c["title"] for c in data["cycles"]] == ["Exit tickets"]
    assert data["cycles"][0]["goals"][0]["progress"] == [{"date": timezone.localdate().isoformat(), "value": "60.00"}]
    assert [r["what_happened"] for r in data["reflections"]] == ["I felt unsure at first"]
    assert [s["minutes"] for s in data["coaching_sessions"]] == [75]
    assert "Coach's private note" not in json.dumps(data)
    exported = b"".join(client.get(reverse("cycles:my_data_csv")).streaming_content).decode()
    assert exported.startswith("\ufeff")  # like every other export: spreadsheets read the names right
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0] == ["kind", "date", "title_or_activity", "detail", "value"]
    assert {row[0] for row in rows[1:]} == {"cycle", "goal", "progress", "reflection", "coaching session"}


@pytest.mark.parametrize("role", ["coach", "district_admin"])
def test_only_a_teacher_has_an_own_data_export(client, tenant_a, role):
    user = tenant_a.coach.user if role == "coach" else tenant_a.district_admin
    client.force_login(user)
    assert client.get(reverse("cycles:my_data_json")).status_code == 403


def test_erasing_a_teacher_removes_their_content_and_keeps_the_report_figures(client, tenant_a, history):
    scope = Scope("district", tenant_a.district.pk, "A")
    period = Period.parse("", today=timezone.localdate())
    before = build_figures(scope, period, today=timezone.localdate())
    teacher, user_id = tenant_a.teacher, tenant_a.teacher.user_id
    client.force_login(tenant_a.district_admin)
    assert client.get(reverse("cycles:teacher_erase", args=[teacher.pk])).status_code == 200
    assert client.post(reverse("cycles:teacher_erase", args=[teacher.pk])).status_code == 302

    teacher.refresh_from_db()
    assert (teacher.first_name, teacher.active, teacher.user_id) == ("Former", False, None)
    assert "Teacher" not in teacher.last_name
    assert teacher.email.endswith("@erased.invalid")
    assert not User.objects.filter(pk=user_id).exists()
    assert not Reflection.objects.filter(teacher=teacher).exists()
    assert not Goal.objects.filter(cycle=history).exists()
    cycle = Cycle.objects.get(pk=history.pk)
    assert (cycle.title, cycle.coach_notes) == ("Erased cycle", "")
    after = build_figures(scope, period, today=timezone.localdate())
    for key in ("total_minutes", "teachers_reached", "by_activity", "balance", "by_month", "contracts"):
        assert after[key] == before[key], key
    roster = client.get(reverse("teachers:roster") + "?show_inactive=on").content.decode()
    assert "Of" + "A" not in roster  # the teacher's last name, "OfA", is gone


def test_a_district_admin_cannot_erase_another_districts_teacher_and_a_coach_cannot_erase_at_all(client, tenant_a,
                                                                                                tenant_b):  # fmt: skip
    client.force_login(tenant_a.district_admin)
    assert client.post(reverse("cycles:teacher_erase", args=[tenant_b.teacher.pk])).status_code == 404
    client.force_login(tenant_a.coach.user)
    assert client.post(reverse("cycles:teacher_erase", args=[tenant_a.teacher.pk])).status_code == 404
    assert Teacher.objects.filter(first_name="Former").count() == 0


def _evidence_with_file(cycle, by):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    return services.evidence_add(cycle=cycle, by=by, kind="student_work", note="photo",
                                 upload=SimpleUploadedFile("work.png", png))  # fmt: skip


def test_an_erasure_deletes_files_only_once_committed_and_is_audited_as_an_erasure(
    tenant_a, history, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from cycles import lifecycle
    from teachers.models import AuditAction, AuditEvent

    with django_capture_on_commit_callbacks(execute=True):
        evidence = _evidence_with_file(history, tenant_a.coach.user)
    storage, name = evidence.file.storage, evidence.file.name
    assert storage.exists(name)

    class Abort(Exception):
        pass

    def erase_then_fail() -> None:
        with transaction.atomic():
            lifecycle.teacher_erase(teacher=tenant_a.teacher, by=tenant_a.district_admin)
            raise Abort  # something after the erasure fails: the rows come back, so must the file

    with pytest.raises(Abort), django_capture_on_commit_callbacks(execute=True):
        erase_then_fail()
    assert storage.exists(name), "a rolled-back erasure deleted the evidence file"

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.teacher_erase(teacher=Teacher.objects.get(pk=tenant_a.teacher.pk), by=tenant_a.district_admin)
    assert not storage.exists(name)
    event = AuditEvent.objects.get(object_type="teacher")
    assert event.action == AuditAction.TEACHER_ERASED
