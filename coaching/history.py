"""Bringing history in: a coach's past time log (or a program's, with a coach per row) from CSV.

Two steps. `history_read` parses an upload into rows, kept server-side in a HistoryUpload; then
`history_check` resolves every row against lookups fetched once (districts, schools, teachers,
activities, focus areas, contracts, the minutes already logged each day, the fingerprints already
imported) and applies the rules `services._validate_entry` applies to a logged entry; and
`history_import` checks again under a lock and writes everything with bulk inserts, all or nothing.

Unknown activity names are not errors: the preview asks which activity each one is (`mapping`).
Each row has a fingerprint (coach, date, minutes, district, school, activity, focus area,
teachers, notes, and its occurrence among identical rows), so the same file imported twice adds
nothing the second time.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, Sum
from django.db.models.functions import Lower
from django.utils import timezone

from teachers.models import District, School, Teacher, User
from toolkit.line_errors import LineError, LineErrors
from toolkit.schoolyear import school_year_label, school_year_of

from .changes import Place, entry_changes_record
from .models import (
    LOCKED_MONTH_STATUSES,
    MAX_DAY_MINUTES,
    MAX_ENTRY_MINUTES,
    Activity,
    ActivityKind,
    Coach,
    CoachMonth,
    Contract,
    FocusArea,
    HistoryUpload,
    ImportedEntry,
    LogEntry,
)

HISTORY_COLUMNS = ("date", "minutes", "district", "school", "activity", "focus_area", "teacher_emails", "notes")
HISTORY_REQUIRED = ("date", "minutes", "district", "activity")
PROGRAM_COLUMN = "coach_email"
HISTORY_MAX_BYTES = 5 * 1024 * 1024
HISTORY_MAX_ROWS = 20_000
HISTORY_UPLOAD_HOURS = 24
NOTES_MAX_LENGTH = 5000
PREVIEW_ROWS = 10
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")

Row = tuple[int, dict[str, str]]  # (line number, {column: cell})


HistoryRowError = LineError


class HistoryImportError(LineErrors):
    """The history file was rejected; `errors` lists every problem with its line number."""

    what = "history file"


def history_columns(*, program_wide: bool) -> tuple[str, ...]:
    return (*HISTORY_COLUMNS, PROGRAM_COLUMN) if program_wide else HISTORY_COLUMNS


def history_read(data: bytes, *, program_wide: bool) -> list[Row]:
    """Parse CSV bytes (UTF-8 with or without BOM, spreadsheet quoting) into rows with their line
    numbers; raise HistoryImportError for a file that cannot be read at all."""
    if len(data) > HISTORY_MAX_BYTES:
        raise HistoryImportError([HistoryRowError(0, "The file is larger than 5 MB. Split it by school year.")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise HistoryImportError([HistoryRowError(0, "The file is not UTF-8 text. Save it as CSV UTF-8.")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration as exc:
        raise HistoryImportError([HistoryRowError(0, "The file is empty.")]) from exc
    except csv.Error as exc:
        raise HistoryImportError([HistoryRowError(1, f"Not a readable CSV header ({exc}).")]) from exc
    names = [name.strip().lower().replace(" ", "_") for name in header]
    required = (*HISTORY_REQUIRED, PROGRAM_COLUMN) if program_wide else HISTORY_REQUIRED
    missing = [name for name in required if name not in names]
    if missing:
        raise HistoryImportError([HistoryRowError(1, f"The header is missing the column(s): {', '.join(missing)}.")])
    index = {name: names.index(name) for name in history_columns(program_wide=program_wide) if name in names}
    rows: list[Row] = []
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise HistoryImportError([HistoryRowError(reader.line_num, f"not readable as CSV ({exc}).")]) from exc
        if not any(cell.strip() for cell in raw):
            continue
        if len(rows) >= HISTORY_MAX_ROWS:
            message = f"The file has more than {HISTORY_MAX_ROWS:,} rows. Split it by school year."
            raise HistoryImportError([HistoryRowError(0, message)])
        rows.append((reader.line_num, {name: raw[i].strip() if i < len(raw) else "" for name, i in index.items()}))
    if not rows:
        raise HistoryImportError([HistoryRowError(0, "The file has a header but no rows.")])
    return rows


# --------------------------------------------------------------------------- the upload, kept


def history_upload_save(*, owner: User, program_wide: bool, filename: str, rows: list[Row]) -> HistoryUpload:
    """Keep the parsed rows for the preview and the import; a new upload replaces the last."""
    HistoryUpload.objects.filter(owner=owner).delete()
    return HistoryUpload.objects.create(owner=owner, program_wide=program_wide, filename=filename[:200],
                                        rows=[[line, cells] for line, cells in rows])  # fmt: skip


def history_upload_get(*, owner: User) -> HistoryUpload | None:
    """The person's pending upload, or None (an expired one is removed)."""
    cutoff = timezone.now() - dt.timedelta(hours=HISTORY_UPLOAD_HOURS)
    HistoryUpload.objects.filter(owner=owner, created_at__lt=cutoff).delete()
    return HistoryUpload.objects.filter(owner=owner).first()


