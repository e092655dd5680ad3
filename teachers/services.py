"""Writes for districts, schools and teachers. One function per business action."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from toolkit.line_errors import LineError, LineErrors

from .models import District, GradeBand, School, Teacher

ROSTER_COLUMNS = ("school", "first_name", "last_name", "email", "grade_band", "subject")
ROSTER_REQUIRED = ("school", "first_name", "last_name", "email", "grade_band")
ROSTER_MAX_ROWS = 20_000
EMAIL_MAX_LENGTH = Teacher._meta.get_field("email").max_length or 254

_GRADE_BAND_ALIASES = {
    "PK": GradeBand.PK,
    "PREK": GradeBand.PK,
    "PRE-K": GradeBand.PK,
    "K-2": GradeBand.K2,
    "K2": GradeBand.K2,
    "3-5": GradeBand.G35,
    "6-8": GradeBand.G68,
    "9-12": GradeBand.G912,
    "K-12": GradeBand.K12,
    "K12": GradeBand.K12,
    "35": GradeBand.G35,
    "68": GradeBand.G68,
    "912": GradeBand.G912,
}


def normalize_grade_band(value: str) -> str | None:
    """Map what people type ("k–2", "K2", "Pre-K") to a GradeBand value, or None."""
    key = value.strip().upper().replace("–", "-").replace("—", "-").replace(" ", "")
    return _GRADE_BAND_ALIASES.get(key)


RosterRowError = LineError


class RosterImportError(LineErrors):
    """The roster file was rejected; `errors` lists every problem with its line number."""

    what = "roster file"


@dataclass
class RosterImportResult:
    schools_created: int = 0
    teachers_created: int = 0
    teachers_updated: int = 0
    teachers_unchanged: int = 0
    rows: int = 0
    new_school_names: list[str] = field(default_factory=list)
    created: list[Teacher] = field(default_factory=list)


@dataclass(frozen=True)
class _RosterRow:
    line: int
    school: str
    first_name: str
    last_name: str
    email: str
    grade_band: str
    subject: str | None  # None when the file has no subject column: keep what is stored


def _read_roster(data: bytes) -> list[_RosterRow]:
    """Parse and validate every row; raise RosterImportError listing all bad lines."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RosterImportError([RosterRowError(0, "The file is not UTF-8 text. Save it as CSV UTF-8.")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise RosterImportError([RosterRowError(0, "The file is empty.")]) from exc
    except csv.Error as exc:
        raise RosterImportError([RosterRowError(1, f"Not a readable CSV header ({exc}).")]) from exc
    columns = [name.strip().lower().replace(" ", "_") for name in header]
    missing = [name for name in ROSTER_REQUIRED if name not in columns]
    if missing:
        raise RosterImportError([RosterRowError(1, f"The header is missing the column(s): {', '.join(missing)}.")])
    index = {name: columns.index(name) for name in ROSTER_COLUMNS if name in columns}

    rows: list[_RosterRow] = []
    errors: list[RosterRowError] = []
    first_line_of_email: dict[str, int] = {}
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RosterRowError(reader.line_num, f"not readable as CSV ({exc})."))
            break
        line = reader.line_num
        if not any(cell.strip() for cell in raw):
            continue  # blank lines are harmless
        if len(rows) + len(errors) >= ROSTER_MAX_ROWS:
            errors.append(RosterRowError(line, f"the file has more than {ROSTER_MAX_ROWS:,} rows."))
            break

        def cell(name: str, raw: list[str] = raw) -> str:
            position = index.get(name)
            return raw[position].strip() if position is not None and position < len(raw) else ""

        problems: list[str] = []
        values = {name: cell(name) for name in ROSTER_COLUMNS}
        for name in ROSTER_REQUIRED:
            if not values[name]:
                problems.append(f"{name} is missing")
        email = values["email"].lower()
        if len(email) > EMAIL_MAX_LENGTH:
            problems.append(f"email is longer than {EMAIL_MAX_LENGTH} characters")
        elif email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(f"“{values['email']}” is not a valid email address")
            else:
                if email in first_line_of_email:
                    problems.append(f"duplicate email {email} (first seen on line {first_line_of_email[email]})")
                else:
                    first_line_of_email[email] = line
        grade_band = normalize_grade_band(values["grade_band"]) if values["grade_band"] else None
        if values["grade_band"] and grade_band is None:
            allowed = ", ".join(GradeBand.values)
            problems.append(f"unknown grade band “{values['grade_band']}” (use one of {allowed})")
        for name, limit in (("school", 200), ("first_name", 100), ("last_name", 100), ("subject", 100)):
            if len(values[name]) > limit:
                problems.append(f"{name} is longer than {limit} characters")
        if problems:
            errors.append(RosterRowError(line, "; ".join(problems) + "."))
            continue
        rows.append(
            _RosterRow(
                line=line,
                school=values["school"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                email=email,
                grade_band=grade_band or "",
                subject=values["subject"] if "subject" in index else None,
            )
        )
    if errors:
        raise RosterImportError(errors)
    if not rows:
        raise RosterImportError([RosterRowError(0, "The file has a header but no rows.")])
    return rows


def roster_import(*, district: District, data: bytes) -> RosterImportResult:
    """Create or update a district's schools and teachers from CSV bytes, all or nothing.

    Teachers are matched by email within the district, so a re-import updates them.
    Any bad row rejects the whole file (RosterImportError) and nothing is written.
    """
    rows = _read_roster(data)
    result = RosterImportResult(rows=len(rows))
    with transaction.atomic():
        schools = {school.name.lower(): school for school in School.objects.filter(district=district)}
        new_names: dict[str, str] = {}
        for row in rows:
            if row.school.lower() not in schools:
                new_names.setdefault(row.school.lower(), row.school)
        if new_names:
            School.objects.bulk_create(School(district=district, name=name) for name in new_names.values())
            schools = {school.name.lower(): school for school in School.objects.filter(district=district)}
            result.schools_created = len(new_names)
            result.new_school_names = sorted(new_names.values())

        existing = {t.email.lower(): t for t in Teacher.objects.filter(district=district)}
        to_create: list[Teacher] = []
        to_update: list[Teacher] = []
        fields = ("school", "first_name", "last_name", "grade_band", "subject", "active")
        for row in rows:
            school = schools[row.school.lower()]
            teacher = existing.get(row.email)
            if teacher is None:
                to_create.append(
                    Teacher(
                        district=district,
                        school=school,
                        first_name=row.first_name,
                        last_name=row.last_name,
                        email=row.email,
                        grade_band=row.grade_band,
                        subject=row.subject or "",
                    )
                )
                continue
            before = tuple(getattr(teacher, f) for f in fields)
            teacher.school = school
            teacher.first_name = row.first_name
            teacher.last_name = row.last_name
            teacher.grade_band = row.grade_band
            if row.subject is not None:
                teacher.subject = row.subject
            teacher.active = True  # appearing on a roster again re-activates a teacher
            if tuple(getattr(teacher, f) for f in fields) != before:
                to_update.append(teacher)
            else:
                result.teachers_unchanged += 1
        result.created = Teacher.objects.bulk_create(to_create, batch_size=1000)
        Teacher.objects.bulk_update(to_update, fields, batch_size=1000)
        result.teachers_created = len(to_create)
        result.teachers_updated = len(to_update)
    return result
