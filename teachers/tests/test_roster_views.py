"""Roster pages: import (who may, into which district), the scoped list with filters, CSV export."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import parse_qs

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from teachers.forms import ROSTER_MAX_BYTES
from teachers.models import GradeBand, School, Teacher
from teachers.tests.factories import SchoolFactory, TeacherFactory
from toolkit.csv_export import safe_cell

IMPORT_URL = reverse("teachers:roster_import")
ROSTER_URL = reverse("teachers:roster")
EXPORT_URL = reverse("teachers:roster_export")
TEMPLATE_URL = reverse("teachers:roster_template")

HEADER = "school,first_name,last_name,email,grade_band,subject"
GOOD_FILE = (
    f"{HEADER}\n"
    "Lincoln Elementary,Ada,Lovelace,ada@example.org,K-2,Math\n"
    "Roosevelt Middle,Grace,Hopper,grace@example.org,6-8,Science\n"
).encode()


def padded_to(data: bytes, size: int) -> bytes:
    """The file grown to exactly `size` bytes with lines of spaces, which the import skips as blank."""
    missing = size - len(data)
    line = b" " * 1023 + b"\n"
    padded = data + line * (missing // len(line)) + b" " * (missing % len(line))
    assert len(padded) == size
    return padded


def upload(data: bytes, name: str = "roster.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


def counts() -> tuple[int, int]:
    return School.objects.count(), Teacher.objects.count()


def body(response) -> str:
    return response.content.decode()


def export_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:], newline="")))


def listed(response) -> list[Teacher]:
    return list(response.context["page"].object_list)


# --- Import: who may, and into which district ---------------------------------------------------


def test_district_admin_sees_the_import_form_offering_only_their_district(client, district_admin, tenant_b):
    client.force_login(district_admin)

    response = client.get(IMPORT_URL)

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["district"].queryset) == [district_admin.administered_districts.get()]
    assert form.fields["district"].initial == district_admin.administered_districts.get()
    assert "District A" in body(response)
    assert "District B" not in body(response)


def test_district_admin_import_writes_rows_and_redirects_to_the_roster_with_a_message(client, tenant_a, district_admin):
    client.force_login(district_admin)

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(GOOD_FILE)})

    assert response.status_code == 302
    assert response["Location"] == f"{ROSTER_URL}?district={tenant_a.district.pk}"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "District A: 2 rows imported — 2 teachers added, 0 updated, 0 unchanged, 2 new schools."
    ]
    assert set(Teacher.objects.filter(district=tenant_a.district).values_list("email", flat=True)) == {
        tenant_a.teacher.email,
        "ada@example.org",
        "grace@example.org",
    }
    assert School.objects.filter(district=tenant_a.district, name="Roosevelt Middle").exists()


def test_following_the_import_redirect_shows_the_message_and_the_new_teachers(client, tenant_a, district_admin):
    client.force_login(district_admin)

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(GOOD_FILE)}, follow=True)

    assert response.redirect_chain == [(f"{ROSTER_URL}?district={tenant_a.district.pk}", 302)]
    page = body(response)
    assert "2 teachers added" in page
    assert "ada@example.org" in page
    assert "Hopper, Grace" in page


def test_bad_file_rerenders_with_every_line_error_and_writes_nothing(client, tenant_a, district_admin):
    client.force_login(district_admin)
    before = counts()
    bad = (
        f"{HEADER}\n"
        "Brand New School,Ada,Lovelace,ada@example.org,K-2,Math\n"
        "Brand New School,Grace,Hopper,,K-2,Math\n"
        "Brand New School,Alan,Turing,alan@example.org,K-7,Math\n"
        "Brand New School,Edsger,Dijkstra,ada@example.org,3-5,Math\n"
    ).encode()

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(bad)})

    assert response.status_code == 200
    page = body(response)
    assert "Nothing was imported: 3 problems to fix" in page
    assert "<li>Line 3: email is missing.</li>" in page
    assert "<li>Line 4: unknown grade band “K-7” (use one of PK, K-2, 3-5, 6-8, 9-12, K-12).</li>" in page
    assert "<li>Line 5: duplicate email ada@example.org (first seen on line 2).</li>" in page
    assert "Line 2:" not in page
    assert [str(e) for e in response.context["errors"]] == [
        "Line 3: email is missing.",
        "Line 4: unknown grade band “K-7” (use one of PK, K-2, 3-5, 6-8, 9-12, K-12).",
        "Line 5: duplicate email ada@example.org (first seen on line 2).",
    ]
    assert counts() == before
    assert not list(get_messages(response.wsgi_request))


def test_whole_file_problem_is_shown_without_a_line_prefix(client, tenant_a, district_admin):
    client.force_login(district_admin)

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload("é".encode("latin-1"))})

    assert response.status_code == 200
    assert "<li>The file is not UTF-8 text. Save it as CSV UTF-8.</li>" in body(response)


def test_text_from_the_file_is_html_escaped_in_error_messages(client, tenant_a, district_admin):
    client.force_login(district_admin)
    bad = f"{HEADER}\nLincoln,Ada,Lovelace,<script>alert(1)</script>,K-2,\n".encode()

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(bad)})

    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in body(response)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body(response)


def test_posting_another_tenants_district_is_refused_as_a_form_error_and_writes_nothing(
    client, tenant_a, tenant_b, district_admin
):
    client.force_login(district_admin)
    before = counts()

    response = client.post(IMPORT_URL, {"district": tenant_b.district.pk, "file": upload(GOOD_FILE)})

    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert "Select a valid choice" in response.context["form"].errors["district"][0]
    assert counts() == before
    assert list(Teacher.objects.filter(district=tenant_b.district)) == [tenant_b.teacher]


def test_program_director_can_import_into_their_programs_district(client, tenant_a, tenant_b, program_director):
    client.force_login(program_director)

    page = client.get(IMPORT_URL)
    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(GOOD_FILE)})

    assert list(page.context["form"].fields["district"].queryset) == [tenant_a.district]
    assert response.status_code == 302
    assert Teacher.objects.filter(district=tenant_a.district, email="ada@example.org").exists()


def test_program_director_cannot_import_into_another_programs_district(client, tenant_a, tenant_b, program_director):
    client.force_login(program_director)
    before = counts()

    response = client.post(IMPORT_URL, {"district": tenant_b.district.pk, "file": upload(GOOD_FILE)})

    assert response.status_code == 200
    assert "district" in response.context["form"].errors
    assert counts() == before


def test_site_admin_can_import_into_any_district(client, tenant_a, tenant_b, site_admin):
    client.force_login(site_admin)

    response = client.post(IMPORT_URL, {"district": tenant_b.district.pk, "file": upload(GOOD_FILE)})

    assert response.status_code == 302
    assert Teacher.objects.filter(district=tenant_b.district, email="grace@example.org").exists()


@pytest.mark.parametrize("who", ["coach", "teacher"])
def test_coach_and_teacher_are_forbidden_to_import(client, request, tenant_a, who):
    client.force_login(request.getfixturevalue(who))
    before = counts()

    get = client.get(IMPORT_URL)
    post = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(GOOD_FILE)})

    assert get.status_code == 403
    assert post.status_code == 403
    assert counts() == before


def test_anonymous_user_is_redirected_to_login_and_nothing_is_written(client, tenant_a):
    before = counts()

    get = client.get(IMPORT_URL)
    post = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(GOOD_FILE)})

    for response in (get, post):
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={IMPORT_URL}"
    assert counts() == before


def test_file_over_5_mb_is_rejected_with_a_clear_message(client, tenant_a, district_admin):
    client.force_login(district_admin)
    before = counts()
    too_big = padded_to(GOOD_FILE, ROSTER_MAX_BYTES + 1)  # otherwise a good file

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(too_big)})

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "The file is larger than 5 MB. Split it by school and import each part."
    ]
    assert "The file is larger than 5 MB." in body(response)
    assert counts() == before


def test_file_of_exactly_5_mb_is_accepted(client, tenant_a, district_admin):
    client.force_login(district_admin)
    just_right = padded_to(GOOD_FILE, ROSTER_MAX_BYTES)

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(just_right)})

    assert response.status_code == 302
    assert Teacher.objects.filter(district=tenant_a.district, email="ada@example.org").exists()


def test_posting_without_a_file_is_a_form_error(client, tenant_a, district_admin):
    client.force_login(district_admin)

    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk})

    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_downloaded_template_has_the_expected_header_and_imports_cleanly(client, tenant_a, district_admin):
    client.force_login(district_admin)

    template = client.get(TEMPLATE_URL)
    data = b"".join(template.streaming_content)
    response = client.post(IMPORT_URL, {"district": tenant_a.district.pk, "file": upload(data)})

    assert template["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="fulcrum-roster-template.csv"' in template["Content-Disposition"]
    assert data.decode("utf-8-sig").splitlines()[0] == HEADER
    assert response.status_code == 302
    assert Teacher.objects.filter(district=tenant_a.district, email="ada.lovelace@example.org").exists()


@pytest.mark.parametrize("who", ["coach", "teacher"])
def test_coach_and_teacher_cannot_download_the_template(client, request, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(TEMPLATE_URL).status_code == 403


# --- Roster list: scope, search, filters, pagination --------------------------------------------


def test_roster_shows_only_the_users_districts_teachers(client, tenant_a, tenant_b, district_admin):
    client.force_login(district_admin)

    response = client.get(ROSTER_URL)

    assert response.status_code == 200
    assert listed(response) == [tenant_a.teacher]
    page = body(response)
    assert "OfA, Teacher" in page
    assert tenant_a.teacher.email in page
    assert "OfB" not in page
    assert tenant_b.teacher.email not in page
    assert "District B" not in page
    assert "School B" not in page


def test_program_director_roster_shows_only_their_programs_districts(client, tenant_a, tenant_b, program_director):
    client.force_login(program_director)

    response = client.get(ROSTER_URL)

    assert listed(response) == [tenant_a.teacher]
    assert tenant_b.teacher.email not in body(response)


def test_site_admin_roster_shows_every_district(client, tenant_a, tenant_b, site_admin):
    client.force_login(site_admin)

    response = client.get(ROSTER_URL)

    assert set(listed(response)) == {tenant_a.teacher, tenant_b.teacher}


@pytest.mark.parametrize("who", ["coach", "teacher"])
@pytest.mark.parametrize("url", [ROSTER_URL, EXPORT_URL])
def test_coach_and_teacher_are_forbidden_the_roster_and_export(client, request, who, url):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [ROSTER_URL, EXPORT_URL])
def test_anonymous_user_is_sent_to_login_from_roster_and_export(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.fixture
def staff_room(tenant_a):
    """A few teachers of tenant A with distinct names, emails, subjects, schools and grade bands."""
    north = SchoolFactory(district=tenant_a.district, name="North Elementary")
    south = SchoolFactory(district=tenant_a.district, name="South High")
    return {
        "ada": TeacherFactory(
            school=north, first_name="Ada", last_name="Lovelace", email="ada@north.org", grade_band=GradeBand.K2
        ),
        "grace": TeacherFactory(
            school=north,
            first_name="Grace",
            last_name="Hopper",
            email="grace@north.org",
            grade_band=GradeBand.G35,
            subject="Computer Science",
        ),
        "alan": TeacherFactory(
            school=south, first_name="Alan", last_name="Turing", email="alan@south.org", grade_band=GradeBand.G912
        ),
        "north": north,
        "south": south,
    }


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("lovelace", {"ada"}),  # last name, any case
        ("GRACE", {"grace"}),  # first name
        ("south.org", {"alan"}),  # email
        ("computer", {"grace"}),  # subject
        ("north.org math", {"ada"}),  # every word must match
        ("nobody-like-this", set()),
    ],
)
def test_roster_search_matches_name_email_and_subject(client, district_admin, staff_room, q, expected):
    client.force_login(district_admin)

    response = client.get(ROSTER_URL, {"q": q})

    assert set(listed(response)) == {staff_room[name] for name in expected}


def test_roster_search_never_reaches_another_tenants_teachers(client, district_admin, tenant_b):
    client.force_login(district_admin)

    response = client.get(ROSTER_URL, {"q": "OfB"})

    assert listed(response) == []
    assert tenant_b.teacher.email not in body(response)


def test_roster_filters_by_school(client, district_admin, staff_room):
    client.force_login(district_admin)

    response = client.get(ROSTER_URL, {"school": staff_room["north"].pk})

    assert listed(response) == [staff_room["grace"], staff_room["ada"]]  # ordered by last name
    assert "Turing" not in body(response)


def test_roster_filters_by_grade_band(client, district_admin, staff_room):
    client.force_login(district_admin)

    response = client.get(ROSTER_URL, {"grade_band": GradeBand.G912})

    assert listed(response) == [staff_room["alan"]]


def test_roster_filters_combine(client, district_admin, staff_room):
    client.force_login(district_admin)

    response = client.get(ROSTER_URL, {"school": staff_room["north"].pk, "grade_band": GradeBand.G35, "q": "hop"})

    assert listed(response) == [staff_room["grace"]]


def test_filtering_by_another_tenants_school_shows_nothing(client, district_admin, staff_room, tenant_b):
    client.force_login(district_admin)

    response = client.get(ROSTER_URL, {"school": tenant_b.school.pk})

    assert response.status_code == 200
    assert "school" in response.context["filter_form"].errors
    assert listed(response) == []
    assert tenant_b.teacher.email not in body(response)


def test_inactive_teachers_are_hidden_unless_asked_for(client, district_admin, staff_room):
    staff_room["alan"].active = False
    staff_room["alan"].save()
    client.force_login(district_admin)

    default = client.get(ROSTER_URL)
    with_inactive = client.get(ROSTER_URL, {"show_inactive": "on"})

    assert staff_room["alan"] not in listed(default)
    assert staff_room["alan"] in listed(with_inactive)
    assert "inactive</span>" in body(with_inactive)


def test_roster_paginates_at_50(client, tenant_a, district_admin):
    TeacherFactory.create_batch(50, school=tenant_a.school)  # 51 with tenant A's own teacher
    client.force_login(district_admin)

    first = client.get(ROSTER_URL)
    second = client.get(ROSTER_URL, {"page": 2})

    assert first.context["page"].paginator.count == 51
    assert len(listed(first)) == 50
    assert len(listed(second)) == 1
    assert set(listed(first)).isdisjoint(listed(second))
    assert "Page 1 of 2" in body(first)
    assert "51 teachers" in body(first)


def test_pagination_links_keep_the_search_and_filters(client, tenant_a, district_admin):
    TeacherFactory.create_batch(55, school=tenant_a.school, subject="Music", grade_band=GradeBand.G35)
    client.force_login(district_admin)

    response = client.get(ROSTER_URL, {"q": "music", "grade_band": "3-5", "page": 1})

    assert response.context["page"].paginator.count == 55
    links = re.findall(r'<a class="page-link" href="\?([^"]*)">Next', body(response))
    assert len(links) == 1
    assert parse_qs(html.unescape(links[0])) == {"q": ["music"], "grade_band": ["3-5"], "page": ["2"]}


# --- CSV export ---------------------------------------------------------------------------------


def test_export_is_csv_of_visible_teachers_only(client, tenant_a, tenant_b, district_admin, staff_room):
    client.force_login(district_admin)

    response = client.get(EXPORT_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="fulcrum-roster-')
    assert response["Cache-Control"] == "no-store"
    rows = export_rows(response)
    assert rows[0] == ["district", "school", "first_name", "last_name", "email", "grade_band", "subject", "active"]
    assert ["District A", "North Elementary", "Ada", "Lovelace", "ada@north.org", "K-2", "Math", "yes"] in rows
    emails = {row[4] for row in rows[1:]}
    assert emails == {tenant_a.teacher.email, "ada@north.org", "grace@north.org", "alan@south.org"}
    assert tenant_b.teacher.email not in emails


def test_export_escapes_a_cell_that_starts_with_equals(client, tenant_a, district_admin):
    TeacherFactory(school=tenant_a.school, first_name="Eve", last_name="=HYPERLINK(1)", email="eve@example.org")
    client.force_login(district_admin)

    rows = export_rows(client.get(EXPORT_URL))

    eve = next(row for row in rows if row[4] == "eve@example.org")
    assert eve[3] == "'=HYPERLINK(1)"
    assert not any(cell.startswith("=") for row in rows for cell in row)


def test_export_applies_the_same_filters_as_the_list(client, district_admin, staff_room):
    client.force_login(district_admin)

    rows = export_rows(client.get(EXPORT_URL, {"school": staff_room["north"].pk, "q": "grace"}))

    assert [row[4] for row in rows[1:]] == ["grace@north.org"]


def test_export_with_another_tenants_school_is_empty(client, district_admin, tenant_b):
    client.force_login(district_admin)

    rows = export_rows(client.get(EXPORT_URL, {"school": tenant_b.school.pk}))

    assert len(rows) == 1  # the header only


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("-12.5", "-12.5"),  # a plain negative number stays a number
        ("Lovelace", "Lovelace"),
        (None, ""),
        (7, "7"),
    ],
)
def test_safe_cell_neutralises_formulas_but_keeps_numbers(value, expected):
    assert safe_cell(value) == expected


# --- Query counts do not grow with the roster ---------------------------------------------------


ROSTER_MAX_QUERIES = 12


def add_teachers(tenant, total: int) -> None:
    schools = [SchoolFactory(district=tenant.district) for _ in range(3)]
    have = Teacher.objects.filter(district=tenant.district).count()
    for n in range(total - have):
        TeacherFactory(school=schools[n % 3])


def test_roster_list_uses_the_same_number_of_queries_for_10_and_200_teachers(
    client, tenant_a, district_admin, django_assert_max_num_queries
):
    client.force_login(district_admin)
    client.get(ROSTER_URL)  # warm up (session, content types)

    add_teachers(tenant_a, 10)
    with django_assert_max_num_queries(ROSTER_MAX_QUERIES), CaptureQueriesContext(connection) as ten:
        small = client.get(ROSTER_URL)
    add_teachers(tenant_a, 200)
    with django_assert_max_num_queries(ROSTER_MAX_QUERIES), CaptureQueriesContext(connection) as two_hundred:
        large = client.get(ROSTER_URL)

    assert small.context["page"].paginator.count == 10
    assert large.context["page"].paginator.count == 200
    assert len(listed(large)) == 50
    assert len(ten) == len(two_hundred)


def test_export_uses_the_same_number_of_queries_for_10_and_200_teachers(client, tenant_a, district_admin):
    client.force_login(district_admin)

    def export_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            rows = export_rows(client.get(EXPORT_URL))
        return len(captured), len(rows) - 1

    add_teachers(tenant_a, 10)
    queries_small, rows_small = export_queries()
    add_teachers(tenant_a, 200)
    queries_large, rows_large = export_queries()

    assert (rows_small, rows_large) == (10, 200)
    assert queries_small == queries_large