def history_upload_discard(*, owner: User) -> None:
    HistoryUpload.objects.filter(owner=owner).delete()


def upload_rows(upload: HistoryUpload) -> list[Row]:
    return [(int(line), {str(k): str(v) for k, v in cells.items()}) for line, cells in upload.rows]


# --------------------------------------------------------------------------- checking


@dataclass
class PlannedEntry:
    line: int
    coach: Coach
    date: dt.date
    minutes: int
    district: District
    school: School | None
    teachers: list[Teacher]
    activity: Activity | None  # None until an unknown name is mapped
    activity_name: str
    focus_area: FocusArea | None
    notes: str
    fingerprint: str = ""


@dataclass
class HistoryCheck:
    rows: int = 0
    errors: list[HistoryRowError] = field(default_factory=list)
    planned: list[PlannedEntry] = field(default_factory=list)
    already_imported: int = 0
    unknown_activities: list[str] = field(default_factory=list)  # as first written in the file
    activities: list[Activity] = field(default_factory=list)  # what an unknown name may be mapped to

    @property
    def new_minutes(self) -> int:
        return sum(p.minutes for p in self.planned)

    def totals(self) -> list[tuple[str, str, int, int]]:
        """(district, month "2024-09", entries, minutes) of the rows to import, in order."""
        sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for p in self.planned:
            cell = sums[(p.district.name, f"{p.date:%Y-%m}")]
            cell[0] += 1
            cell[1] += p.minutes
        return [(d, m, n, minutes) for (d, m), (n, minutes) in sorted(sums.items())]

    def first(self) -> list[PlannedEntry]:
        return self.planned[:PREVIEW_ROWS]


def _parse_date(value: str) -> dt.date | None:
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, pattern).date()  # a calendar date, no time
        except ValueError:
            continue
    return None


def _parse_minutes(value: str) -> int | None:
    try:
        number = float(value)
    except ValueError:
        return None
    if number != int(number):
        return None
    return int(number)


def _fingerprint(p: PlannedEntry, occurrence: int) -> str:
    teachers = ",".join(str(pk) for pk in sorted(t.pk for t in p.teachers))
    school = p.school.pk if p.school else ""
    focus_area = p.focus_area.pk if p.focus_area else ""
    parts = [p.coach.pk, p.date.isoformat(), p.minutes, p.district.pk, school, p.activity_name.lower(), focus_area,
             teachers, p.notes, occurrence]  # fmt: skip
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


