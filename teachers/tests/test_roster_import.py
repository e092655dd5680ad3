"""The roster CSV import service: all-or-nothing, matched by email per district, every bad line reported."""

from __future__ import annotations

import csv
import io

import pytest

from teachers.models import GradeBand, School, Teacher
from teachers.services import (
    ROSTER_MAX_ROWS,
    RosterImportError,
    normalize_grade_band,
    roster_import,
)
from teachers.tests.factories import DistrictFactory, SchoolFactory, TeacherFactory

pytestmark = pytest.mark.django_db

HEADER = "school,first_name,last_name,email,grade_band,subject"


def roster_csv(*rows: str, header: str = HEADER, newline: str = "\n") -> bytes:
    """A roster file: the header on line 1, then one row per argument from line 2 on."""
    return (newline.join([header, *rows]) + newline).encode("utf-8")


GOOD_ROWS = (
    "Lincoln Elementary,Ada,Lovelace,Ada.Lovelace@Example.org,K-2,Math",
    "Lincoln Elementary,Grace,Hopper,grace@example.org,3-5,Science",
    "Roosevelt Middle,Alan,Turing,alan@example.org,6-8,",
)


def counts() -> tuple[int, int]:
    return School.objects.count(), Teacher.objects.count()


def import_errors(district, data: bytes) -> list[tuple[int, str]]:
    """Run an import that must fail; return its (line, message) pairs and check nothing was written."""
    before = counts()
    with pytest.raises(RosterImportError) as excinfo:
        roster_import(district=district, data=data)
    assert counts() == before
    return [(error.line, error.message) for error in excinfo.value.errors]


@pytest.fixture
def district():
    return DistrictFactory(name="Maple Valley")


# --- Good files ---------------------------------------------------------------------------------


def test_good_file_creates_schools_and_teachers(district):
    result = roster_import(district=district, data=roster_csv(*GOOD_ROWS))

    assert result.rows == 3
    assert result.schools_created == 2
    assert result.new_school_names == ["Lincoln Elementary", "Roosevelt Middle"]
    assert result.teachers_created == 3
    assert (result.teachers_updated, result.teachers_unchanged) == (0, 0)
    assert sorted(School.objects.filter(district=district).values_list("name", flat=True)) == [
        "Lincoln Elementary",
        "Roosevelt Middle",
    ]
    ada = Teacher.objects.get(district=district, last_name="Lovelace")
    assert ada.first_name == "Ada"
    assert ada.email == "ada.lovelace@example.org"  # stored lowercased
    assert ada.school.name == "Lincoln Elementary"
    assert ada.school.district == district
    assert ada.grade_band == GradeBand.K2
    assert ada.subject == "Math"
    assert ada.active is True
    assert Teacher.objects.get(email="alan@example.org").subject == ""


def test_cells_are_trimmed_of_surrounding_spaces(district):
    roster_import(district=district, data=roster_csv("  Lincoln  ,  Ada ,Lovelace ,  ada@example.org , k-2 , Math "))

    ada = Teacher.objects.get()
    assert (ada.school.name, ada.first_name, ada.last_name, ada.email, ada.grade_band, ada.subject) == (
        "Lincoln",
        "Ada",
        "Lovelace",
        "ada@example.org",
        GradeBand.K2,
        "Math",
    )


def test_reimporting_the_same_file_creates_nothing_new(district):
    data = roster_csv(*GOOD_ROWS)
    roster_import(district=district, data=data)
    before = counts()
    pks = set(Teacher.objects.values_list("pk", flat=True))

    result = roster_import(district=district, data=data)

    assert counts() == before
    assert set(Teacher.objects.values_list("pk", flat=True)) == pks
    assert result.teachers_unchanged == 3
    assert (result.teachers_created, result.teachers_updated, result.schools_created) == (0, 0, 0)
    assert result.new_school_names == []


