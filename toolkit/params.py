"""Reading a date or a number from a query string (or a POST field outside a form).

Each helper answers the value, or None when the text is missing, malformed or out of range — never
an exception — so a view decides what odd input means (fall back with a message, or a 404) instead
of answering with a server error. Only strict ASCII forms are read: ``YYYY-MM-DD`` dates and plain
decimal digits (``str.isdigit()`` also accepts "²", which ``int()`` refuses). No domain imports,
so every app can use it.
"""

from __future__ import annotations

import datetime as dt
import re

# The largest value of a bigint primary key (PostgreSQL, SQLite); a larger id cannot name a row.
ID_MAX = 2**63 - 1

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_date_param(
    value: str | None, *, earliest: dt.date = dt.date.min, latest: dt.date = dt.date.max
) -> dt.date | None:
    """An ISO date (``YYYY-MM-DD``) from earliest to latest (inclusive), or None."""
    if not value or not _DATE.fullmatch(value):
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:  # 2026-02-30, 2026-13-01, 0000-01-01
        return None
    return day if earliest <= day <= latest else None


def parse_int_param(value: str | None, *, minimum: int, maximum: int) -> int | None:
    """A decimal integer (an optional minus sign, then ASCII digits) from minimum to maximum, or None."""
    if not value or not _INTEGER.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def parse_id_param(value: str | None) -> int | None:
    """A row id: a positive decimal integer that fits a bigint, or None."""
    return parse_int_param(value, minimum=1, maximum=ID_MAX)


def parse_id_params(values: list[str]) -> list[int]:
    """The row ids among repeated values (``?resources=3&resources=7``), unreadable ones left out."""
    return [pk for pk in map(parse_id_param, values) if pk is not None]