class _Lookups:
    """Everything the rules read, fetched once for the whole file."""

    def __init__(self, coaches: list[Coach], rows: list[Row]) -> None:
        self.coaches = coaches
        self.coach_by_email = {c.user.email.lower(): c for c in coaches if c.user.email}
        programs = {c.program_id for c in coaches}
        contracts = list(
            Contract.objects.filter(program_id__in=programs).select_related("district").prefetch_related("coaches")
        )
        # (coach, district, school year) a coach may log time for: contracts_served_by, in memory.
        self.served: set[tuple[int, int, int]] = set()
        districts: dict[int, District] = {}
        for contract in contracts:
            assigned = {c.pk for c in contract.coaches.all()}
            for coach in coaches:
                if coach.program_id == contract.program_id and (not assigned or coach.pk in assigned):
                    self.served.add((coach.pk, contract.district_id, contract.school_year))
                    districts[contract.district_id] = contract.district
        # A coach's districts: those of any of their contracts, in any year.
        self.districts_of: dict[int, dict[str, District]] = defaultdict(dict)
        for coach_id, district_id, _year in self.served:
            district = districts[district_id]
            self.districts_of[coach_id][district.name.strip().lower()] = district
        self.schools = {
            (s.district_id, s.name.strip().lower()): s for s in School.objects.filter(district_id__in=districts)
        }
        emails = {
            e.strip().lower() for _, cells in rows for e in cells.get("teacher_emails", "").split(";") if e.strip()
        }
        self.teachers: dict[str, list[Teacher]] = defaultdict(list)
        if emails:
            found = Teacher.objects.annotate(lower_email=Lower("email")).filter(district_id__in=districts,
                                                                                 lower_email__in=emails)  # fmt: skip
            for teacher in found:
                self.teachers[teacher.email.lower()].append(teacher)
        self.activities: dict[int, dict[str, Activity]] = {}
        self.focus_areas: dict[int, dict[str, FocusArea]] = {}
        for program_id in programs:
            self.activities[program_id] = {
                a.name.strip().lower(): a
                for a in Activity.objects.filter(Q(program__isnull=True) | Q(program_id=program_id), active=True)
            }
            self.focus_areas[program_id] = {
                f.name.strip().lower(): f
                for f in FocusArea.objects.filter(Q(program__isnull=True) | Q(program_id=program_id), active=True)
            }
        coach_ids = [c.pk for c in coaches]
        self.fingerprints = set(
            ImportedEntry.objects.filter(coach_id__in=coach_ids).values_list("coach_id", "fingerprint")
        )
        # Months submitted or approved keep their entries as they are: no row may land in one.
        self.locked_months: dict[tuple[int, dt.date], str] = {
            (coach_id, month): status
            for coach_id, month, status in CoachMonth.objects.filter(
                coach_id__in=coach_ids, status__in=LOCKED_MONTH_STATUSES
            ).values_list("coach_id", "month", "status")
        }
        dates = [d for d in (_parse_date(cells.get("date", "")) for _, cells in rows) if d is not None]
        self.day_minutes: dict[tuple[int, dt.date], int] = {}
        if dates:
            logged = (
                LogEntry.objects.filter(coach_id__in=coach_ids, date__gte=min(dates), date__lte=max(dates))
                .order_by()
                .values_list("coach_id", "date")
                .annotate(total=Sum("minutes"))
            )
            self.day_minutes = {(coach_id, day): total for coach_id, day, total in logged}


def _activity_choices(lookups: _Lookups) -> list[Activity]:
    """Activities every coach of the file may use (a director of two programs: the shared ones)."""
    lists = list(lookups.activities.values())
    common = set(lists[0]) if lists else set()
    for names in lists[1:]:
        common &= set(names)
    chosen = [lists[0][name] for name in common] if lists else []
    return sorted(chosen, key=lambda a: (a.kind, a.position, a.name))