def test_reimport_with_changed_name_school_and_grade_band_updates_by_email_instead_of_duplicating(district):
    roster_import(district=district, data=roster_csv(*GOOD_ROWS))
    ada_pk = Teacher.objects.get(email="ada.lovelace@example.org").pk
    teachers_before = Teacher.objects.count()

    changed = roster_csv(
        "Washington High,Augusta,King,ADA.LOVELACE@example.ORG,9-12,Physics",  # same person, other case
        GOOD_ROWS[1],
        GOOD_ROWS[2],
    )
    result = roster_import(district=district, data=changed)

    assert Teacher.objects.count() == teachers_before
    assert (result.teachers_created, result.teachers_updated, result.teachers_unchanged) == (0, 1, 2)
    assert result.schools_created == 1
    ada = Teacher.objects.get(pk=ada_pk)
    assert (ada.first_name, ada.last_name) == ("Augusta", "King")
    assert ada.school.name == "Washington High"
    assert ada.grade_band == GradeBand.G912
    assert ada.subject == "Physics"
    assert ada.email == "ada.lovelace@example.org"


def test_existing_teacher_with_mixed_case_email_is_matched_case_insensitively(district):
    school = SchoolFactory(district=district, name="Lincoln")
    existing = TeacherFactory(school=school, email="Ada.Lovelace@Example.ORG", first_name="Ada", last_name="L")

    result = roster_import(district=district, data=roster_csv("Lincoln,Ada,Lovelace,ada.lovelace@example.org,K-2,"))

    assert Teacher.objects.count() == 1
    assert (result.teachers_created, result.teachers_updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.last_name == "Lovelace"


def test_school_names_match_existing_schools_case_insensitively(district):
    lincoln = SchoolFactory(district=district, name="Lincoln Elementary")

    result = roster_import(
        district=district,
        data=roster_csv(
            "LINCOLN ELEMENTARY,Ada,Lovelace,ada@example.org,K-2,",
            "lincoln elementary,Grace,Hopper,grace@example.org,K-2,",
        ),
    )

    assert result.schools_created == 0
    assert list(School.objects.filter(district=district)) == [lincoln]
    assert set(Teacher.objects.values_list("school", flat=True)) == {lincoln.pk}


def test_new_school_spelled_two_ways_in_one_file_is_created_once_with_its_first_spelling(district):
    result = roster_import(
        district=district,
        data=roster_csv(
            "Oak Grove,Ada,Lovelace,ada@example.org,K-2,",
            "OAK GROVE,Grace,Hopper,grace@example.org,K-2,",
        ),
    )

    assert result.schools_created == 1
    assert list(School.objects.values_list("name", flat=True)) == ["Oak Grove"]
    assert Teacher.objects.filter(school__name="Oak Grove").count() == 2


def test_inactive_teacher_becomes_active_again_on_reimport(district):
    school = SchoolFactory(district=district, name="Lincoln")
    gone = TeacherFactory(
        school=school, first_name="Ada", last_name="Lovelace", email="ada@example.org", subject="", active=False
    )

    result = roster_import(district=district, data=roster_csv("Lincoln,Ada,Lovelace,ada@example.org,K-2,"))

    gone.refresh_from_db()
    assert gone.active is True
    assert (result.teachers_updated, result.teachers_unchanged) == (1, 0)


def test_teachers_missing_from_a_reimport_are_kept(district):
    roster_import(district=district, data=roster_csv(*GOOD_ROWS))

    roster_import(district=district, data=roster_csv(GOOD_ROWS[0]))

    assert Teacher.objects.filter(district=district, active=True).count() == 3


def test_same_email_in_another_district_does_not_clash(district):
    other = DistrictFactory(name="Other District")
    elsewhere = TeacherFactory(
        school=SchoolFactory(district=other, name="Lincoln"), email="ada@example.org", first_name="Someone"
    )

    result = roster_import(district=district, data=roster_csv("Lincoln,Ada,Lovelace,ada@example.org,K-2,"))

    assert result.teachers_created == 1
    assert result.schools_created == 1  # "Lincoln" of the other district is not reused
    assert Teacher.objects.filter(email__iexact="ada@example.org").count() == 2
    mine = Teacher.objects.get(district=district)
    assert mine.school.district == district
    elsewhere.refresh_from_db()
    assert elsewhere.first_name == "Someone"
    assert elsewhere.district == other


def test_subject_column_is_optional(district):
    result = roster_import(
        district=district,
        data=roster_csv(
            "Lincoln,Ada,Lovelace,ada@example.org,K-2", header="school,first_name,last_name,email,grade_band"
        ),
    )

    assert result.teachers_created == 1
    assert Teacher.objects.get().subject == ""


def test_header_names_are_matched_loosely_and_columns_may_come_in_any_order(district):
    data = roster_csv(
        "ada@example.org,K-2,Lovelace,Ada,Lincoln,Math",
        header=" Email , Grade Band ,LAST_NAME,First Name,SCHOOL,Subject",
    )

    roster_import(district=district, data=data)

    ada = Teacher.objects.get()
    assert (ada.first_name, ada.last_name, ada.school.name, ada.grade_band, ada.subject) == (
        "Ada",
        "Lovelace",
        "Lincoln",
        GradeBand.K2,
        "Math",
    )


def test_utf8_file_with_a_bom_is_read(district):
    data = "\ufeff".encode() + roster_csv("École Saint-Zoë,Zoë,Ångström,zoe@example.org,PK,Français")

    result = roster_import(district=district, data=data)

    assert result.teachers_created == 1
    zoe = Teacher.objects.get()
    assert (zoe.school.name, zoe.first_name, zoe.last_name, zoe.subject) == (
        "École Saint-Zoë",
        "Zoë",
        "Ångström",
        "Français",
    )


def test_blank_lines_are_ignored(district):
    data = roster_csv("", GOOD_ROWS[0], "", "   ,  ,", GOOD_ROWS[1], "")

    result = roster_import(district=district, data=data)

    assert result.rows == 2
    assert Teacher.objects.count() == 2


def test_windows_line_endings_work(district):
    result = roster_import(district=district, data=roster_csv(*GOOD_ROWS, newline="\r\n"))

    assert result.teachers_created == 3
    assert not Teacher.objects.filter(subject__contains="\r").exists()


# --- Grade bands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K-2", GradeBand.K2),
        ("k–2", GradeBand.K2),  # en dash, as spreadsheets autocorrect
        ("K—2", GradeBand.K2),  # em dash
        ("K2", GradeBand.K2),
        (" k - 2 ", GradeBand.K2),
        ("Pre-K", GradeBand.PK),
        ("pre k", GradeBand.PK),
        ("PreK", GradeBand.PK),
        ("pk", GradeBand.PK),
        ("3–5", GradeBand.G35),
        ("6-8", GradeBand.G68),
        ("9 – 12", GradeBand.G912),
        ("k-12", GradeBand.K12),
        ("K-5", None),
        ("13", None),
        ("", None),
    ],
)
def test_grade_band_aliases_normalize(typed, expected):
    assert normalize_grade_band(typed) == expected


