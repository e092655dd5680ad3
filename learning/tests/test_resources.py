"""The resource library: coaches add links and content-checked files, search them, and hand them
out in the room through a QR code that opens the resource for anyone, without signing in."""

from __future__ import annotations

import base64
import io

import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

from coaching.tests.factories import focus_area
from learning import services as learning
from learning.models import Resource, ResourceKind
from teachers.models import GradeBand

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
NOT_ACCEPTED = "This kind of file is not accepted."
# Measured (SQLite and PostgreSQL): session, user, coach, program, count, focus areas, one page of
# resources with their focus areas joined, session save (3).
RESOURCE_LIST_QUERIES = 10


def decode_qr_png(data_uri: str) -> str:
    """The text a PNG data URI's QR code holds, read back by a real decoder."""
    assert data_uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1])))
    results = zxingcpp.read_barcodes(image)
    assert len(results) == 1
    return results[0].text


def make_resource(tenant, title: str = "Number talks video", **fields) -> Resource:
    values = {"kind": ResourceKind.VIDEO, "link": "https://videos.example.org/number-talks"} | fields
    return learning.resource_create(program=tenant.program, by=tenant.coach.user, title=title, **values)


def listed(response) -> list[str]:
    return [r.title for r in response.context["page"].object_list]


# ---------------------------------------------------------------------------- adding resources


def test_a_coach_adds_a_link_resource_and_lands_on_its_page(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(
        reverse("learning:resource_new"),
        {
            "title": "  Number talks in K–2 ",
            "kind": ResourceKind.VIDEO,
            "link": "https://videos.example.org/nt",
            "description": "Ten minutes of dot cards",
            "focus_area": focus_area("Math").pk,
            "grade_band": GradeBand.K2,
            "tags": "Number Sense, PLC, number sense",
        },
    )
    resource = Resource.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:resource", args=[resource.public_id])
    assert (resource.program, resource.created_by, resource.title) == (
        tenant_a.program,
        tenant_a.coach.user,
        "Number talks in K–2",
    )
    assert (resource.link, resource.file.name, resource.focus_area.name) == (
        "https://videos.example.org/nt",
        "",
        "Math",
    )
    assert resource.tag_list == ["number sense", "plc"]


def test_an_uploaded_pdf_is_stored_under_a_random_name_with_the_type_its_content_proves(
    client, tenant_a, django_capture_on_commit_callbacks
):
    client.force_login(tenant_a.coach.user)
    upload = SimpleUploadedFile("Exit ticket template.pdf", PDF, content_type="text/html")
    with django_capture_on_commit_callbacks(execute=True):  # the file is written once the row is committed
        response = client.post(
            reverse("learning:resource_new"),
            {"title": "Exit ticket template", "kind": ResourceKind.TEMPLATE, "file": upload},
        )
    assert response.status_code == 302
    resource = Resource.objects.get()
    assert resource.content_type == "application/pdf"  # from the bytes, not the browser's claim
    assert resource.file_name == "Exit ticket template.pdf"
    assert resource.file.name.startswith("resources/")
    assert "Exit" not in resource.file.name
    assert resource.file.name.endswith(".pdf")
    with resource.file.open("rb") as stored:
        assert stored.read() == PDF
    assert resource.link == ""


def test_a_script_disguised_as_a_pdf_is_refused_with_the_reason(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    disguised = SimpleUploadedFile(
        "handout.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf"
    )
    response = client.post(
        reverse("learning:resource_new"), {"title": "Handout", "kind": ResourceKind.EXAMPLE, "file": disguised}
    )
    assert response.status_code == 200
    assert NOT_ACCEPTED in response.context["form"].errors["file"][0]
    assert NOT_ACCEPTED in response.content.decode()
    assert not Resource.objects.exists()


def test_a_resource_without_a_link_or_a_file_is_refused(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("learning:resource_new"), {"title": "Nothing", "kind": ResourceKind.ARTICLE})
    assert response.status_code == 200
    assert response.context["form"].errors["link"] == ["Give a link or upload a file."]
    assert "Give a link or upload a file." in response.content.decode()
    assert not Resource.objects.exists()


def test_the_service_also_refuses_a_resource_with_neither_link_nor_file(tenant_a):
    with pytest.raises(ValidationError) as caught:
        learning.resource_create(
            program=tenant_a.program, by=tenant_a.coach.user, title="Empty", kind=ResourceKind.ARTICLE
        )
    assert caught.value.message_dict == {"link": ["Give a link or upload a file."]}
    assert not Resource.objects.exists()


# ---------------------------------------------------------------------------- finding resources


@pytest.fixture
def library(tenant_a) -> dict[str, Resource]:
    return {
        "video": make_resource(
            tenant_a,
            "Number talks video",
            kind=ResourceKind.VIDEO,
            focus_area=focus_area("Math"),
            grade_band=GradeBand.K2,
            tags="number sense",
        ),
        "template": make_resource(
            tenant_a,
            "Exit ticket template",
            kind=ResourceKind.TEMPLATE,
            link="https://docs.example.org/exit",
            focus_area=focus_area("Assessment & data"),
            grade_band=GradeBand.G68,
            description="Checks for understanding",
        ),
        "article": make_resource(
            tenant_a,
            "Reading workshop article",
            kind=ResourceKind.ARTICLE,
            link="https://journal.example.org/rw",
            focus_area=focus_area("Literacy"),
            grade_band=GradeBand.K2,
            tags="PLC, workshop",
        ),
    }


def test_the_library_lists_every_resource_of_the_program_by_title(client, tenant_a, library):
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("learning:resources"))
    assert response.status_code == 200
    assert listed(response) == ["Exit ticket template", "Number talks video", "Reading workshop article"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "ticket"}, ["Exit ticket template"]),
        ({"q": "understanding"}, ["Exit ticket template"]),  # description
        ({"q": "plc"}, ["Reading workshop article"]),  # tags
        ({"q": "number video"}, ["Number talks video"]),  # every word must match
        ({"q": "nothing-like-this"}, []),
        ({"kind": ResourceKind.TEMPLATE}, ["Exit ticket template"]),
        ({"grade_band": GradeBand.K2}, ["Number talks video", "Reading workshop article"]),
        ({"grade_band": GradeBand.K2, "kind": ResourceKind.ARTICLE}, ["Reading workshop article"]),
    ],
)
def test_search_and_filters_narrow_the_library(client, tenant_a, library, query, expected):
    client.force_login(tenant_a.coach.user)
    assert listed(client.get(reverse("learning:resources"), query)) == expected


