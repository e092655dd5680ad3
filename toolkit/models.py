"""One way to change a model row: set the given fields, validate, save what changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def model_update(*, instance: M, fields: Sequence[str], data: Mapping[str, Any]) -> tuple[M, bool]:
    """Set each of `fields` that `data` holds, run `full_clean()`, and save only the columns that
    changed (many-to-many fields are set after the save). Returns the row and whether anything
    changed; an unchanged row is not written at all, so nothing downstream sees a false edit."""
    many_to_many = {f.name for f in instance._meta.many_to_many}
    changed: list[str] = []
    relations: dict[str, Any] = {}
    for name in fields:
        if name not in data:
            continue
        if name in many_to_many:
            relations[name] = list(data[name])
            continue
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        value = data[name]
        current = getattr(instance, attname)
        new = value.pk if isinstance(value, models.Model) and attname != name else value
        if current != new:
            setattr(instance, name, value)
            changed.append(attname)
    if changed:
        instance.full_clean()
        instance.save(update_fields=changed)
    for name, values in relations.items():
        manager = getattr(instance, name)
        before = set(manager.values_list("pk", flat=True))
        after = {v.pk for v in values}
        if before != after:
            manager.set(values)
            changed.append(name)
    return instance, bool(changed)
