"""Build a time-use report from the shell, without a worker:

python manage.py time_use_report --district 3 --from 2026-07-01 --to 2027-06-30 --format csv
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string
from django.utils import timezone

from coaching.models import Coach, Program
from reports.builder import build_figures
from reports.models import ScopeKind
from reports.replica import report_reads
from reports.scopes import Period, Scope
from teachers.models import District, School
from toolkit.schoolyear import school_year_of

MODELS: dict[ScopeKind, type[District | Program | Coach | School]] = {
    ScopeKind.DISTRICT: District,
    ScopeKind.PROGRAM: Program,
    ScopeKind.COACH: Coach,
    ScopeKind.SCHOOL: School,
}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (use YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = "Print (or write) a time-use report for one district, program, coach or school, or everything."

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        for kind in ("district", "program", "coach", "school"):
            scope.add_argument(f"--{kind}", type=int, metavar="ID", help=f"the {kind}'s id")
        scope.add_argument("--all", action="store_true", help="every program and district")
        parser.add_argument("--from", dest="start", help="first day (default: start of this school year)")
        parser.add_argument("--to", dest="end", help="last day (default: end of this school year)")
        parser.add_argument("--format", choices=["csv", "json", "pdf"], default="json")
        parser.add_argument("--output", "-o", help="file to write (default: standard output; required for pdf)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        kind = next((k for k in MODELS if options.get(k)), ScopeKind.ALL)
        pk = 0 if kind == ScopeKind.ALL else options[kind]  # --all is a flag, not an id
        name = "All programs and districts"
        if kind != ScopeKind.ALL:
            row = MODELS[ScopeKind(kind)].objects.filter(pk=pk).first()
            if row is None:
                raise CommandError(f"There is no {kind} with id {pk}.")
            name = str(row)
        default = Period.school_year(school_year_of(today))
        start = _date(options["start"]) if options["start"] else default.start
        end = _date(options["end"]) if options["end"] else default.end
        if start > end:
            raise CommandError("--from must be on or before --to")
        whole_year = Period.school_year(school_year_of(start))
        period = whole_year if (start, end) == (whole_year.start, whole_year.end) else Period.custom(start, end)
        with report_reads() as source:
            figures = build_figures(Scope(kind, pk, name), period, today=today)
        if source.note:
            self.stderr.write(f"Report figures: {source.note}")
        fmt = options["format"]
        if fmt == "pdf":
            self._pdf(figures, options["output"])
            return
        buffer = io.StringIO()
        if fmt == "json":
            json.dump(figures, buffer, indent=2)
            buffer.write("\n")
        else:
            self._csv(figures, buffer)
        if options["output"]:
            with open(options["output"], "w", newline="", encoding="utf-8") as out:
                out.write(buffer.getvalue())
        else:
            self.stdout.write(buffer.getvalue(), ending="")

    def _csv(self, figures: dict[str, Any], out: io.StringIO) -> None:
        """One long table: section, item, minutes, hours, share, so a spreadsheet can pivot it."""
        writer = csv.writer(out)
        writer.writerow(["section", "item", "minutes", "hours", "share_percent"])
        writer.writerow(["summary", "total", figures["total_minutes"], figures["total_hours"], ""])
        for section in ("by_activity", "by_focus", "balance", "by_school", "by_coach", "by_district", "by_program"):
            for row in figures[section]:
                writer.writerow([section.removeprefix("by_"), row["name"], row["minutes"], row["hours"], row["share"]])
        writer.writerow(["summary", "teachers_reached", figures["teachers_reached"], "", ""])
        for key, value in figures["cycles"].items():
            writer.writerow(["cycles", key, value, "", ""])
        for contract in figures["contracts"]:
            writer.writerow(["contract_days_used", f"{contract['district']} · {contract['program']} · "
                             f"{contract['school_year']}", "", contract["used"], contract["percent"]])  # fmt: skip

    def _pdf(self, figures: dict[str, Any], output: str | None) -> None:
        from weasyprint import HTML

        if not output:
            raise CommandError("--format pdf needs --output FILE")
        snapshot = {"built_at": timezone.now()}
        HTML(string=render_to_string("reports/report_pdf.html", {"f": figures, "snapshot": snapshot})).write_pdf(output)
        self.stdout.write(f"Wrote {output}")
