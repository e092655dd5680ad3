"""Leaving with everything: an export of Fulcrum's data as one zip of JSON and CSV, with its schema
and a version, and the import that loads a whole export into a fresh Fulcrum.

The zip holds:

- `manifest.json`: the format and its version, the schema's migrations, when and of what it was
  made, whether it holds confidential content, and each table with its row count and files;
- `schema.json`: every table's columns, their types and what they point at;
- `data/<app>.<model>.json`: the rows, ordered by id, in Django's serialization (`model`, `pk`,
  `fields`; many-to-many fields as sorted lists of ids);
- `csv/<app>.<model>.csv`: the same rows, one column per field (lists joined by `;`);
- `media/<path>`: the uploaded files the rows name (evidence, resources).

A site administrator's export (`scope: site`) holds every row of every table and is what the import
loads. A district administrator's export (`scope: district`) holds what that administrator may read
in Fulcrum and nothing confidential: the district, its schools and roster, its contracts, the time
logged there without its notes or teachers, its report figures, time plans and issued statements.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q, QuerySet
from django.utils import timezone

from coaching.changes import entry_changes_paused
from teachers.models import District

FORMAT = "fulcrum-export"
VERSION = 1
APPS = ("teachers", "coaching", "learning", "cycles", "calendars", "reports", "subscriptions", "programs")
IMPORT_MAX_BYTES = 2 * 1024**3  # unzipped, all members together


class ExportRefused(Exception):
    """An import that cannot go ahead, and why."""


def exported_models() -> list[type[models.Model]]:
    """Every concrete table of Fulcrum's own apps, in the apps' layer order (lowest first)."""
    found: list[type[models.Model]] = []
    for label in APPS:
        found.extend(m for m in apps.get_app_config(label).get_models() if not m._meta.proxy)
    return found


def label_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def schema_of(model: type[models.Model]) -> dict[str, Any]:
    fields: list[dict[str, Any]] = []
    for f in model._meta.concrete_fields:
        entry: dict[str, Any] = {"name": f.name, "column": f.column, "type": f.get_internal_type(), "null": f.null}
        if f.is_relation and f.related_model is not None:
            entry["to"] = label_of(f.related_model)
        if f.choices:
            entry["choices"] = [str(choice[0]) for choice in f.flatchoices]
        fields.append(entry)
    for m2m in model._meta.many_to_many:
        fields.append({"name": m2m.name, "type": "ManyToManyField", "to": label_of(m2m.related_model)})
    return {"table": model._meta.db_table, "doc": (model.__doc__ or "").strip().split("\n")[0], "fields": fields}


def schema_migrations() -> dict[str, str]:
    """The latest migration applied of each app: an export loads only into the same schema."""
    applied = MigrationRecorder(connection).applied_migrations()
    latest: dict[str, str] = {}
    for app, name in sorted(applied):
        if app in APPS:
            latest[app] = max(latest.get(app, ""), name)
    return latest


# A district administrator's export: (model label, the rows, the fields left out). A table not
# listed is not in it; a test keeps every table of the apps decided, one way or the other.
Rows = Callable[[list[int]], QuerySet[Any]]


@dataclass(frozen=True)
class Part:
    label: str
    rows: Rows
    omit: tuple[str, ...] = ()


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _district_parts() -> list[Part]:
    def by(label: str, lookup: str) -> Rows:
        return lambda ids: _model(label)._base_manager.filter(**{f"{lookup}__in": ids})

    return [
        Part("teachers.district", by("teachers.district", "pk")),
        Part("teachers.school", by("teachers.school", "district")),
        Part("teachers.teacher", by("teachers.teacher", "district"), omit=("user",)),
        Part("coaching.program", lambda ids: _model("coaching.program")._base_manager.filter(
            Q(contracts__district__in=ids) | Q(entries__district__in=ids)).distinct(),
            omit=("directors",)),
        Part("coaching.contract", by("coaching.contract", "district")),
        # The built-in lists, and a program's own items only where the district's time uses them:
        # another program's private list is not the district's to read.
        Part("coaching.activity", lambda ids: _model("coaching.activity")._base_manager.filter(
            Q(program=None) | Q(entries__district__in=ids)).distinct()),
        Part("coaching.focusarea", lambda ids: _model("coaching.focusarea")._base_manager.filter(
            Q(program=None) | Q(entries__district__in=ids)).distinct()),
        Part("coaching.logentry", by("coaching.logentry", "district"), omit=("notes", "teachers")),
        Part("reports.snapshot", lambda ids: _model("reports.snapshot")._base_manager.filter(
            scope_kind="district", scope_id__in=ids)),
        Part("reports.timeplan", by("reports.timeplan", "district"), omit=("created_by",)),
        Part("reports.timeplanline", by("reports.timeplanline", "plan__district")),
        Part("programs.statement", by("programs.statement", "district"), omit=("issued_by",)),
        Part("coaching.standardsdomain", lambda ids: _model("coaching.standardsdomain")._base_manager.all()),
        Part("coaching.coachingplan", by("coaching.coachingplan", "district")),
        Part("coaching.planpriority", by("coaching.planpriority", "plan__district")),
        Part("coaching.planservice", by("coaching.planservice", "plan__district")),
        Part("coaching.onboardingitem", by("coaching.onboardingitem", "plan__district"), omit=("done_by",)),
    ]  # fmt: skip


# Tables a district administrator's export leaves out, and why (the test reads both lists).
NOT_FOR_ADMINISTRATORS = {
    "teachers.user": "sign-ins and password hashes",
    "teachers.auditevent": "the audit log is read in Fulcrum, not taken away",
    "teachers.invitation": "sign-in links",
    "teachers.signinprovider": "sign-in settings and their secrets",
    "coaching.coach": "the coaches are named on the entries' coach ids and in the report figures",
    "coaching.entrychange": "bookkeeping for report rebuilds",
    "coaching.historyupload": "a coach's uploaded files",
    "coaching.importedentry": "a coach's uploaded files",
    "coaching.coachmonth": "a coach's month close, across districts",
    "coaching.offlinereceipt": "bookkeeping for offline saves",
    "coaching.sitevisit": "the director's own notes of site visits and check-ins",
    "learning.*": "group learning: sessions, attendance and check-ins name teachers with coaching content",
    "cycles.*": "Impact Cycles are confidential between a teacher and the coach",
    "calendars.*": "a coach's own calendar",
    "reports.reportrun": "bookkeeping for report builds",
    "subscriptions.*": "people's email settings",
    "programs.statementcounter": "bookkeeping for statement numbers",
    "programs.impactpublication": "the program's public impact page and its address",
}


def _decided(label: str) -> bool:
    return label in NOT_FOR_ADMINISTRATORS or f"{label.split('.')[0]}.*" in NOT_FOR_ADMINISTRATORS


def undecided_tables() -> list[str]:
    """Tables neither in a district administrator's export nor left out of it with a reason."""
    listed = {part.label for part in _district_parts()}
    return [label_of(m) for m in exported_models() if label_of(m) not in listed and not _decided(label_of(m))]