def test_grade_band_aliases_are_stored_as_canonical_values(district):
    roster_import(
        district=district,
        data=roster_csv(
            "Lincoln,Ada,Lovelace,ada@example.org,k–2,",
            "Lincoln,Grace,Hopper,grace@example.org,K2,",
            "Lincoln,Alan,Turing,alan@example.org,Pre-K,",
        ),
    )

    assert dict(Teacher.objects.values_list("first_name", "grade_band")) == {
        "Ada": "K-2",
        "Grace": "K-2",
        "Alan": "PK",
    }


# --- Bad files: every bad line reported, nothing written ----------------------------------------


def test_bad_file_lists_every_bad_line_with_its_line_number(district):
    data = roster_csv(
        "Lincoln,Ada,Lovelace,ada@example.org,K-2,Math",  # line 2: good
        "Lincoln,Grace,Hopper,,K-2,Math",  # line 3: email missing
        "Lincoln,Alan,Turing,alan@example.org,K-7,Math",  # line 4: unknown grade band
        "Lincoln,Edsger,Dijkstra,not-an-email,3-5,Math",  # line 5: invalid email
        "Lincoln,Barbara,Liskov,barbara@example.org,3-5,Math",  # line 6: good
        "Lincoln,Ada,Again,ADA@example.org,3-5,Math",  # line 7: duplicate of line 2
    )

    errors = import_errors(district, data)

    assert [line for line, _ in errors] == [3, 4, 5, 7]
    messages = dict(errors)
    assert messages[3] == "email is missing."
    assert messages[4].startswith("unknown grade band “K-7”")
    assert "PK, K-2, 3-5, 6-8, 9-12, K-12" in messages[4]
    assert messages[5] == "“not-an-email” is not a valid email address."
    assert messages[7] == "duplicate email ada@example.org (first seen on line 2)."


