"""OneRoster 1.1 and 1.2 CSV bundles, written here from the specification's tables: districts and
schools from orgs, teachers from users (and 1.2's roles), grade bands from grades, all or nothing
with every bad line named by file and line, and re-imports matched by sourcedId."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from teachers import oneroster
from teachers.models import District, GradeBand, School, Teacher
from teachers.oneroster import OneRosterError, oneroster_import
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db

MANIFEST_11 = """propertyName,value
manifest.version,1.0
oneroster.version,1.1
file.academicSessions,bulk
file.categories,absent
file.classes,absent
file.classResources,absent
file.courses,absent
file.courseResources,absent
file.demographics,absent
file.enrollments,bulk
file.lineItems,absent
file.orgs,bulk
file.resources,absent
file.results,absent
file.users,bulk
source.systemName,Example SIS
source.systemCode,sis
"""
ORGS = """sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
d-maple,,,Maple Unified,district,MU,
s-lincoln,,,"Lincoln Elementary, North Campus",school,LN,d-maple
s-rose,,,Roosevelt Middle,school,RM,d-maple
"""
USERS_11 = """sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
t-ada,,,true,"s-lincoln,s-rose",teacher,ada,,Ada,"Lovelace, Jr.",,,Ada@Example.org,,,,"KG,01",
t-grace,,,true,d-maple,teacher,grace,,Grace,Hopper,,,grace@example.org,,,,"03,04,05",
t-alan,,,true,s-rose,teacher,alan,,Alan,Turing,,,alan@example.org,,,,"06,09",
t-kat,,,true,s-rose,teacher,kat,,Katherine,Johnson,,,kat@example.org,,,,,
u-stu,,,true,s-lincoln,student,stu,,Sam,Student,,,sam@example.org,,,,02,
u-adm,,,true,d-maple,administrator,boss,,Pat,Principal,,,pat@example.org,,,,,
"""
ENROLLMENTS = """sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
e-1,,,c-1,s-rose,t-grace,teacher,true,2026-08-20,2027-06-10
e-2,,,c-1,s-rose,u-stu,student,false,2026-08-20,2027-06-10
"""
SESSIONS = """sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
y-2027,,,2026-27,schoolYear,2026-07-01,2027-06-30,,2027
"""


def bundle(files: dict[str, str], *, bom: tuple[str, ...] = ()) -> bytes:
    """A zip of the files, some of them written with a UTF-8 byte order mark."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text.encode("utf-8-sig" if name in bom else "utf-8"))
    return buffer.getvalue()


def v11(**changes: str) -> dict[str, str]:
    files = {"manifest.csv": MANIFEST_11, "orgs.csv": ORGS, "users.csv": USERS_11, "enrollments.csv": ENROLLMENTS,
             "academicSessions.csv": SESSIONS}  # fmt: skip
    files.update({f"{name}.csv": text for name, text in changes.items()})
    return files


def roster(district: District) -> dict[str, tuple[str, str, str, str, bool]]:
    return {t.sourced_id: (t.full_name, t.email, t.school.name, t.grade_band, t.active)
            for t in Teacher.objects.filter(district=district).select_related("school")}  # fmt: skip


def problems(data: bytes, district: District | None) -> list[str]:
    with pytest.raises(OneRosterError) as caught:
        oneroster_import(data=data, district=district)
    return [str(error) for error in caught.value.errors]


def test_a_first_import_links_the_district_and_writes_its_schools_and_teachers():
    district = DistrictFactory(name="Maple USD")  # another name: the bundle's only district is it
    result = oneroster_import(data=bundle(v11(), bom=("users.csv", "orgs.csv")), district=district)

    district.refresh_from_db()
    assert district.sourced_id == "d-maple"
    assert sorted(School.objects.filter(district=district).values_list("name", "sourced_id")) == [
        ("Lincoln Elementary, North Campus", "s-lincoln"),
        ("Roosevelt Middle", "s-rose"),
    ]
    assert roster(district) == {
        # Several orgs: the first school named. Quoted commas stay inside their value.
        "t-ada": ("Ada Lovelace, Jr.", "ada@example.org", "Lincoln Elementary, North Campus", GradeBand.K2, True),
        # Only the district among their orgs: the school comes from their enrollment.
        "t-grace": ("Grace Hopper", "grace@example.org", "Roosevelt Middle", GradeBand.G35, True),
        # Grades across bands are all grades; no grades at all is all grades for a new teacher.
        "t-alan": ("Alan Turing", "alan@example.org", "Roosevelt Middle", GradeBand.K12, True),
        "t-kat": ("Katherine Johnson", "kat@example.org", "Roosevelt Middle", GradeBand.K12, True),
    }
    assert (result.rows, result.teachers_created, result.schools_created, result.version) == (4, 4, 2, "1.1")
    assert result.school_years == ["2027"]
    assert oneroster.import_summary(district, result) == (
        "Maple USD: 4 teachers read — 4 added, 0 updated, 0 unchanged, 2 new schools, 0 deactivated "
        "(OneRoster 1.1, school year 2027)."
    )


