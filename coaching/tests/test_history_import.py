"""Bringing history in: past time logs from CSV, previewed, then imported all or nothing."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from coaching.history import HISTORY_MAX_BYTES, HISTORY_MAX_ROWS, HistoryImportError, history_check, history_read
from coaching.models import EntryChange, HistoryUpload, ImportedEntry, LogEntry
from coaching.tests.factories import CoachFactory, ContractFactory, LogEntryFactory, activity, focus_area
from teachers.models import AuditAction, AuditEvent, Role
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory, UserFactory
from toolkit.schoolyear import school_year_bounds, school_year_of

UPLOAD_URL = reverse("coaching:history_import")
PREVIEW_URL = reverse("coaching:history_preview")
TEMPLATE_URL = reverse("coaching:history_template")
HEADER = "date,minutes,district,school,activity,focus_area,teacher_emails,notes"
TODAY = timezone.localdate()


def csv_file(*lines: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *lines]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def row(tenant, *, day: dt.date | None = None, minutes: object = 60, district: str | None = None, school: str = "",
        activity_name: str = "Coaching Cycles", focus: str = "Technology integration", teachers: str | None = None,
        notes: str = "") -> str:  # fmt: skip
    day = day or TODAY
    district = tenant.district.name if district is None else district
    teachers = tenant.teacher.email if teachers is None else teachers
    return f"{day.isoformat()},{minutes},{district},{school},{activity_name},{focus},{teachers},{notes}"


def upload(client, user, data: bytes, name: str = "history.csv"):
    client.force_login(user)
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def errors_of(response) -> list[str]:
    block = re.search(r'id="import-errors">(.*?)</div>', response.content.decode(), re.S)
    return [html.unescape(e) for e in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)] if block else []


@pytest.fixture(autouse=True)
def builtin_lists(db):
    activity()
    focus_area()


# --------------------------------------------------------------------------- the whole journey


def test_a_coach_uploads_previews_and_imports_their_history(client, tenant_a):
    data = csv_file(row(tenant_a, notes="Planning"), row(tenant_a, minutes=30, school=tenant_a.school.name))
    response = upload(client, tenant_a.coach.user, data)
    assert response.status_code == 302
    assert response["Location"] == PREVIEW_URL
    assert LogEntry.objects.count() == 0
    preview = client.get(PREVIEW_URL)
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "2 rows" in body
    assert "2 to import (90 minutes)" in body
    assert "0 already imported" in body
    assert f"{TODAY:%Y-%m}" in body
    assert tenant_a.district.name in body
    response = client.post(PREVIEW_URL, {"import": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:entry_list")
    entries = LogEntry.objects.filter(coach=tenant_a.coach).order_by("minutes")
    assert [(e.minutes, e.school, e.program_id, e.school_year) for e in entries] == [
        (30, tenant_a.school, tenant_a.program.pk, school_year_of(TODAY)),
        (60, None, tenant_a.program.pk, school_year_of(TODAY)),
    ]
    assert all(list(e.teachers.all()) == [tenant_a.teacher] for e in entries)
    assert entries.get(minutes=60).notes == "Planning"
    assert not HistoryUpload.objects.exists()  # the kept file is gone once imported
    assert EntryChange.objects.filter(entry_id__in=[e.pk for e in entries]).count() == 2  # reports learn of them
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.actor == tenant_a.coach.user
    assert "2 past time-log entries" in event.detail


def test_the_same_file_twice_adds_nothing_the_second_time(client, tenant_a):
    data = csv_file(row(tenant_a), row(tenant_a), row(tenant_a, minutes=15))  # two identical rows are two blocks
    upload(client, tenant_a.coach.user, data)
    client.post(PREVIEW_URL, {"import": "1"})
    assert LogEntry.objects.count() == 3
    upload(client, tenant_a.coach.user, data)
    body = client.get(PREVIEW_URL).content.decode()
    assert "0 to import" in body
    assert "3 already imported" in body
    client.post(PREVIEW_URL, {"import": "1"})
    assert LogEntry.objects.count() == 3 == ImportedEntry.objects.count()


def test_a_file_with_one_more_row_adds_only_that_row(client, tenant_a):
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a)))
    client.post(PREVIEW_URL, {"import": "1"})
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a), row(tenant_a, minutes=20)))
    assert "1 already imported" in client.get(PREVIEW_URL).content.decode()
    client.post(PREVIEW_URL, {"import": "1"})
    assert sorted(LogEntry.objects.values_list("minutes", flat=True)) == [20, 60]


# --------------------------------------------------------------------------- every bad line, nothing imported


def test_every_bad_line_is_listed_by_number_and_nothing_is_imported(client, tenant_a, tenant_b):
    future = TODAY + dt.timedelta(days=1)
    lines = [
        row(tenant_a),  # line 2: fine
        row(tenant_a, district="Nowhere USD"),  # 3
        row(tenant_a, school="Atlantis High"),  # 4
        row(tenant_a, teachers="nobody@example.org"),  # 5
        row(tenant_a, day=future),  # 6
        row(tenant_a, minutes=0),  # 7
        row(tenant_a, minutes=721),  # 8
        row(tenant_a, minutes="an hour"),  # 9
        row(tenant_a, day=dt.date(TODAY.year - 3, 1, 5)),  # 10: no contract that school year
        row(tenant_a, focus="Underwater basket weaving"),  # 11
        row(tenant_a, focus=""),  # 12: coaching time needs a focus area
        "31/02/2025,60," + tenant_a.district.name + ",,Coaching Cycles,Technology integration,,",  # 13
        row(tenant_a, district=tenant_b.district.name),  # 14: another tenant's district
        row(tenant_a, teachers=tenant_b.teacher.email),  # 15: another tenant's teacher
        ",,,,,,,",  # 16 is blank and skipped
        ",60,,,Coaching Cycles,Technology integration,,",  # 17
    ]
    upload(client, tenant_a.coach.user, csv_file(*lines))
    response = client.get(PREVIEW_URL)
    year = school_year_of(dt.date(TODAY.year - 3, 1, 5))
    expected = [
        "Line 3: unknown district “Nowhere USD” (not one of your districts).",
        f"Line 4: unknown school “Atlantis High” in {tenant_a.district.name}.",
        "Line 5: unknown teacher “nobody@example.org”.",
        "Line 6: the date cannot be in the future.",
        "Line 7: minutes “0”: enter between 1 and 720 minutes.",
        "Line 8: minutes “721”: enter between 1 and 720 minutes.",
        "Line 9: minutes “an hour”: enter between 1 and 720 minutes.",
        f"Line 10: {tenant_a.district.name} is not on one of your contracts for the {year}–{str(year + 1)[2:]} "
        "school year.",
        "Line 11: unknown focus area “Underwater basket weaving”.",
        "Line 12: choose what this coaching time was about (focus_area is required for Coaching Cycles).",
        "Line 13: “31/02/2025” is not a date (use YYYY-MM-DD).",
        f"Line 14: unknown district “{tenant_b.district.name}” (not one of your districts).",
        f"Line 15: unknown teacher “{tenant_b.teacher.email}”.",
        "Line 17: date is missing; district is missing.",
    ]
    assert errors_of(response) == expected
    assert "Import 1" not in response.content.decode()  # no Import button while a line is bad
    response = client.post(PREVIEW_URL, {"import": "1"})
    assert response.status_code == 200
    assert errors_of(response) == expected
    assert LogEntry.objects.count() == 0
    assert ImportedEntry.objects.count() == 0


def test_a_teacher_of_the_coachs_other_district_is_not_on_this_districts_roster(client, tenant_a):
    other = DistrictFactory(name="Second District")
    ContractFactory(program=tenant_a.program, district=other).coaches.add(tenant_a.coach)
    stranger = TeacherFactory(school=SchoolFactory(district=other), first_name="Sam", last_name="Elsewhere")
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a, teachers=stranger.email)))
    assert errors_of(client.get(PREVIEW_URL)) == [f"Line 2: not on the {tenant_a.district.name} roster: Sam Elsewhere."]


def test_over_sixteen_hours_in_a_day_counts_what_is_already_logged(client, tenant_a):
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=TODAY, minutes=600)
    lines = [row(tenant_a, minutes=300), row(tenant_a, minutes=120)]  # 600 + 300 = 900; + 120 = 1020 > 960
    upload(client, tenant_a.coach.user, csv_file(*lines))
    assert errors_of(client.get(PREVIEW_URL)) == [
        f"Line 3: that makes 17.0 hours on {TODAY:%b} {TODAY.day}, {TODAY.year}; a day cannot exceed 16 hours "
        "(15.0 hours are already logged or earlier in the file)."
    ]
    client.post(PREVIEW_URL, {"import": "1"})
    assert LogEntry.objects.count() == 1


def test_the_rules_are_checked_again_at_import(client, tenant_a):
    """Time logged between the preview and the import counts: the import refuses, adding nothing."""
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a, minutes=600)))
    assert errors_of(client.get(PREVIEW_URL)) == []
    LogEntryFactory(coach=tenant_a.coach, district=tenant_a.district, date=TODAY, minutes=400)
    response = client.post(PREVIEW_URL, {"import": "1"})
    assert errors_of(response)[0].startswith("Line 2: that makes 16.7 hours")
    assert LogEntry.objects.count() == 1


# --------------------------------------------------------------------------- unknown activities


def test_unknown_activity_names_are_mapped_and_the_import_uses_the_mapping(client, tenant_a):
    lines = [row(tenant_a, activity_name="Coaching cycle mtg"), row(tenant_a, activity_name="COACHING CYCLE MTG",
             minutes=20), row(tenant_a, activity_name="Lunch duty", focus="", minutes=30)]  # fmt: skip
    upload(client, tenant_a.coach.user, csv_file(*lines))
    response = client.get(PREVIEW_URL)
    body = html.unescape(response.content.decode())
    assert errors_of(response) == []
    assert "“Coaching cycle mtg” in the file is" in body
    assert "“Lunch duty” in the file is" in body
    assert body.count("in the file is") == 2
    assert 'for="id_map_0"' in body  # each select has its label
    coaching, duty = activity("Coaching Cycles"), activity("Other duties as assigned")
    response = client.post(PREVIEW_URL, {"import": "1"})  # no mapping chosen: nothing imported
    assert response.status_code == 200
    assert LogEntry.objects.count() == 0
    assert "This field is required." in response.content.decode()
    response = client.post(PREVIEW_URL, {"import": "1", "map_0": coaching.pk, "map_1": duty.pk})
    assert response.status_code == 302
    assert sorted(LogEntry.objects.values_list("minutes", "activity__name")) == [
        (20, "Coaching Cycles"), (30, "Other duties as assigned"), (60, "Coaching Cycles"),
    ]  # fmt: skip


def test_a_mapped_coaching_activity_still_needs_a_focus_area(client, tenant_a):
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a, activity_name="Cycle work", focus="")))
    response = client.post(PREVIEW_URL, {"import": "1", "map_0": activity("Coaching Cycles").pk})
    assert errors_of(response) == [
        "Line 2: choose what this coaching time was about (focus_area is required for Coaching Cycles)."
    ]
    assert LogEntry.objects.count() == 0


def test_a_mapping_to_an_activity_outside_the_list_is_refused(client, tenant_a):
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a, activity_name="Cycle work")))
    response = client.post(PREVIEW_URL, {"import": "1", "map_0": 999_999})
    assert response.status_code == 200
    assert LogEntry.objects.count() == 0


# --------------------------------------------------------------------------- years and districts


def test_a_finished_past_school_year_imports_under_its_contract(client, tenant_a):
    last_year = school_year_of(TODAY) - 1
    ContractFactory(program=tenant_a.program, district=tenant_a.district, school_year=last_year).coaches.add(
        tenant_a.coach
    )
    day = school_year_bounds(last_year)[0] + dt.timedelta(days=70)
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a, day=day)))
    assert f"{day:%Y-%m}" in client.get(PREVIEW_URL).content.decode()
    client.post(PREVIEW_URL, {"import": "1"})
    assert LogEntry.objects.get().school_year == last_year


def test_a_coach_in_two_districts_imports_rows_of_both(client, tenant_a):
    other = DistrictFactory(name="Second District")
    ContractFactory(program=tenant_a.program, district=other)  # open to every coach of the program
    colleague = TeacherFactory(school=SchoolFactory(district=other, name="Second School"))
    lines = [row(tenant_a), row(tenant_a, district="second district", school="SECOND SCHOOL", teachers=colleague.email)]
    upload(client, tenant_a.coach.user, csv_file(*lines))
    body = client.get(PREVIEW_URL).content.decode()
    assert tenant_a.district.name in body
    assert "Second District" in body
    client.post(PREVIEW_URL, {"import": "1"})
    entry = LogEntry.objects.get(district=other)
    assert entry.school.name == "Second School"
    assert list(entry.teachers.all()) == [colleague]


# --------------------------------------------------------------------------- program-wide files


def test_a_director_imports_a_program_wide_file(client, tenant_a):
    second = CoachFactory(program=tenant_a.program, user=UserFactory(username="second_coach", role=Role.COACH))
    tenant_a.contract.coaches.add(second)
    header = HEADER + ",coach_email"
    lines = [
        row(tenant_a) + f",{tenant_a.coach.user.email}",
        row(tenant_a, minutes=15) + f",{second.user.email.upper()}",
    ]
    upload(client, tenant_a.director, csv_file(*lines, header=header))
    response = client.post(PREVIEW_URL, {"import": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("coaching:contracts")
    assert sorted(LogEntry.objects.values_list("coach__user__username", "minutes")) == [
        ("coach_A", 60), ("second_coach", 15),
    ]  # fmt: skip


def test_a_program_wide_file_needs_coach_email(client, tenant_a):
    response = upload(client, tenant_a.director, csv_file(row(tenant_a)))
    assert errors_of(response) == ["Line 1: The header is missing the column(s): coach_email."]
    assert not HistoryUpload.objects.exists()


def test_a_director_cannot_import_for_a_coach_of_another_program(client, tenant_a, tenant_b):
    lines = [row(tenant_a) + f",{tenant_a.coach.user.email}", row(tenant_b) + f",{tenant_b.coach.user.email}"]
    upload(client, tenant_a.director, csv_file(*lines, header=HEADER + ",coach_email"))
    response = client.post(PREVIEW_URL, {"import": "1"})
    assert errors_of(response) == [f"Line 3: no coach of your program has the email “{tenant_b.coach.user.email}”."]
    assert LogEntry.objects.count() == 0


def test_a_coachs_own_file_ignores_a_coach_email_column(client, tenant_a, tenant_b):
    lines = [row(tenant_a) + f",{tenant_b.coach.user.email}"]
    upload(client, tenant_a.coach.user, csv_file(*lines, header=HEADER + ",coach_email"))
    client.post(PREVIEW_URL, {"import": "1"})
    assert LogEntry.objects.get().coach == tenant_a.coach


# --------------------------------------------------------------------------- the file itself


def test_bom_and_spreadsheet_quoting_are_read(client, tenant_a):
    notes = '"Met with ""the team"", then planned\nnext steps"'
    line = (f"{TODAY.isoformat()},45,\"{tenant_a.district.name}\",,\"Coaching Cycles\",Technology integration,"
            f"\"{tenant_a.teacher.email}; \",{notes}")  # fmt: skip
    upload(client, tenant_a.coach.user, csv_file(line, bom=True))
    client.post(PREVIEW_URL, {"import": "1"})
    entry = LogEntry.objects.get()
    assert entry.notes == 'Met with "the team", then planned\nnext steps'
    assert entry.minutes == 45


def test_a_line_number_counts_the_lines_of_a_quoted_cell():
    rows = history_read(csv_file('2025-01-01,60,D,,A,F,,"two\nlines"', "2025-01-02,60,D,,A,F,,"), program_wide=False)
    assert [line for line, _ in rows] == [3, 4]


def test_a_file_over_the_size_limit_is_refused_with_a_clear_message(client, tenant_a):
    data = csv_file(row(tenant_a)) + b" " * HISTORY_MAX_BYTES
    response = upload(client, tenant_a.coach.user, data)
    assert response.status_code == 200
    assert "The file is larger than 5 MB. Split it by school year and import each part." in response.content.decode()
    assert not HistoryUpload.objects.exists()


def test_a_file_over_the_row_limit_is_refused():
    data = csv_file(*["2025-01-01,60,D,,A,F,,"] * (HISTORY_MAX_ROWS + 1))
    with pytest.raises(HistoryImportError) as caught:
        history_read(data, program_wide=False)
    assert [str(e) for e in caught.value.errors] == ["The file has more than 20,000 rows. Split it by school year."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xef\xbb\xbf", "The file is empty."),
        (b"\xff\xfe\x00d", "The file is not UTF-8 text. Save it as CSV UTF-8."),
        (HEADER.encode() + b"\n", "The file has a header but no rows."),
        (b"date,minutes\n2025-01-01,60\n", "Line 1: The header is missing the column(s): district, activity."),
    ],
)
def test_unreadable_files_are_refused(client, tenant_a, data, message):
    response = upload(client, tenant_a.coach.user, data)
    assert errors_of(response) == [message]
    assert "This file cannot be read" in response.content.decode()  # next to the file field


def test_the_template_downloads_with_the_columns(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    body = b"".join(client.get(TEMPLATE_URL).streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == HEADER
    client.force_login(tenant_a.director)
    body = b"".join(client.get(TEMPLATE_URL).streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == HEADER + ",coach_email"


# --------------------------------------------------------------------------- the kept upload


def test_the_kept_upload_is_the_uploaders_own(client, tenant_a):
    other = CoachFactory(program=tenant_a.program, user=UserFactory(username="peer_coach", role=Role.COACH))
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a)))
    client.force_login(other.user)
    assert client.get(PREVIEW_URL)["Location"] == UPLOAD_URL
    client.post(PREVIEW_URL, {"import": "1"})
    assert LogEntry.objects.count() == 0
    assert HistoryUpload.objects.filter(owner=tenant_a.coach.user).exists()


def test_an_expired_upload_is_gone(client, tenant_a):
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a)))
    HistoryUpload.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    assert client.get(PREVIEW_URL)["Location"] == UPLOAD_URL
    assert not HistoryUpload.objects.exists()


def test_discarding_the_upload_imports_nothing(client, tenant_a):
    upload(client, tenant_a.coach.user, csv_file(row(tenant_a)))
    assert client.post(PREVIEW_URL, {"cancel": "1"})["Location"] == UPLOAD_URL
    assert not HistoryUpload.objects.exists()
    assert LogEntry.objects.count() == 0


# --------------------------------------------------------------------------- who may


@pytest.mark.parametrize("who", ["teacher", "district_admin", "site_admin"])
def test_only_coaches_and_directors_import(client, tenant_a, site_admin, who):
    user = {"teacher": tenant_a.teacher.user, "district_admin": tenant_a.district_admin, "site_admin": site_admin}[who]
    response = upload(client, user, csv_file(row(tenant_a)))
    assert response.status_code == 403
    assert not HistoryUpload.objects.exists()


def test_the_links_are_shown_to_those_who_may_import(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    assert UPLOAD_URL in client.get(reverse("coaching:entry_list")).content.decode()
    client.force_login(tenant_a.director)
    assert UPLOAD_URL in client.get(reverse("coaching:contracts")).content.decode()
    client.force_login(tenant_a.district_admin)
    assert UPLOAD_URL not in client.get(reverse("coaching:contracts")).content.decode()


def test_validation_reads_lookups_once_not_per_row(tenant_a, django_assert_max_num_queries):
    rows = history_read(csv_file(*[row(tenant_a, minutes=1) for _ in range(300)]), program_wide=False)
    with django_assert_max_num_queries(12):
        check = history_check(rows=rows, coaches=[tenant_a.coach], program_wide=False)
    assert len(check.planned) == 300
    assert not check.errors