def _serialize(queryset: QuerySet[Any], omit: tuple[str, ...]) -> list[dict[str, Any]]:
    model = queryset.model
    m2m = {f.name for f in model._meta.many_to_many}
    rows = serializers.serialize("python", queryset.order_by("pk").iterator(chunk_size=2000))
    for row in rows:
        for name in omit:
            row["fields"].pop(name, None)
        for name in m2m & set(row["fields"]):
            row["fields"][name] = sorted(row["fields"][name])
    return rows  # type: ignore[no-any-return]


def _csv_of(model: type[models.Model], rows: list[dict[str, Any]], omit: tuple[str, ...]) -> bytes:
    names = [f.name for f in [*model._meta.concrete_fields, *model._meta.many_to_many]
             if f.name not in omit and not f.primary_key]  # fmt: skip
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *names])
    for row in rows:
        cells: list[Any] = [row["pk"]]
        for name in names:
            value = row["fields"].get(name)
            if isinstance(value, list):
                value = ";".join(str(v) for v in value)
            elif isinstance(value, dict):
                value = json.dumps(value, cls=_Encoder, sort_keys=True)
            elif value is None:
                value = ""
            cells.append(value)
        writer.writerow(cells)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but with times to the microsecond (Django's stops at milliseconds, which
    would not be lossless)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, (dt.datetime, dt.time)):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _json(value: Any) -> bytes:
    return json.dumps(value, cls=_Encoder, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")


def export_zip(*, out: io.BufferedIOBase | io.BytesIO, districts: Iterable[District] | None = None) -> dict[str, Any]:
    """Write an export to `out`: the whole site (no districts), or what a district administrator of
    `districts` may read. Returns the manifest."""
    district_list = list(districts) if districts is not None else None
    parts: list[tuple[type[models.Model], QuerySet[Any], tuple[str, ...]]]
    if district_list is None:
        parts = [(m, m._base_manager.all(), ()) for m in exported_models()]
        scope: dict[str, Any] = {"kind": "site"}
    else:
        ids = [d.pk for d in district_list]
        parts = [(_model(p.label), p.rows(ids), p.omit) for p in _district_parts()]
        for model, _rows, omit in parts:
            for name in omit:
                model._meta.get_field(name)  # a field left out by a misspelt name would be left in
        scope = {"kind": "district", "districts": [{"id": d.pk, "name": d.name} for d in district_list]}
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now(),
        "scope": scope,
        "confidential": district_list is None,
        "schema_migrations": schema_migrations(),
        "tables": [],
        "media": [],
    }
    schema: dict[str, Any] = {}
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for model, queryset, omit in parts:
            label = label_of(model)
            rows = _serialize(queryset, omit)
            archive.writestr(f"data/{label}.json", _json(rows))
            archive.writestr(f"csv/{label}.csv", _csv_of(model, rows, omit))
            table_schema = schema_of(model)
            table_schema["fields"] = [f for f in table_schema["fields"] if f["name"] not in omit]
            schema[label] = table_schema
            manifest["tables"].append({"table": label, "rows": len(rows), "json": f"data/{label}.json",
                                       "csv": f"csv/{label}.csv", "omitted": list(omit)})  # fmt: skip
            for name in _file_fields(model):
                if name in omit:
                    continue
                for row in rows:
                    path = row["fields"].get(name)
                    if path and default_storage.exists(path):
                        with default_storage.open(path, "rb") as handle:
                            archive.writestr(f"media/{path}", handle.read())
                        manifest["media"].append(path)
        archive.writestr("schema.json", _json(schema))
        archive.writestr("manifest.json", _json(manifest))
    return manifest