def test_a_re_import_matches_by_sourced_id_and_updates_renames_moves_and_deletions():
    district = DistrictFactory(name="Maple Unified")
    oneroster_import(data=bundle(v11()), district=district)
    ada = Teacher.objects.get(sourced_id="t-ada")
    orgs = ORGS.replace("Roosevelt Middle", "Roosevelt Middle School")
    users = (USERS_11
             .replace("Ada@Example.org", "ada.lovelace@example.org")  # a new address: still Ada
             .replace('t-alan,,,true,s-rose', 't-alan,,,true,s-lincoln')  # moved school
             .replace("t-kat,,,true", "t-kat,tobedeleted,2026-11-01,true"))  # fmt: skip
    result = oneroster_import(data=bundle(v11(orgs=orgs, users=users)), district=district)

    assert Teacher.objects.get(sourced_id="t-ada").pk == ada.pk
    assert roster(district) == {
        "t-ada": ("Ada Lovelace, Jr.", "ada.lovelace@example.org", "Lincoln Elementary, North Campus", GradeBand.K2, True),
        "t-grace": ("Grace Hopper", "grace@example.org", "Roosevelt Middle School", GradeBand.G35, True),
        "t-alan": ("Alan Turing", "alan@example.org", "Lincoln Elementary, North Campus", GradeBand.K12, True),
        # Marked to be deleted: inactive, with their history kept.
        "t-kat": ("Katherine Johnson", "kat@example.org", "Roosevelt Middle School", GradeBand.K12, False),
    }  # fmt: skip
    assert School.objects.filter(district=district).count() == 2
    assert (result.teachers_created, result.teachers_updated, result.teachers_deactivated) == (0, 2, 1)
    assert result.teachers_unchanged == 1  # Grace: her school's new name is the school's, not hers


def test_a_teacher_already_on_the_roster_by_email_is_linked_not_doubled():
    district = DistrictFactory(name="Maple Unified")
    school = SchoolFactory(district=district, name="Roosevelt Middle")
    alan = TeacherFactory(district=district, school=school, email="Alan@Example.org", first_name="Al",
                          grade_band=GradeBand.G68)  # fmt: skip
    users = USERS_11.replace('"06,09"', "")  # no grades: the band on the roster stays
    oneroster_import(data=bundle(v11(users=users)), district=district)
    alan.refresh_from_db()
    assert (alan.sourced_id, alan.first_name, alan.grade_band) == ("t-alan", "Alan", GradeBand.G68)
    assert School.objects.get(sourced_id="s-rose").pk == school.pk
    assert Teacher.objects.filter(district=district).count() == 4


def test_oneroster_1_2_reads_roles_csv_and_the_primary_org():
    users = """sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns
t-ada,,,true,ada,,Ada,Lovelace,,,ada@example.org,,,,KG,,,,,,,,
t-mae,,,true,mae,,Mae,Jemison,,,mae@example.org,,,,"09,10",,,,,,,s-rose,
u-stu,,,true,stu,,Sam,Student,,,sam@example.org,,,,02,,,,,,,s-lincoln,
"""
    roles = """sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId
r-1,,,t-ada,secondary,teacher,,,s-rose,
r-2,,,t-ada,primary,teacher,,,s-lincoln,
r-3,,,t-mae,primary,teacher,,,s-rose,
r-4,,,u-stu,primary,student,,,s-lincoln,
"""
    manifest = MANIFEST_11.replace("oneroster.version,1.1", "oneroster.version,1.2") + "file.roles,bulk\n"
    district = DistrictFactory(name="Maple Unified")
    result = oneroster_import(data=bundle(v11(manifest=manifest, users=users, roles=roles)), district=district)
    assert result.version == "1.2"
    assert roster(district) == {
        "t-ada": ("Ada Lovelace", "ada@example.org", "Lincoln Elementary, North Campus", GradeBand.K2, True),
        "t-mae": ("Mae Jemison", "mae@example.org", "Roosevelt Middle", GradeBand.G912, True),
    }