def test_bad_row_rejects_whole_file_and_writes_nothing(district):
    school = SchoolFactory(district=district, name="Lincoln")
    existing = TeacherFactory(school=school, first_name="Ada", last_name="Lovelace", email="ada@example.org")
    data = roster_csv(
        "Lincoln,Ada,Renamed,ada@example.org,9-12,Art",  # would update the existing teacher
        "Brand New School,Grace,Hopper,grace@example.org,K-2,",  # would create a school and a teacher
        "Brand New School,Alan,Turing,alan@example.org,K-99,",  # bad
    )

    assert [line for line, _ in import_errors(district, data)] == [4]

    assert not School.objects.filter(name="Brand New School").exists()
    assert not Teacher.objects.filter(email="grace@example.org").exists()
    existing.refresh_from_db()
    assert (existing.last_name, existing.grade_band) == ("Lovelace", GradeBand.K2)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Lincoln,Ada,Lovelace,,K-2,", "email is missing."),
        ("Lincoln,Ada,Lovelace,ada@example.org,,", "grade_band is missing."),
        ("Lincoln,,Lovelace,ada@example.org,K-2,", "first_name is missing."),
        (",Ada,Lovelace,ada@example.org,K-2,", "school is missing."),
        ("Lincoln,Ada", "last_name is missing; email is missing; grade_band is missing."),  # short row
        ("Lincoln,Ada,Lovelace,ada@example,K-2,", "“ada@example” is not a valid email address."),
        ("Lincoln,Ada,Lovelace,ada at example.org,K-2,", "“ada at example.org” is not a valid email address."),
        ("Lincoln,Ada,Lovelace,ada@example.org,Kinder,", "unknown grade band “Kinder”"),
        (f"Lincoln,{'A' * 101},Lovelace,ada@example.org,K-2,", "first_name is longer than 100 characters."),
        (f"{'S' * 201},Ada,Lovelace,ada@example.org,K-2,", "school is longer than 200 characters."),
        (f"Lincoln,Ada,Lovelace,ada@example.org,K-2,{'m' * 101}", "subject is longer than 100 characters."),
    ],
)
def test_each_kind_of_bad_row_is_reported_on_its_line(district, row, message):
    errors = import_errors(district, roster_csv("Lincoln,Grace,Hopper,grace@example.org,K-2,", row))

    assert len(errors) == 1
    line, text = errors[0]
    assert line == 3
    assert text.startswith(message)


