"""OneRoster 1.1 and 1.2 CSV bundles: districts and schools from `orgs.csv`, teachers from `users.csv`
(with `roles.csv` in 1.2, and `enrollments.csv` for a teacher's school when their own orgs name only
the district), grade bands from their grades. The whole bundle is read and checked first; every
problem is reported by file and line, and nothing is written unless there are none. A re-import
matches districts, schools and teachers by `sourcedId`, so renames and moves update in place.

Fulcrum keeps teachers, not students or classes: other users, `classes.csv` and the rest of a
bundle are read past. Students' enrollment counts, if wanted, come from the schools' own figures.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from toolkit.line_errors import LineError, LineErrors

from .models import District, GradeBand, School, Teacher
from .services import EMAIL_MAX_LENGTH, RosterImportResult

VERSIONS = ("1.1", "1.2")
MAX_MEMBERS = 40
MEMBER_MAX_BYTES = 60 * 1024 * 1024  # one unzipped file
BUNDLE_UNZIPPED_MAX_BYTES = 150 * 1024 * 1024  # all of them
MAX_ROWS = 200_000  # per file
MAX_ORG_DEPTH = 10  # school → … → district

# CEDS grade codes, as OneRoster uses them, to Fulcrum's grade bands. PS (postsecondary), UG
# (ungraded) and Other say nothing of a band.
GRADE_BANDS = {
    "IT": GradeBand.PK,
    "PR": GradeBand.PK,
    "PK": GradeBand.PK,
    "TK": GradeBand.PK,
    "KG": GradeBand.K2,
    "01": GradeBand.K2,
    "02": GradeBand.K2,
    "03": GradeBand.G35,
    "04": GradeBand.G35,
    "05": GradeBand.G35,
    "06": GradeBand.G68,
    "07": GradeBand.G68,
    "08": GradeBand.G68,
    "09": GradeBand.G912,
    "10": GradeBand.G912,
    "11": GradeBand.G912,
    "12": GradeBand.G912,
    "13": GradeBand.G912,
}
NO_BAND_GRADES = {"PS", "UG", "OTHER", ""}


class OneRosterError(LineErrors):
    """The bundle was rejected; `errors` lists every problem with its file and line."""

    what = "OneRoster bundle"


@dataclass
class OneRosterResult(RosterImportResult):
    districts_created: int = 0
    teachers_deactivated: int = 0
    teachers_elsewhere: int = 0  # teachers of the bundle's other districts, left alone
    version: str = ""
    school_years: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Org:
    line: int
    sourced_id: str
    name: str
    type: str
    parent: str
    deleted: bool


@dataclass
class _Person:
    line: int
    sourced_id: str
    given: str
    family: str
    email: str
    grades: list[str]
    orgs: list[str]  # in the order they name the person's orgs, the primary one first
    active: bool
    deleted: bool
    teacher: bool


def import_summary(district: District | None, result: RosterImportResult) -> str:
    """What an import did, in one sentence for the page or the command."""
    where = f"{district}: " if district is not None else ""
    if not isinstance(result, OneRosterResult):
        return (
            f"{where}{result.rows} rows imported — {result.teachers_created} teachers added, "
            f"{result.teachers_updated} updated, {result.teachers_unchanged} unchanged, "
            f"{result.schools_created} new schools."
        )
    text = (
        f"{where}{result.rows} teachers read — {result.teachers_created} added, {result.teachers_updated} "
        f"updated, {result.teachers_unchanged} unchanged, {result.schools_created} new schools"
    )
    text += f", {result.teachers_deactivated} deactivated"
    if result.districts_created:
        text += f", {result.districts_created} new districts"
    if result.teachers_elsewhere:
        text += f"; {result.teachers_elsewhere} teachers of the bundle's other districts left alone"
    years = f", school year {', '.join(result.school_years)}" if result.school_years else ""
    return f"{text} (OneRoster {result.version}{years})."


def is_bundle(data: bytes) -> bool:
    """A zip file (a OneRoster bundle), rather than a CSV."""
    return data[:4] == b"PK\x03\x04"


def _list(value: str) -> list[str]:
    """OneRoster's lists are comma-separated inside one (quoted) cell."""
    return [part.strip() for part in value.split(",") if part.strip()]