def history_check(
    *, rows: list[Row], coaches: Iterable[Coach], program_wide: bool, mapping: Mapping[str, int] | None = None
) -> HistoryCheck:
    """Resolve and check every row, in memory; `mapping` maps an unknown activity name (lower
    case) to an activity id. Errors name the line; nothing is written."""
    coach_list = list(coaches)
    lookups = _Lookups(coach_list, rows)
    check = HistoryCheck(rows=len(rows), activities=_activity_choices(lookups))
    today = timezone.localdate()
    unknown: dict[str, str] = {}
    occurrences: Counter[tuple[int, str]] = Counter()
    day_minutes = dict(lookups.day_minutes)
    for line, cells in rows:
        problems: list[str] = []
        for name in HISTORY_REQUIRED:
            if not cells.get(name):
                problems.append(f"{name} is missing")
        coach: Coach | None
        if program_wide:
            email = cells.get(PROGRAM_COLUMN, "").lower()
            coach = lookups.coach_by_email.get(email)
            if not email:
                problems.append("coach_email is missing")
            elif coach is None:
                problems.append(f"no coach of your program has the email “{cells.get(PROGRAM_COLUMN)}”")
        else:
            coach = coach_list[0] if coach_list else None
        date = _parse_date(cells.get("date", ""))
        if cells.get("date") and date is None:
            problems.append(f"“{cells['date']}” is not a date (use YYYY-MM-DD)")
        elif date is not None and date > today:
            problems.append("the date cannot be in the future")
        minutes = _parse_minutes(cells.get("minutes", ""))
        if cells.get("minutes") and (minutes is None or not 1 <= minutes <= MAX_ENTRY_MINUTES):
            problems.append(f"minutes “{cells['minutes']}”: enter between 1 and {MAX_ENTRY_MINUTES} minutes")
            minutes = None
        notes = cells.get("notes", "")
        if len(notes) > NOTES_MAX_LENGTH:
            problems.append(f"notes are longer than {NOTES_MAX_LENGTH:,} characters")
        if coach is None:
            if problems:
                check.errors.append(HistoryRowError(line, "; ".join(problems) + "."))
            continue
        district = lookups.districts_of[coach.pk].get(cells.get("district", "").lower())
        whose = "your" if not program_wide else f"{coach}'s"
        if cells.get("district") and district is None:
            problems.append(f"unknown district “{cells['district']}” (not one of {whose} districts)")
        elif district is not None and date is not None:
            year = school_year_of(date)
            if (coach.pk, district.pk, year) not in lookups.served:
                problems.append(f"{district} is not on one of {whose} contracts for the {school_year_label(year)} "
                                "school year")  # fmt: skip
        school = None
        if district is not None and cells.get("school"):
            school = lookups.schools.get((district.pk, cells["school"].lower()))
            if school is None:
                problems.append(f"unknown school “{cells['school']}” in {district}")
        teachers: list[Teacher] = []
        if district is not None:
            outsiders: list[str] = []
            for raw_email in cells.get("teacher_emails", "").split(";"):
                email = raw_email.strip().lower()
                if not email:
                    continue
                known = lookups.teachers.get(email, [])
                mine = [t for t in known if t.district_id == district.pk]
                if mine:
                    if mine[0] not in teachers:
                        teachers.append(mine[0])
                elif known:
                    outsiders.append(known[0].full_name)
                else:
                    problems.append(f"unknown teacher “{raw_email.strip()}”")
            if outsiders:
                problems.append(f"not on the {district} roster: {', '.join(outsiders)}")
        activities = lookups.activities[coach.program_id]
        activity_name = cells.get("activity", "")
        activity = activities.get(activity_name.lower())
        if activity is None and activity_name:
            unknown.setdefault(activity_name.lower(), activity_name)
            if mapping is not None and activity_name.lower() in mapping:
                chosen = mapping[activity_name.lower()]
                activity = next((a for a in activities.values() if a.pk == chosen), None)
                if activity is None:
                    problems.append(f"choose an activity from the list for “{activity_name}”")
            elif mapping is not None:
                problems.append(f"say which activity “{activity_name}” is")
        focus_area = None
        if cells.get("focus_area"):
            focus_area = lookups.focus_areas[coach.program_id].get(cells["focus_area"].lower())
            if focus_area is None:
                problems.append(f"unknown focus area “{cells['focus_area']}”")
        elif activity is not None and activity.kind == ActivityKind.COACHING:
            problems.append(f"choose what this coaching time was about (focus_area is required for {activity})")
        if problems or district is None or date is None or minutes is None:
            check.errors.append(HistoryRowError(line, "; ".join(problems) + "."))
            continue
        planned = PlannedEntry(line=line, coach=coach, date=date, minutes=minutes, district=district, school=school,
                               teachers=teachers, activity=activity, activity_name=activity_name,
                               focus_area=focus_area, notes=notes)  # fmt: skip
        base = _fingerprint(planned, 0)
        occurrences[(coach.pk, base)] += 1
        planned.fingerprint = _fingerprint(planned, occurrences[(coach.pk, base)] - 1)
        if (coach.pk, planned.fingerprint) in lookups.fingerprints:
            check.already_imported += 1
            continue
        locked = lookups.locked_months.get((coach.pk, date.replace(day=1)))
        if locked is not None:
            of_coach = "" if not program_wide else f" for {coach}"
            check.errors.append(HistoryRowError(line, (
                f"{date:%B %Y} is {locked}{of_coach}, so its entries are locked; nothing can be added to it "
                "unless the program director returns or reopens it."
            )))  # fmt: skip
            continue
        logged = day_minutes.get((coach.pk, date), 0)
        if logged + minutes > MAX_DAY_MINUTES:
            total = logged + minutes
            check.errors.append(HistoryRowError(line, (
                f"that makes {total / 60:.1f} hours on {date:%b} {date.day}, {date.year}; a day cannot exceed "
                f"{MAX_DAY_MINUTES // 60} hours ({logged / 60:.1f} hours are already logged or earlier in the file)."
            )))  # fmt: skip
            continue
        day_minutes[(coach.pk, date)] = logged + minutes
        check.planned.append(planned)
    check.unknown_activities = list(unknown.values())
    return check