def test_every_bad_line_is_named_by_file_and_line_and_nothing_is_written():
    district = DistrictFactory(name="Maple Unified")
    orgs = ORGS + "s-lost,,,Nowhere School,school,NW,d-gone\nd-oak,,,Oak District,district,OK,\n"
    users = (USERS_11
             .replace("grace@example.org", "grace-at-example.org")  # line 3
             .replace("t-alan,,,true,s-rose,teacher,alan,,Alan", "t-alan,,,true,s-rose,teacher,alan,,")  # line 4
             + "t-dup,,,true,s-rose,teacher,dup,,Dup,Licate,,,ada@example.org,,,,,\n"  # line 8
             + "t-ghost,,,true,s-nowhere,teacher,gh,,Ghost,Writer,,,ghost@example.org,,,,,\n"  # line 9
             + "t-odd,retired,,true,s-rose,teacher,odd,,Odd,Status,,,odd@example.org,,,,,\n")  # line 10  # fmt: skip
    sessions = SESSIONS + "y-bad,,,Someday,schoolYear,2027-13-01,2028-06-30,,2028\n"
    found = problems(bundle(v11(orgs=orgs, users=users, academicSessions=sessions)), district)
    assert found == [
        "academicSessions.csv, line 3: startDate and endDate are dates written YYYY-MM-DD.",
        "users.csv, line 10: unknown status “retired” (use active or tobedeleted).",
    ]  # the reading pass: a bad status or date stops the bundle before its rows are matched

    sessions_ok = v11(orgs=orgs, users=users.replace("t-odd,retired", "t-odd,active"))
    found = problems(bundle(sessions_ok), district)
    assert found == [
        "orgs.csv, line 5: school Nowhere School has no district among the orgs (parentSourcedId “d-gone”).",
        "users.csv, line 3: “grace-at-example.org” is not a valid email address.",
        "users.csv, line 4: givenName is missing.",
        "users.csv, line 8: duplicate email ada@example.org (first seen on line 2).",
        "users.csv, line 9: teacher Ghost Writer is at no school of orgs.csv (their orgs: s-nowhere).",
    ]
    assert (School.objects.count(), Teacher.objects.count(), District.objects.get().sourced_id) == (0, 0, "")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"orgs.csv": ORGS, "users.csv": USERS_11}, ["manifest.csv: the bundle has no manifest.csv."]),
        ({"manifest.csv": MANIFEST_11.replace(",1.1", ",1.0"), "orgs.csv": ORGS, "users.csv": USERS_11,
          "enrollments.csv": ENROLLMENTS, "academicSessions.csv": SESSIONS},
         ["manifest.csv: oneroster.version is “1.0”; Fulcrum reads 1.1 and 1.2."]),
        ({"manifest.csv": MANIFEST_11, "orgs.csv": ORGS, "academicSessions.csv": SESSIONS,
          "enrollments.csv": ENROLLMENTS},
         ["manifest.csv: file.users is bulk, but the zip has no users.csv."]),
        ({**v11(), "users.csv": "sourcedId,givenName\nt-1,Ada\n"},
         ["users.csv, line 1: the header is missing the column(s): familyName, email, grades, orgSourcedIds, "
          "role, enabledUser."]),
        ({**v11(), "orgs.csv": "sourcedId,name,type,parentSourcedId\nd-1,A,district,,extra\n"},
         ["orgs.csv, line 2: 5 cells for 4 columns (a comma inside a value needs quotes)."]),
    ],
)  # fmt: skip
def test_a_bundle_that_is_not_whole_is_refused_with_its_reason(files, expected):
    assert problems(bundle(files), DistrictFactory()) == expected


def test_not_a_zip_and_an_oversized_member_are_refused(monkeypatch):
    assert problems(b"PK\x03\x04 but not really", DistrictFactory()) == ["The file is not a readable zip file."]
    monkeypatch.setattr(oneroster, "MEMBER_MAX_BYTES", 1000)
    big = v11(users=USERS_11 + "".join(f"u-{i},,,true,s-rose,student,s{i},,S,{i},,,,,,,02,\n" for i in range(40)))
    assert "users.csv: larger than 60 MB unzipped." in problems(bundle(big), DistrictFactory(name="Maple Unified"))