def _file_fields(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


@dataclass
class ImportResult:
    tables: int
    rows: int
    files: int


def _members(archive: zipfile.ZipFile) -> Iterator[zipfile.ZipInfo]:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if total > IMPORT_MAX_BYTES:
            raise ExportRefused("The export is larger than 2 GB unzipped.")
        yield info


def import_zip(data: io.BufferedIOBase | io.BytesIO) -> ImportResult:
    """Load a site administrator's export into this Fulcrum, which must be fresh (no people, no
    districts): every row with its id, then each table's id sequence moved past them."""
    try:
        archive = zipfile.ZipFile(data)
    except zipfile.BadZipFile as exc:
        raise ExportRefused("The file is not a zip.") from exc
    with archive:
        names = {info.filename for info in _members(archive)}
        if "manifest.json" not in names:
            raise ExportRefused("The zip has no manifest.json: it is not a Fulcrum export.")
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise ExportRefused(f"This is not a {FORMAT} version {VERSION} file.")
        if manifest.get("scope", {}).get("kind") != "site":
            raise ExportRefused("Only a site administrator's whole export loads into a Fulcrum; a district "
                                "administrator's export is for reading elsewhere.")  # fmt: skip
        if manifest.get("schema_migrations") != schema_migrations():
            raise ExportRefused(
                "The export was made by a Fulcrum of another version: migrate both to the same release first "
                f"(the export's schema: {manifest.get('schema_migrations')})."
            )
        user_model = _model("teachers.user")
        if user_model._base_manager.exists() or District.objects.exists():
            raise ExportRefused("This Fulcrum already has people or districts; load an export into a fresh one.")
        by_label = {label_of(m): m for m in exported_models()}
        unknown = [t["table"] for t in manifest["tables"] if t["table"] not in by_label]
        if unknown:
            raise ExportRefused(f"The export has tables this Fulcrum does not know: {', '.join(unknown)}.")
        loaded = [by_label[t["table"]] for t in manifest["tables"]]
        count = 0
        with connection.constraint_checks_disabled(), entry_changes_paused(), transaction.atomic():
            # What the migrations wrote (the built-in activities, say) makes way for the export's rows.
            for model in reversed(loaded):
                model._base_manager.all()._raw_delete(model._base_manager.db)
                for m2m in model._meta.many_to_many:
                    through = m2m.remote_field.through
                    if through is not None:
                        through._base_manager.all()._raw_delete(model._base_manager.db)
            for table in manifest["tables"]:
                rows = json.loads(archive.read(table["json"]))
                for item in serializers.deserialize("python", rows):
                    item.save()
                    count += 1
            connection.check_constraints(table_names=[m._meta.db_table for m in loaded])
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), loaded):
                    cursor.execute(sql)
        files = 0
        for path in manifest.get("media", []):
            member = f"media/{path}"
            if member in names:
                if default_storage.exists(path):
                    default_storage.delete(path)
                saved = default_storage.save(path, ContentFile(archive.read(member)))
                if saved != path:
                    raise ExportRefused(f"The file {path} could not be stored under its own name.")
                files += 1
    return ImportResult(tables=len(loaded), rows=count, files=files)


def export_name(scope: str, *, today: dt.date | None = None) -> str:
    return f"fulcrum-export-{scope}-{(today or timezone.localdate()).isoformat()}.zip"
