"""Evidence uploads (size and type checked by content, random names, served with permission)
and the goal page's validation messages."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cycles import services
from cycles.models import Evidence, Goal
from toolkit.uploads import MAX_UPLOAD_BYTES, sniff_content_type

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


@pytest.fixture
def cycle(tenant_a):
    return services.cycle_start(coach=tenant_a.coach, teachers=[tenant_a.teacher], title="Talk moves")


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


DOCX = _docx()


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (PDF, "notes.pdf", "application/pdf"),
        (PNG, "photo.png", "image/png"),
        (b"\xff\xd8\xff\xe0" + b"0" * 20, "a.jpg", "image/jpeg"),
        (b"\x00\x00\x00\x18ftypmp42" + b"0" * 20, "clip.mp4", "video/mp4"),
        (DOCX, "plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (b"PK\x03\x04" + b"0" * 20, "plan.docx", None),  # any ZIP named .docx is not a Word file
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 20, "clip.mp4", None),  # HEIC is not MP4
        (b"\x00\x00\x00\x14ftypqt  " + b"\x00" * 20, "clip.mov", "video/quicktime"),
        (b"score,n\n4,20\n", "scores.csv", "text/csv"),
        (b"<html><script>alert(1)</script>", "page.html", None),
        (b"<html><script>alert(1)</script>", "renamed.pdf", None),
        (b"MZ\x90\x00", "tool.exe", None),
        (b"PK\x03\x04" + b"0" * 20, "archive.zip", None),
        (b"\x00\x01binary", "data.txt", None),
    ],
)
def test_file_type_is_decided_by_content_not_name(head, name, expected):
    assert sniff_content_type(head, name) == expected


def test_an_accepted_file_is_stored_under_a_random_name_and_served_only_to_the_cycle(
    client, tenant_a, tenant_b, cycle, django_capture_on_commit_callbacks
):
    client.force_login(tenant_a.coach.user)
    upload = SimpleUploadedFile("../../etc/passwd notes.pdf", PDF, content_type="text/html")
    with django_capture_on_commit_callbacks(execute=True):  # the file is written once the row is committed
        response = client.post(reverse("cycles:evidence_add", args=[cycle.public_id]),
                               {"kind": "student_work", "note": "Week 1 samples", "file": upload})  # fmt: skip
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.content_type == "application/pdf"
    assert evidence.file.name.startswith("evidence/")
    assert "passwd" not in evidence.file.name
    assert evidence.file_name == "passwd notes.pdf"  # Django drops any path from an upload's name
    url = reverse("cycles:evidence_file", args=[cycle.public_id, evidence.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    client.force_login(tenant_b.coach.user)
    assert client.get(url).status_code == 404
    client.force_login(tenant_a.district_admin)
    assert client.get(url).status_code == 404


def test_the_stored_extension_comes_from_the_content_not_the_name(client, tenant_a, cycle):
    """A real PNG uploaded as page.html is stored as .png (and served as image/png, attached)."""
    client.force_login(tenant_a.coach.user)
    upload = SimpleUploadedFile("page.html", PNG, content_type="text/html")
    client.post(reverse("cycles:evidence_add", args=[cycle.public_id]),
                {"kind": "student_work", "note": "A photo", "file": upload})  # fmt: skip
    evidence = Evidence.objects.get()
    assert evidence.file.name.endswith(".png")
    assert ".html" not in evidence.file.name
    assert evidence.file_name == "page.html"  # the person's own name, shown and offered on download only


def test_a_disguised_or_oversized_file_is_refused_with_a_message_and_the_note_kept(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    url = reverse("cycles:evidence_add", args=[cycle.public_id])
    fake = SimpleUploadedFile("report.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    response = client.post(url, {"kind": "observation", "note": "Keep me", "file": fake})
    assert response.status_code == 400
    assert "This kind of file is not accepted" in response.content.decode()
    assert "Keep me" in response.content.decode()
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * MAX_UPLOAD_BYTES, content_type="application/pdf")
    response = client.post(url, {"kind": "observation", "note": "Keep me", "file": big})
    assert "the limit is 10 MB" in response.content.decode()
    assert Evidence.objects.count() == 0


def test_evidence_needs_a_note_a_link_or_a_file(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("cycles:evidence_add", args=[cycle.public_id]), {"kind": "observation"})
    assert response.status_code == 400
    assert "Add a note, a link or a file." in response.content.decode()


def goal_data(**overrides):
    data = {
        "statement": "90% of students explain their reasoning",
        "measure": "students explaining reasoning",
        "unit": "% of students",
        "baseline": "40",
        "target": "90",
        "deadline": (timezone.localdate() + dt.timedelta(weeks=6)).isoformat(),
        "powerful": "on",
        "easy": "on",
        "emotionally_compelling": "on",
        "reachable": "on",
        "student_focused": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"target": "40"}, "target", "The target should differ from the baseline"),
        ({"target": None}, "target", "This field is required."),
        ({"deadline": "2020-01-01"}, "deadline", "The deadline has passed"),
        ({"statement": ""}, "statement", "This field is required."),
    ],
)
def test_goal_errors_are_shown_by_the_field_and_the_rest_is_kept(client, tenant_a, cycle, overrides, field, message):
    client.force_login(tenant_a.teacher.user)
    response = client.post(reverse("cycles:goal", args=[cycle.public_id]), goal_data(**overrides))
    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    assert "students explaining reasoning" in response.content.decode()
    assert Goal.objects.count() == 0


def test_the_teacher_can_write_the_goal_and_the_coach_can_edit_it(client, tenant_a, cycle):
    client.force_login(tenant_a.teacher.user)
    assert client.post(reverse("cycles:goal", args=[cycle.public_id]), goal_data()).status_code == 302
    client.force_login(tenant_a.coach.user)
    client.post(reverse("cycles:goal", args=[cycle.public_id]), goal_data(target="95"))
    goal = Goal.objects.get()
    assert goal.target == 95
    assert goal.created_by == tenant_a.teacher.user


def test_a_new_goal_from_the_page_keeps_the_old_one(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    client.post(reverse("cycles:goal", args=[cycle.public_id]), goal_data())
    client.post(reverse("cycles:goal", args=[cycle.public_id]) + "?new=1", goal_data(statement="A new goal"))
    assert list(Goal.objects.order_by("created_at").values_list("statement", "is_current")) == [
        ("90% of students explain their reasoning", False),
        ("A new goal", True),
    ]


def test_a_stale_plan_edit_shows_a_clear_message_and_keeps_the_typed_text(client, tenant_a, cycle):
    client.force_login(tenant_a.coach.user)
    url = reverse("cycles:plan", args=[cycle.public_id])
    form = {"version": cycle.version, "title": "Talk moves", "strategy": "Mine"}
    assert client.post(url, form).status_code == 302
    response = client.post(url, {**form, "strategy": "Theirs, typed meanwhile"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Someone else changed this cycle after you opened it" in html
    assert "Theirs, typed meanwhile" in html
    cycle.refresh_from_db()
    assert cycle.strategy == "Mine"


def test_a_refused_or_rolled_back_evidence_leaves_no_file(tenant_a, cycle, django_capture_on_commit_callbacks):
    """The bytes are written once the row is committed: a row that fails validation, or whose
    transaction rolls back, leaves nothing in storage."""
    from django.core.exceptions import ValidationError
    from django.core.files.storage import default_storage
    from django.db import transaction

    from cycles import services

    def stored() -> list[str]:
        return default_storage.listdir("evidence")[1] if default_storage.exists("evidence") else []

    before = stored()
    upload = SimpleUploadedFile("work.png", PNG)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind="not-a-kind", upload=upload)
    assert stored() == before

    class Abort(Exception):
        pass

    def add_then_fail() -> None:
        with transaction.atomic():
            services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind="student_work",
                                  upload=SimpleUploadedFile("work.png", PNG))  # fmt: skip
            raise Abort

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Abort):
        add_then_fail()
    assert stored() == before
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_add(cycle=cycle, by=tenant_a.coach.user, kind="student_work",
                              upload=SimpleUploadedFile("work.png", PNG))  # fmt: skip
    assert len(stored()) == len(before) + 1
