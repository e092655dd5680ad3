"""Schools' enrollment: entered on a school's set-up page, or imported for a district from a CSV —
all or nothing, every bad line reported by its number — by the district's director or
administrator; another district's school or import is a 404."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from teachers.models import AuditEvent, School
from teachers.tests.factories import SchoolFactory
from toolkit.schoolyear import school_year_of

pytestmark = pytest.mark.django_db

YEAR = school_year_of(timezone.localdate())


def _edit(client, school, **data):
    return client.post(reverse("programs:school_edit", args=[school.pk]), {"name": school.name, **data})


def test_a_director_sets_and_clears_a_schools_enrollment(client, tenant_a):
    client.force_login(tenant_a.director)
    assert _edit(client, tenant_a.school, enrollment="412", enrollment_year=str(YEAR - 1)).status_code == 302
    tenant_a.school.refresh_from_db()
    assert (tenant_a.school.enrollment, tenant_a.school.enrollment_year) == (412, YEAR - 1)
    assert _edit(client, tenant_a.school, enrollment="").status_code == 302
    tenant_a.school.refresh_from_db()
    assert (tenant_a.school.enrollment, tenant_a.school.enrollment_year) == (None, None)
    assert AuditEvent.objects.filter(action="setup_change", object_type="school").count() == 2


def test_an_enrollment_without_a_year_is_this_years(client, tenant_a):
    client.force_login(tenant_a.district_admin)
    assert _edit(client, tenant_a.school, enrollment="95").status_code == 302
    tenant_a.school.refresh_from_db()
    assert (tenant_a.school.enrollment, tenant_a.school.enrollment_year) == (95, YEAR)


def test_a_bad_enrollment_is_refused_beside_the_field_with_the_input_kept(client, tenant_a):
    client.force_login(tenant_a.director)
    response = _edit(client, tenant_a.school, name="Renamed", enrollment="0")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter the number of students" in body
    assert 'value="Renamed"' in body
    tenant_a.school.refresh_from_db()
    assert (tenant_a.school.name, tenant_a.school.enrollment) == ("School A", None)


def _import(client, district, text, year=YEAR):
    upload = SimpleUploadedFile("enrollment.csv", text.encode(), content_type="text/csv")
    return client.post(reverse("programs:enrollment_import", args=[district.pk]),
                       {"file": upload, "school_year": str(year)})  # fmt: skip


def test_an_import_sets_every_school_of_the_file(client, tenant_a):
    north = SchoolFactory(district=tenant_a.district, name="North Middle")
    client.force_login(tenant_a.district_admin)
    response = _import(client, tenant_a.district, '\ufeffSchool,Enrollment\nschool a,"1,204"\nNorth Middle,388\n\n')
    assert response.status_code == 302
    got = dict(School.objects.filter(district=tenant_a.district).values_list("name", "enrollment"))
    assert got == {"School A": 1204, "North Middle": 388}
    assert set(School.objects.filter(pk=north.pk).values_list("enrollment_year", flat=True)) == {YEAR}
    assert AuditEvent.objects.filter(action="import", district=tenant_a.district).count() == 1


def test_an_import_with_a_bad_line_imports_nothing_and_lists_every_one(client, tenant_a):
    SchoolFactory(district=tenant_a.district, name="North Middle")
    client.force_login(tenant_a.director)
    text = "school,enrollment\nSchool A,300\nNowhere High,20\nNorth Middle,-4\nschool a,301\n,7\n"
    response = _import(client, tenant_a.district, text)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Line 3: no school “Nowhere High” in this district." in body
    assert "Line 4: enrollment “-4” is not a whole number from 1 to 100,000." in body
    assert "Line 5: School A is already on line 2." in body
    assert "Line 6: school is missing." in body
    assert "Line 2" not in body.replace("on line 2", "")
    assert not School.objects.filter(enrollment__isnull=False).exists()


def test_a_file_without_the_columns_is_refused(client, tenant_a):
    client.force_login(tenant_a.director)
    response = _import(client, tenant_a.district, "name,students\nSchool A,300\n")
    assert response.status_code == 400
    assert "missing the column(s): school, enrollment" in response.content.decode()


def test_another_districts_school_and_import_are_404(client, tenant_a, tenant_b):
    client.force_login(tenant_a.district_admin)
    assert _edit(client, tenant_b.school, enrollment="10").status_code == 404
    assert _import(client, tenant_b.district, "school,enrollment\nSchool B,10\n").status_code == 404
    client.force_login(tenant_a.director)
    assert _import(client, tenant_b.district, "school,enrollment\nSchool B,10\n").status_code == 404
    assert School.objects.get(pk=tenant_b.school.pk).enrollment is None


def test_coaches_and_teachers_have_no_import(client, tenant_a):
    for user in (tenant_a.coach.user, tenant_a.teacher.user):
        client.force_login(user)
        assert _import(client, tenant_a.district, "school,enrollment\nSchool A,10\n").status_code == 403
