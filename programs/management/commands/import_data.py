"""Load a site administrator's export zip into a fresh Fulcrum (migrated, with no people yet)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from programs.portability import ExportRefused, import_zip


class Command(BaseCommand):
    help = "Load an export made by export_data (without --district) into an empty, migrated Fulcrum."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("export", type=Path, help="The zip export_data wrote.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["export"]
        try:
            with path.open("rb") as data:
                result = import_zip(data)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
        except ExportRefused as exc:
            raise CommandError(f"Nothing was loaded: {exc}") from exc
        self.stdout.write(f"Loaded {result.rows} rows into {result.tables} tables, and {result.files} files.")
