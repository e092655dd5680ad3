"""Import a OneRoster 1.1 or 1.2 CSV bundle (a zip) as the site administrator: every district of the
bundle, matched by sourcedId or name, or created; or only one district with --district."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from teachers.models import District
from teachers.oneroster import OneRosterError, import_summary, oneroster_import


class Command(BaseCommand):
    help = "Import districts, schools and teachers from a OneRoster CSV bundle (zip), all or nothing."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("bundle", type=Path, help="The OneRoster zip.")
        parser.add_argument("--district", type=int, help="Import only this district (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["bundle"]
        district = None
        if options["district"] is not None:
            district = District.objects.filter(pk=options["district"]).first()
            if district is None:
                raise CommandError(f"No district with id {options['district']}.")
        try:
            result = oneroster_import(data=path.read_bytes(), district=district)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except OneRosterError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(f"  {error}" for error in exc.errors)) from exc
        self.stdout.write(import_summary(district, result))