# --------------------------------------------------------------------------- importing


@dataclass
class HistoryImportResult:
    created: int
    already_imported: int
    minutes: int


def history_import(
    *, upload: HistoryUpload, coaches: Iterable[Coach], mapping: Mapping[str, int]
) -> HistoryImportResult:
    """Check the kept rows again (under a lock on each coach, as logging time takes) and write
    every new entry, its teachers and its fingerprint; all or nothing. Raises HistoryImportError."""
    with transaction.atomic():
        coach_list = list(Coach.objects.select_for_update().filter(pk__in=[c.pk for c in coaches])
                          .select_related("user").order_by("pk"))  # fmt: skip
        check = history_check(rows=upload_rows(upload), coaches=coach_list, program_wide=upload.program_wide,
                              mapping=mapping)  # fmt: skip
        if check.errors:
            raise HistoryImportError(check.errors)
        entries = [
            LogEntry(coach=p.coach, program_id=p.coach.program_id, date=p.date, school_year=school_year_of(p.date),
                     minutes=p.minutes, district=p.district, school=p.school, activity=p.activity,
                     focus_area=p.focus_area, notes=p.notes)
            for p in check.planned
        ]  # fmt: skip
        LogEntry.objects.bulk_create(entries, batch_size=2000)
        links = LogEntry.teachers.through
        LogEntry.teachers.through.objects.bulk_create(
            (links(logentry_id=entry.pk, teacher_id=t.pk) for entry, p in zip(entries, check.planned, strict=True)
             for t in p.teachers),
            batch_size=5000,
        )  # fmt: skip
        ImportedEntry.objects.bulk_create(
            (ImportedEntry(entry=entry, coach=p.coach, fingerprint=p.fingerprint)
             for entry, p in zip(entries, check.planned, strict=True)),
            batch_size=5000,
        )  # fmt: skip
        # Bulk inserts send no signals: tell the reports which entries changed, as a save would.
        places: set[Place] = {(e.pk, e.coach_id, e.program_id, e.district_id, e.school_id, e.date) for e in entries}
        entry_changes_record(places)
        upload.delete()
    return HistoryImportResult(created=len(entries), already_imported=check.already_imported,
                               minutes=check.new_minutes)  # fmt: skip
