"""Schools' enrollment: entered on a school's set-up page, or imported for a district from a CSV
(school, enrollment) — all or nothing, every bad line reported by its number."""

from __future__ import annotations

import csv
import io

from django.db import transaction
from django.http import HttpRequest

from coaching.models import Program
from teachers.audit import audit_record
from teachers.models import MAX_ENROLLMENT, AuditAction, District, School, User
from toolkit.line_errors import LineError, LineErrors
from toolkit.schoolyear import school_year_label

COLUMNS = ("school", "enrollment")
MAX_ROWS = 2000


class EnrollmentImportError(LineErrors):
    what = "enrollment file"


def _audit(*, by: User, request: HttpRequest | None, program: Program | None, district: District,
           ref: object, detail: str, action: str = AuditAction.SETUP_CHANGE) -> None:  # fmt: skip
    audit_record(action=action, actor=by, request=request, program=program.pk if program else None,
                 district=district, object_type="school", object_ref=ref, detail=detail)  # fmt: skip


@transaction.atomic
def school_enrollment_set(*, school: School, enrollment: int | None, year: int | None, by: User,
                          program: Program | None = None, request: HttpRequest | None = None) -> bool:  # fmt: skip
    """Set (or clear, with None) a school's enrollment for a school year; False when unchanged."""
    year = year if enrollment is not None else None
    if (school.enrollment, school.enrollment_year) == (enrollment, year):
        return False
    school.enrollment, school.enrollment_year = enrollment, year
    school.full_clean()
    school.save(update_fields=["enrollment", "enrollment_year"])
    detail = (
        f"set a school's enrollment for {school_year_label(year)}"
        if year is not None
        else "cleared a school's enrollment"
    )
    _audit(by=by, request=request, program=program, district=school.district, ref=school.pk, detail=detail)
    return True


def _read(data: bytes, schools: dict[str, School]) -> dict[int, int]:
    """Every line checked; {school id: enrollment}, or EnrollmentImportError with every bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EnrollmentImportError([LineError(0, "The file is not UTF-8 text. Save it as CSV UTF-8.")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration as exc:
        raise EnrollmentImportError([LineError(0, "The file is empty.")]) from exc
    except csv.Error as exc:
        raise EnrollmentImportError([LineError(1, f"Not a readable CSV header ({exc}).")]) from exc
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise EnrollmentImportError([LineError(1, f"The header is missing the column(s): {', '.join(missing)}.")])
    at = {name: header.index(name) for name in COLUMNS}
    found: dict[int, int] = {}
    first_line: dict[int, int] = {}
    errors: list[LineError] = []
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(LineError(reader.line_num, f"not readable as CSV ({exc})."))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue
        if len(first_line) + len(errors) >= MAX_ROWS:
            errors.append(LineError(line, f"the file has more than {MAX_ROWS:,} rows."))
            break
        name, number = (raw[at[c]].strip() if at[c] < len(raw) else "" for c in COLUMNS)
        problems: list[str] = []
        school = schools.get(name.lower())
        if not name:
            problems.append("school is missing")
        elif school is None:
            problems.append(f"no school “{name}” in this district")
        elif school.pk in first_line:
            problems.append(f"{school.name} is already on line {first_line[school.pk]}")
        cleaned = number.replace(",", "")
        if not cleaned:
            problems.append("enrollment is missing")
        elif not cleaned.isdigit() or not 1 <= int(cleaned) <= MAX_ENROLLMENT:
            problems.append(f"enrollment “{number}” is not a whole number from 1 to {MAX_ENROLLMENT:,}")
        if problems:
            errors.append(LineError(line, "; ".join(problems) + "."))
            continue
        assert school is not None  # noqa: S101  # nosec B101: checked above
        first_line[school.pk] = line
        found[school.pk] = int(cleaned)
    if errors:
        raise EnrollmentImportError(errors)
    if not found:
        raise EnrollmentImportError([LineError(0, "The file has a header but no rows.")])
    return found


@transaction.atomic
def enrollment_import(*, district: District, data: bytes, year: int, by: User, program: Program | None = None,
                      request: HttpRequest | None = None) -> int:  # fmt: skip
    """Set the enrollment of a district's schools for a school year from CSV bytes, all or nothing
    (any bad line rejects the file and nothing is written). Returns how many schools were set."""
    schools = {s.name.lower(): s for s in School.objects.select_for_update().filter(district=district)}
    values = _read(data, schools)
    changed = [s for s in schools.values() if s.pk in values]
    for school in changed:
        school.enrollment, school.enrollment_year = values[school.pk], year
    School.objects.bulk_update(changed, ["enrollment", "enrollment_year"])
    _audit(by=by, request=request, program=program, district=district, ref=district.pk, action=AuditAction.IMPORT,
           detail=f"imported the enrollment of {len(changed)} school(s) for {school_year_label(year)}")  # fmt: skip
    return len(changed)