def test_a_bundle_of_another_district_is_refused_for_a_district_that_has_its_own():
    oak = DistrictFactory(name="Oak", sourced_id="d-oak")
    assert problems(bundle(v11()), oak) == [
        "orgs.csv: no district in the bundle is Oak; its districts: Maple Unified (d-maple)."
    ]
    # Nor is a district another Fulcrum district already claims taken for a new one.
    DistrictFactory(name="Maple Unified", sourced_id="d-maple")
    assert problems(bundle(v11()), DistrictFactory(name="Birch")) == [
        "orgs.csv: no district in the bundle is Birch; its districts: Maple Unified (d-maple)."
    ]


def test_a_district_imports_only_its_own_teachers_from_a_bundle_of_two_districts():
    orgs = ORGS + "d-oak,,,Oak District,district,OK,\ns-oak,,,Oak High,school,OH,d-oak\n"
    users = USERS_11 + "t-oak,,,true,s-oak,teacher,oak,,Olive,Oak,,,olive@example.org,,,,11,\n"
    maple = DistrictFactory(name="Maple Unified")
    result = oneroster_import(data=bundle(v11(orgs=orgs, users=users)), district=maple)
    assert set(roster(maple)) == {"t-ada", "t-grace", "t-alan", "t-kat"}
    assert result.teachers_elsewhere == 1
    assert not District.objects.filter(name="Oak District").exists()


def test_the_site_administrators_command_creates_every_district(tmp_path: Path, capsys):
    orgs = ORGS + "d-oak,,,Oak District,district,OK,\ns-oak,,,Oak High,school,OH,d-oak\n"
    users = USERS_11 + "t-oak,,,true,s-oak,teacher,oak,,Olive,Oak,,,olive@example.org,,,,11,\n"
    path = tmp_path / "bundle.zip"
    path.write_bytes(bundle(v11(orgs=orgs, users=users)))
    call_command("import_oneroster", str(path))
    assert sorted(District.objects.values_list("name", "sourced_id")) == [
        ("Maple Unified", "d-maple"), ("Oak District", "d-oak"),
    ]  # fmt: skip
    assert roster(District.objects.get(sourced_id="d-oak")) == {
        "t-oak": ("Olive Oak", "olive@example.org", "Oak High", GradeBand.G912, True)
    }
    assert "5 teachers read — 5 added" in capsys.readouterr().out

    path.write_bytes(bundle(v11(users=USERS_11.replace("Ada,", ","))))
    with pytest.raises(CommandError, match=r"users.csv, line 2: givenName is missing\."):
        call_command("import_oneroster", str(path))


def test_the_roster_page_takes_a_bundle_and_lists_its_problems(client, tenant_a, district_admin):
    client.force_login(district_admin)
    url = reverse("teachers:roster_import")
    bad = bundle(v11(users=USERS_11.replace("grace@example.org", "nope")))
    response = client.post(url, {"district": tenant_a.district.pk,
                                 "file": SimpleUploadedFile("or.zip", bad, content_type="application/zip")})  # fmt: skip
    assert response.status_code == 200
    assert "users.csv, line 3: “nope” is not a valid email address." in response.content.decode()
    assert not Teacher.objects.filter(sourced_id__startswith="t-").exists()

    good = bundle(v11())
    response = client.post(url, {"district": tenant_a.district.pk,
                                 "file": SimpleUploadedFile("or.zip", good, content_type="application/zip")},
                           follow=True)  # fmt: skip
    assert "4 teachers read — 4 added" in response.content.decode()
    assert set(roster(tenant_a.district)) >= {"t-ada", "t-grace", "t-alan", "t-kat"}


def test_a_delta_bundle_changes_only_the_records_it_names():
    district = DistrictFactory(name="Maple Unified")
    oneroster_import(data=bundle(v11()), district=district)
    before = roster(district)
    manifest = MANIFEST_11.replace("file.users,bulk", "file.users,delta").replace("file.orgs,bulk", "file.orgs,delta")
    users = (
        USERS_11.splitlines()[0]
        + "\nt-alan,tobedeleted,2026-11-20T10:00:00.000Z,true,s-rose,teacher,alan,,Alan,Turing,,,alan@example.org,,,,,\n"
    )
    result = oneroster_import(data=bundle(v11(manifest=manifest, users=users)), district=district)
    assert roster(district) == {**before, "t-alan": (*before["t-alan"][:4], False)}
    assert (result.teachers_deactivated, result.teachers_created, result.teachers_updated) == (1, 0, 0)