def test_the_focus_area_filter_keeps_only_that_focus_area(client, tenant_a, library):
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("learning:resources"), {"focus_area": focus_area("Literacy").pk})
    assert listed(response) == ["Reading workshop article"]


def test_another_programs_coach_never_sees_the_resource(client, tenant_a, tenant_b, library):
    make_resource(tenant_b, "Program B's own video")
    client.force_login(tenant_b.coach.user)
    assert client.get(reverse("learning:resource", args=[library["video"].public_id])).status_code == 404
    response = client.get(reverse("learning:resources"))
    assert listed(response) == ["Program B's own video"]
    assert "Number talks video" not in response.content.decode()
    assert listed(client.get(reverse("learning:resources"), {"q": "number"})) == []


def test_the_programs_director_reads_the_library(client, tenant_a, library):
    client.force_login(tenant_a.director)
    assert len(listed(client.get(reverse("learning:resources")))) == 3
    assert client.get(reverse("learning:resource", args=[library["video"].public_id])).status_code == 200


@pytest.mark.parametrize("who", ["teacher", "district_admin"])
def test_teachers_and_district_admins_are_refused_the_library(client, tenant_a, library, who):
    user = tenant_a.teacher.user if who == "teacher" else tenant_a.district_admin
    client.force_login(user)
    assert client.get(reverse("learning:resources")).status_code == 403
    assert client.get(reverse("learning:resource_new")).status_code == 403
    assert client.get(reverse("learning:resource", args=[library["video"].public_id])).status_code == 404


def test_the_library_needs_a_sign_in(client, library):
    response = client.get(reverse("learning:resources"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# ---------------------------------------------------------------------------- QR codes


def test_the_resource_pages_png_qr_code_decodes_to_the_absolute_open_url(client, tenant_a, library):
    resource = library["video"]
    client.force_login(tenant_a.coach.user)
    response = client.get(reverse("learning:resource", args=[resource.public_id]))
    expected = f"http://testserver/open/{resource.public_id}/"
    assert reverse("learning:resource_open", args=[resource.public_id]) == f"/open/{resource.public_id}/"
    assert response.context["url"] == expected
    assert decode_qr_png(response.context["qr_png"]) == expected
    assert response.context["qr_svg"].startswith("data:image/svg+xml")
    body = response.content.decode()
    assert "<svg" in response.context["qr"]
    assert escape(expected) in body


# ---------------------------------------------------------------------------- opening without a sign-in


def test_the_open_url_redirects_anyone_to_a_link_resource(client, library):
    response = client.get(reverse("learning:resource_open", args=[library["video"].public_id]))
    assert response.status_code == 302
    assert response["Location"] == "https://videos.example.org/number-talks"


def test_the_open_url_downloads_a_file_resource_as_an_attachment_that_is_never_sniffed(
    client, tenant_a, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("Exit ticket.pdf", PDF)
    upload.checked_type = "application/pdf"
    with django_capture_on_commit_callbacks(execute=True):
        resource = learning.resource_create(
            program=tenant_a.program,
            by=tenant_a.coach.user,
            title="Exit ticket",
            kind=ResourceKind.TEMPLATE,
            upload=upload,
        )
    response = client.get(reverse("learning:resource_open", args=[resource.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="Exit ticket.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_an_unknown_open_url_is_not_found(client, library):
    assert client.get("/open/00000000-0000-4000-8000-000000000000/").status_code == 404


# ---------------------------------------------------------------------------- query counts


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("learning:resources")).status_code == 200
    return len(captured)


def test_the_resource_list_costs_the_same_queries_for_5_and_60_resources(
    client, tenant_a, django_assert_max_num_queries
):
    client.force_login(tenant_a.coach.user)
    math = focus_area("Math")
    for i in range(5):
        make_resource(tenant_a, f"Resource {i:02d}", focus_area=math, tags="a, b")
    client.get(reverse("learning:resources"))  # warm caches (content types, the session)
    five = _list_queries(client)
    for i in range(5, 60):
        make_resource(tenant_a, f"Resource {i:02d}", focus_area=math, tags="a, b")
    sixty = _list_queries(client)
    assert five == sixty == RESOURCE_LIST_QUERIES
    with django_assert_max_num_queries(RESOURCE_LIST_QUERIES):
        client.get(reverse("learning:resources"), {"page": 2})


def test_a_link_with_the_clear_box_ticked_is_a_link_resource_not_a_server_error(client, tenant_a):
    client.force_login(tenant_a.coach.user)
    response = client.post(reverse("learning:resource_new"), {
        "title": "Number talks", "kind": ResourceKind.VIDEO, "link": "https://example.org/talks", "file-clear": "on",
    })  # fmt: skip
    assert response.status_code == 302
    assert Resource.objects.get(title="Number talks").file.name == ""