def test_duplicate_email_in_the_file_is_caught_case_insensitively(district):
    errors = import_errors(
        district,
        roster_csv(
            "Lincoln,Ada,Lovelace,Ada@Example.org,K-2,",
            "Lincoln,Grace,Hopper,grace@example.org,K-2,",
            "Lincoln,Ada,Twin,ada@example.ORG,K-2,",
            "Lincoln,Ada,Triplet,ada@example.org,K-2,",
        ),
    )

    assert errors == [
        (4, "duplicate email ada@example.org (first seen on line 2)."),
        (5, "duplicate email ada@example.org (first seen on line 2)."),
    ]


def test_row_with_several_problems_reports_them_together(district):
    errors = import_errors(district, roster_csv(",Ada,Lovelace,bogus,K-9,"))

    assert len(errors) == 1
    line, text = errors[0]
    assert line == 2
    assert "school is missing" in text
    assert "“bogus” is not a valid email address" in text
    assert "unknown grade band “K-9”" in text


def test_row_errors_render_with_their_line_number(district):
    with pytest.raises(RosterImportError) as excinfo:
        roster_import(district=district, data=roster_csv("Lincoln,Ada,Lovelace,,K-2,"))

    assert [str(error) for error in excinfo.value.errors] == ["Line 2: email is missing."]
    assert str(excinfo.value) == "1 problem(s) in the roster file"


def test_missing_header_column_is_reported_on_line_1(district):
    errors = import_errors(
        district, roster_csv("Lincoln,Ada,Lovelace,K-2", header="school,first_name,last_name,grade_level")
    )

    assert errors == [(1, "The header is missing the column(s): email, grade_band.")]


def test_file_without_a_header_is_reported_as_missing_columns(district):
    errors = import_errors(district, b"Lincoln,Ada,Lovelace,ada@example.org,K-2,Math\n")

    assert len(errors) == 1
    assert errors[0][0] == 1
    assert errors[0][1].startswith("The header is missing the column(s): school, first_name")


def test_empty_file_is_rejected(district):
    with pytest.raises(RosterImportError) as excinfo:
        roster_import(district=district, data=b"")

    assert [(e.line, e.message) for e in excinfo.value.errors] == [(0, "The file is empty.")]
    assert str(excinfo.value.errors[0]) == "The file is empty."  # no "Line 0:" prefix
    assert counts() == (0, 0)


def test_header_only_file_is_rejected(district):
    assert import_errors(district, roster_csv()) == [(0, "The file has a header but no rows.")]
    assert import_errors(district, roster_csv("", "  ,  ,  ")) == [(0, "The file has a header but no rows.")]


def test_non_utf8_bytes_are_rejected(district):
    data = "school,first_name,last_name,email,grade_band\nLincoln,José,Núñez,jose@example.org,K-2\n".encode("cp1252")

    errors = import_errors(district, data)

    assert errors == [(0, "The file is not UTF-8 text. Save it as CSV UTF-8.")]


def test_unreadable_csv_row_is_reported_on_its_line(district):
    too_big = "x" * (csv.field_size_limit() + 1)
    data = roster_csv(
        "Lincoln,Ada,Lovelace,ada@example.org,K-2,",
        "Lincoln,Grace,,grace@example.org,K-2,",  # line 3: a normal row error is still reported
        f"Lincoln,{too_big},Hopper,big@example.org,K-2,",  # line 4: csv.Error
    )

    errors = import_errors(district, data)

    assert [line for line, _ in errors] == [3, 4]
    assert errors[1][1].startswith("not readable as CSV (field larger than field limit")


def test_more_than_the_row_limit_is_rejected(district):
    rows = [f"Lincoln,First{n},Last{n},t{n}@example.org,K-2," for n in range(ROSTER_MAX_ROWS + 1)]

    errors = import_errors(district, roster_csv(*rows))

    assert errors == [(ROSTER_MAX_ROWS + 2, f"the file has more than {ROSTER_MAX_ROWS:,} rows.")]


# --- Line numbers are physical lines, as csv.reader.line_num counts them ------------------------