def _band(grades: Iterable[str]) -> str | None:
    bands = {GRADE_BANDS[g.upper()] for g in grades if g.upper() in GRADE_BANDS}
    if not bands:
        return None
    return bands.pop() if len(bands) == 1 else GradeBand.K12


class _Reader:
    """Reads a bundle's members, collecting every problem rather than stopping at the first."""

    def __init__(self, data: bytes) -> None:
        self.errors: list[LineError] = []
        self.members: dict[str, bytes] = {}
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise OneRosterError([LineError(0, "The file is not a readable zip file.")]) from exc
        with archive:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            if len(infos) > MAX_MEMBERS:
                raise OneRosterError(
                    [LineError(0, f"The zip holds {len(infos)} files; a bundle has at most {MAX_MEMBERS}.")]
                )
            if sum(info.file_size for info in infos) > BUNDLE_UNZIPPED_MAX_BYTES:
                raise OneRosterError([LineError(0, "The bundle is larger than 150 MB unzipped.")])
            for info in infos:
                name = info.filename.rsplit("/", 1)[-1]
                if not name.lower().endswith(".csv") or name.startswith("."):
                    continue
                key = name.lower()
                if key in self.members:
                    self.errors.append(LineError(0, "the zip holds this file twice.", file=name))
                    continue
                with archive.open(info) as member:
                    content = member.read(MEMBER_MAX_BYTES + 1)  # a size the header understates is caught
                if len(content) > MEMBER_MAX_BYTES:
                    self.errors.append(LineError(0, "larger than 60 MB unzipped.", file=name))
                    continue
                self.members[key] = content

    def rows(self, name: str, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
        """Each data row of a member as {lower-case column: value} with its line number."""
        data = self.members.get(name.lower())
        if data is None:
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.errors.append(LineError(0, "not UTF-8 text.", file=name))
            return
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [column.strip().lower() for column in next(reader)]
        except StopIteration:
            self.errors.append(LineError(0, "the file is empty.", file=name))
            return
        except csv.Error as exc:
            self.errors.append(LineError(1, f"not a readable CSV header ({exc}).", file=name))
            return
        missing = [column for column in required if column.lower() not in header]
        if missing:
            self.errors.append(LineError(1, f"the header is missing the column(s): {', '.join(missing)}.", file=name))
            return
        count = 0
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                self.errors.append(LineError(reader.line_num, f"not readable as CSV ({exc}).", file=name))
                return
            if not any(cell.strip() for cell in raw):
                continue
            count += 1
            if count > MAX_ROWS:
                self.errors.append(LineError(reader.line_num, f"more than {MAX_ROWS:,} rows.", file=name))
                return
            if len(raw) > len(header):
                self.errors.append(
                    LineError(
                        reader.line_num,
                        f"{len(raw)} cells for {len(header)} columns (a comma inside a value needs quotes).",
                        file=name,
                    )
                )
                continue
            yield reader.line_num, {column: (raw[i].strip() if i < len(raw) else "") for i, column in enumerate(header)}

    def fail(self, line: int, message: str, file: str) -> None:
        self.errors.append(LineError(line, message, file=file))


@dataclass
class _Bundle:
    version: str
    orgs: dict[str, _Org]
    people: list[_Person]
    school_years: list[str]


def _status(reader: _Reader, line: int, row: dict[str, str], file: str) -> bool | None:
    """Whether the row is marked `tobedeleted` (None: an unknown status, reported)."""
    status = row.get("status", "").lower()
    if status in ("", "active"):
        return False
    if status == "tobedeleted":
        return True
    reader.fail(line, f"unknown status “{row.get('status')}” (use active or tobedeleted).", file)
    return None


def _read(data: bytes) -> _Bundle:
    reader = _Reader(data)
    manifest: dict[str, str] = {}
    if "manifest.csv" not in reader.members:
        reader.fail(0, "the bundle has no manifest.csv.", "manifest.csv")
    for _line, row in reader.rows("manifest.csv", ("propertyName", "value")):
        manifest[row["propertyname"]] = row["value"]
    version = manifest.get("oneroster.version", "")
    if "manifest.csv" in reader.members and version not in VERSIONS:
        reader.fail(0, f"oneroster.version is “{version}”; Fulcrum reads {' and '.join(VERSIONS)}.", "manifest.csv")
    for name in ("orgs", "users"):
        mode = manifest.get(f"file.{name}", "").lower()
        if manifest and mode == "absent":
            reader.fail(0, f"file.{name} is absent, but a roster needs {name}.csv.", "manifest.csv")
    for key, mode in manifest.items():
        file = f"{key.removeprefix('file.')}.csv"
        if key.startswith("file.") and mode.lower() in ("bulk", "delta") and file.lower() not in reader.members:
            reader.fail(0, f"{key} is {mode}, but the zip has no {file}.", "manifest.csv")
    for name in ("orgs", "users"):
        if f"{name}.csv" not in reader.members and manifest.get(f"file.{name}", "").lower() not in ("bulk", "delta"):
            reader.fail(0, "missing from the bundle.", f"{name}.csv")

    orgs: dict[str, _Org] = {}
    for line, row in reader.rows("orgs.csv", ("sourcedId", "name", "type", "parentSourcedId")):
        deleted = _status(reader, line, row, "orgs.csv")
        problems = [f"{column} is missing" for column in ("sourcedid", "name", "type") if not row[column]]
        if row["sourcedid"] in orgs:
            problems.append(f"sourcedId {row['sourcedid']} is used on line {orgs[row['sourcedid']].line} too")
        if len(row["name"]) > 200:
            problems.append("name is longer than 200 characters")
        if problems:
            reader.fail(line, "; ".join(problems) + ".", "orgs.csv")
        elif deleted is not None:
            orgs[row["sourcedid"]] = _Org(
                line, row["sourcedid"], row["name"], row["type"].lower(), row["parentsourcedid"], deleted
            )

    # 1.2 moved roles out of users.csv; 1.1 has one role per user and its orgs in orgSourcedIds.
    roles: dict[str, list[tuple[bool, str]]] = {}
    if version == "1.2" and "roles.csv" in reader.members:
        for line, row in reader.rows("roles.csv", ("userSourcedId", "roleType", "role", "orgSourcedId")):
            if _status(reader, line, row, "roles.csv") or row["role"].lower() != "teacher":
                continue
            if not row["usersourcedid"] or not row["orgsourcedid"]:
                reader.fail(line, "userSourcedId and orgSourcedId are needed.", "roles.csv")
                continue
            primary = row["roletype"].lower() == "primary"
            roles.setdefault(row["usersourcedid"], []).append((not primary, row["orgsourcedid"]))
    enrolled_at: dict[str, list[str]] = {}
    for line, row in reader.rows("enrollments.csv", ("userSourcedId", "schoolSourcedId", "role")):
        if _status(reader, line, row, "enrollments.csv") or row["role"].lower() != "teacher":
            continue
        if row["schoolsourcedid"]:
            enrolled_at.setdefault(row["usersourcedid"], []).append(row["schoolsourcedid"])
    school_years: set[str] = set()
    for line, row in reader.rows("academicSessions.csv", ("sourcedId", "type", "startDate", "endDate", "schoolYear")):
        try:
            start, end = dt.date.fromisoformat(row["startdate"]), dt.date.fromisoformat(row["enddate"])
        except ValueError:
            reader.fail(line, "startDate and endDate are dates written YYYY-MM-DD.", "academicSessions.csv")
            continue
        if end < start:
            reader.fail(line, "endDate is before startDate.", "academicSessions.csv")
        elif row["type"].lower() == "schoolyear" and row["schoolyear"]:
            school_years.add(row["schoolyear"])

    people: list[_Person] = []
    required = ("sourcedId", "givenName", "familyName", "email", "grades")
    required_11 = ("orgSourcedIds", "role", "enabledUser")
    for line, row in reader.rows("users.csv", required + (required_11 if version != "1.2" else ("enabledUser",))):
        deleted = _status(reader, line, row, "users.csv")
        sourced_id = row["sourcedid"]
        if version == "1.2":
            teacher_orgs = [org for _secondary, org in sorted(roles.get(sourced_id, []))]
            teacher = bool(teacher_orgs) or row.get("role", "").lower() == "teacher"
            orgs_of = [o for o in [row.get("primaryorgsourcedid", ""), *teacher_orgs] if o]
        else:
            teacher = row["role"].lower() == "teacher"
            orgs_of = _list(row["orgsourcedids"])
        if not teacher or deleted is None:
            continue
        people.append(
            _Person(
                line=line,
                sourced_id=sourced_id,
                given=row["givenname"],
                family=row["familyname"],
                email=row["email"].lower(),
                grades=_list(row["grades"]),
                orgs=list(dict.fromkeys([*orgs_of, *enrolled_at.get(sourced_id, [])])),
                active=row["enableduser"].lower() != "false",
                deleted=deleted,
                teacher=True,
            )
        )
    if reader.errors:
        raise OneRosterError(sorted(reader.errors, key=lambda e: (e.file, e.line)))
    return _Bundle(version=version, orgs=orgs, people=people, school_years=sorted(school_years))


def _district_of(org: _Org, orgs: dict[str, _Org], only: _Org | None) -> _Org | None:
    """The district org a school belongs to: up its parents; a bundle with one district holds
    every parentless school."""
    current: _Org | None = org
    for _ in range(MAX_ORG_DEPTH):
        if current is None:
            break
        if current.type == "district":
            return current
        current = orgs.get(current.parent) if current.parent else None
    return only


def oneroster_import(*, data: bytes, district: District | None) -> OneRosterResult:
    """Import a OneRoster bundle, all or nothing.

    With a district (a district administrator's import), the bundle's district org must be that
    district (by sourcedId, or on the first import its only district, or its name) and only its
    schools and teachers are written. Without one (the site administrator's command), every
    district org is matched by sourcedId or name, or created.
    """
    bundle = _read(data)
    errors: list[LineError] = []
    district_orgs = [o for o in bundle.orgs.values() if o.type == "district" and not o.deleted]
    only = district_orgs[0] if len(district_orgs) == 1 else None

    # Which district org goes to which Fulcrum district.
    targets: dict[str, District | None] = {}
    known = {d.sourced_id: d for d in District.objects.filter(sourced_id__in=[o.sourced_id for o in district_orgs])}
    by_name = {d.name.lower(): d for d in District.objects.filter(name__in=[o.name for o in district_orgs])}
    if district is not None:
        chosen = next((o for o in district_orgs if district.sourced_id and o.sourced_id == district.sourced_id), None)
        if chosen is None and not district.sourced_id:
            unclaimed = [o for o in district_orgs if o.sourced_id not in known]
            chosen = next((o for o in unclaimed if o.name.lower() == district.name.lower()), None) or (
                unclaimed[0] if len(unclaimed) == 1 else None
            )
        if chosen is None:
            names = ", ".join(f"{o.name} ({o.sourced_id})" for o in district_orgs) or "none"
            errors.append(
                LineError(0, f"no district in the bundle is {district.name}; its districts: {names}.", file="orgs.csv")
            )
        else:
            targets[chosen.sourced_id] = district
    else:
        for org in district_orgs:
            match = known.get(org.sourced_id) or by_name.get(org.name.lower())
            if match is not None and match.sourced_id and match.sourced_id != org.sourced_id:
                errors.append(
                    LineError(
                        org.line,
                        f"a district named {org.name} is already in Fulcrum with sourcedId {match.sourced_id}.",
                        file="orgs.csv",
                    )
                )
                continue
            targets[org.sourced_id] = match

    schools_of: dict[str, list[_Org]] = {}
    school_district: dict[str, str] = {}
    for org in bundle.orgs.values():
        if org.type != "school":
            continue
        parent = _district_of(org, bundle.orgs, only)
        if parent is None:
            errors.append(
                LineError(
                    org.line,
                    f"school {org.name} has no district among the orgs (parentSourcedId “{org.parent}”).",
                    file="orgs.csv",
                )
            )
            continue
        school_district[org.sourced_id] = parent.sourced_id
        if not org.deleted:
            schools_of.setdefault(parent.sourced_id, []).append(org)

    # Each teacher's school: the first of their orgs that is a school still in the bundle.
    placed: list[tuple[_Person, _Org]] = []
    elsewhere = 0
    first_line_of_email: dict[tuple[str, str], int] = {}
    for person in bundle.people:
        school = next(
            (
                bundle.orgs[o]
                for o in person.orgs
                if o in bundle.orgs and bundle.orgs[o].type == "school" and not bundle.orgs[o].deleted
            ),
            None,
        )
        if school is None:
            if not person.deleted:
                named = ", ".join(person.orgs) or "none"
                errors.append(
                    LineError(
                        person.line,
                        f"teacher {person.given} {person.family} is at no school of orgs.csv (their orgs: {named}).",
                        file="users.csv",
                    )
                )
            continue
        owner = school_district.get(school.sourced_id, "")
        if owner not in targets:
            elsewhere += 1
            continue
        problems = [
            f"{column} is missing"
            for column, value in (
                ("sourcedId", person.sourced_id),
                ("givenName", person.given),
                ("familyName", person.family),
                ("email", person.email),
            )
            if not value
        ]
        if person.email:
            try:
                if len(person.email) > EMAIL_MAX_LENGTH:
                    raise ValidationError("too long")
                validate_email(person.email)
            except ValidationError:
                problems.append(f"“{person.email}” is not a valid email address")
            else:
                key = (owner, person.email)
                if key in first_line_of_email:
                    problems.append(f"duplicate email {person.email} (first seen on line {first_line_of_email[key]})")
                first_line_of_email.setdefault(key, person.line)
        for label, value in (("givenName", person.given), ("familyName", person.family)):
            if len(value) > 100:
                problems.append(f"{label} is longer than 100 characters")
        if problems:
            errors.append(LineError(person.line, "; ".join(problems) + ".", file="users.csv"))
            continue
        placed.append((person, school))
    if errors:
        raise OneRosterError(sorted(errors, key=lambda e: (e.file, e.line)))

    result = OneRosterResult(version=bundle.version, school_years=bundle.school_years, teachers_elsewhere=elsewhere)
    with transaction.atomic():
        for org_id, target in targets.items():
            org = bundle.orgs[org_id]
            if target is None:
                target = District.objects.create(name=org.name, sourced_id=org.sourced_id)
                result.districts_created += 1
            elif not target.sourced_id:
                target.sourced_id = org.sourced_id
                target.save(update_fields=["sourced_id"])
            _write_district(
                target,
                schools_of.get(org_id, []),
                [p for p in placed if school_district[p[1].sourced_id] == org_id],
                result,
            )
    return result


def _write_district(
    district: District, orgs: list[_Org], placed: list[tuple[_Person, _Org]], result: OneRosterResult
) -> None:
    """Schools and teachers of one district, matched by sourcedId, else name or email, else added."""
    errors: list[LineError] = []
    schools = list(School.objects.filter(district=district))
    by_id = {s.sourced_id: s for s in schools if s.sourced_id}
    by_name = {s.name.lower(): s for s in schools}
    renamed: list[School] = []
    for org in orgs:
        school = by_id.get(org.sourced_id)
        if school is None:
            school = by_name.get(org.name.lower())
            if school is not None and school.sourced_id:
                errors.append(
                    LineError(
                        org.line,
                        f"{district.name} already has a school named {org.name} (sourcedId {school.sourced_id}).",
                        file="orgs.csv",
                    )
                )
                continue
            if school is None:
                school = School.objects.create(district=district, name=org.name, sourced_id=org.sourced_id)
                result.schools_created += 1
                result.new_school_names.append(org.name)
                by_name[org.name.lower()] = school
            else:
                school.sourced_id = org.sourced_id
                renamed.append(school)
        elif school.name != org.name:
            clash = by_name.get(org.name.lower())
            if clash is not None and clash.pk != school.pk:
                errors.append(
                    LineError(
                        org.line,
                        f"renaming {school.name} to {org.name} clashes with another school of the district.",
                        file="orgs.csv",
                    )
                )
                continue
            school.name = org.name
            renamed.append(school)
        by_id[org.sourced_id] = school
    School.objects.bulk_update(renamed, ["name", "sourced_id"])

    teachers = list(Teacher.objects.filter(district=district))
    teacher_by_id = {t.sourced_id: t for t in teachers if t.sourced_id}
    teacher_by_email = {t.email.lower(): t for t in teachers}
    to_create: list[Teacher] = []
    to_update: list[Teacher] = []
    fields = ("school", "first_name", "last_name", "email", "grade_band", "active", "sourced_id")
    for person, org in placed:
        teacher = teacher_by_id.get(person.sourced_id)
        if teacher is None:
            teacher = teacher_by_email.get(person.email)
            if teacher is not None and teacher.sourced_id:
                errors.append(
                    LineError(
                        person.line,
                        f"{person.email} is already on the roster as another person (sourcedId {teacher.sourced_id}).",
                        file="users.csv",
                    )
                )
                continue
        else:
            holder = teacher_by_email.get(person.email)
            if holder is not None and holder.pk != teacher.pk:
                errors.append(
                    LineError(
                        person.line,
                        f"{person.email} belongs to another teacher on the roster ({holder.full_name}).",
                        file="users.csv",
                    )
                )
                continue
        school = by_id.get(org.sourced_id)
        if school is None:
            continue  # its school was refused above; the error is reported
        band = _band(person.grades)
        active = person.active and not person.deleted
        if teacher is None:
            if person.deleted:
                continue
            to_create.append(
                Teacher(
                    district=district,
                    school=school,
                    first_name=person.given,
                    last_name=person.family,
                    email=person.email,
                    grade_band=band or GradeBand.K12,
                    active=active,
                    sourced_id=person.sourced_id,
                )
            )
            continue
        before = tuple(getattr(teacher, f) for f in fields)
        if person.deleted:
            teacher.active = False
        else:
            teacher.school, teacher.first_name, teacher.last_name = school, person.given, person.family
            teacher.email, teacher.active = person.email, active
            teacher.grade_band = band or teacher.grade_band
        teacher.sourced_id = person.sourced_id
        if tuple(getattr(teacher, f) for f in fields) == before:
            result.teachers_unchanged += 1
            continue
        if before[fields.index("active")] and not teacher.active:
            result.teachers_deactivated += 1
        else:
            result.teachers_updated += 1
        to_update.append(teacher)
    if errors:
        raise OneRosterError(errors)  # inside the import's transaction: the district's schools go too
    result.created.extend(Teacher.objects.bulk_create(to_create, batch_size=1000))
    Teacher.objects.bulk_update(to_update, list(fields), batch_size=1000)
    result.teachers_created += len(to_create)
    result.rows += len(placed)
