"""Export Fulcrum's data as one zip of JSON and CSV: everything (the site administrator's export),
or what a district administrator may read of their districts (--district, repeatable)."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from programs.portability import export_zip
from teachers.models import District


class Command(BaseCommand):
    help = "Write an export zip (manifest.json, schema.json, data/*.json, csv/*.csv, media/)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("output", type=Path, help="The zip to write.")
        parser.add_argument("--district", type=int, action="append", help="A district administrator's export "
                            "of this district (its id); without it, everything.")  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        districts = None
        if options["district"]:
            districts = list(District.objects.filter(pk__in=options["district"]))
            missing = set(options["district"]) - {d.pk for d in districts}
            if missing:
                raise CommandError(f"No district with id {', '.join(map(str, sorted(missing)))}.")
        path: Path = options["output"]
        with path.open("wb") as out:
            manifest = export_zip(out=out, districts=districts)
        rows = sum(t["rows"] for t in manifest["tables"])
        self.stdout.write(f"{path}: {len(manifest['tables'])} tables, {rows} rows, {len(manifest['media'])} files.")