def reader_line_nums(data: bytes) -> list[int]:
    """Where csv.reader says each data row ends (the reference the import must match)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    next(reader)
    return [reader.line_num for row in reader if any(cell.strip() for cell in row)]


def test_quoted_newline_shifts_later_line_numbers_to_the_physical_line(district):
    data = roster_csv(
        'Lincoln,Ada,Lovelace,ada@example.org,K-2,"Math',  # line 2, row continues…
        'and Science"',  # …and ends on line 3
        "Lincoln,Grace,Hopper,,K-2,Art",  # line 4: bad
    )

    errors = import_errors(district, data)

    assert reader_line_nums(data) == [3, 4]
    assert [line for line, _ in errors] == [4]


def test_bad_row_spanning_several_lines_is_reported_on_the_line_where_it_ends(district):
    data = roster_csv(
        "Lincoln,Ada,Lovelace,ada@example.org,K-2,Math",  # line 2
        'Lincoln,Grace,Hopper,,K-2,"Art',  # line 3: bad row starts…
        "and",  # line 4
        'Music"',  # line 5: …and ends here
        "Lincoln,Alan,Turing,alan@example.org,K-77,",  # line 6: bad
    )

    errors = import_errors(district, data)

    assert reader_line_nums(data) == [2, 5, 6]
    assert [line for line, _ in errors] == [5, 6]


def test_quoted_newline_in_a_good_row_is_kept_in_the_value(district):
    roster_import(district=district, data=roster_csv('Lincoln,Ada,Lovelace,ada@example.org,K-2,"Math\nand Science"'))

    assert Teacher.objects.get().subject == "Math\nand Science"


def test_blank_lines_still_count_toward_line_numbers(district):
    data = roster_csv("", GOOD_ROWS[0], "", "", "Lincoln,Grace,Hopper,,K-2,")  # bad row on line 6

    assert [line for line, _ in import_errors(district, data)] == [6]


def test_windows_line_endings_do_not_double_count_lines(district):
    data = roster_csv(GOOD_ROWS[0], 'Lincoln,Grace,Hopper,,K-2,"Art\r\nand Music"', GOOD_ROWS[2], newline="\r\n")

    assert [line for line, _ in import_errors(district, data)] == [4]


def test_line_numbers_with_a_bom_start_at_1_for_the_header(district):
    data = "\ufeff".encode() + roster_csv("Lincoln,Ada,Lovelace,,K-2,")

    assert import_errors(district, data) == [(2, "email is missing.")]


# --- Atomicity and known gaps -------------------------------------------------------------------


def test_database_failure_while_writing_rolls_back_the_schools_already_created(district, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Teacher.objects, "bulk_create", fail)

    with pytest.raises(RuntimeError, match="database went away"):
        roster_import(district=district, data=roster_csv(*GOOD_ROWS))

    assert counts() == (0, 0)


def test_email_longer_than_the_column_is_a_row_error(district):
    long_email = f"{'a' * 60}.{'b' * 60}.{'c' * 60}.{'d' * 60}@example.org"  # 255 characters, valid syntax
    assert len(long_email) == 255

    errors = import_errors(district, roster_csv(f"Lincoln,Ada,Lovelace,{long_email},K-2,"))

    assert errors == [(2, "email is longer than 254 characters.")]


def test_reimport_without_a_subject_column_keeps_stored_subjects(tenant_a):
    from teachers.models import Teacher
    from teachers.services import roster_import

    roster_import(district=tenant_a.district, data=b"school,first_name,last_name,email,grade_band,subject\n"
                  b"North,Kim,Park,kim@example.org,K-2,Science\n")  # fmt: skip
    roster_import(district=tenant_a.district, data=b"school,first_name,last_name,email,grade_band\n"
                  b"North,Kim,Park-Lee,kim@example.org,K-2\n")  # fmt: skip
    kim = Teacher.objects.get(email="kim@example.org")
    assert (kim.last_name, kim.subject) == ("Park-Lee", "Science")
