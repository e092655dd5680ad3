import datetime as dt

from django import template

register = template.Library()


@register.filter
def duration(minutes: int | None) -> str:
    """125 -> '2 h 5 min'; 45 -> '45 min'; 0 -> '0 min'."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


@register.filter
def hours(minutes: int | None) -> str:
    """125 -> '2.1'."""
    return f"{(minutes or 0) / 60:.1f}"


@register.filter
def activity_badge(activity: object) -> str:
    """The CSS modifier for an activity's side: input, output or non-coaching."""
    kind = getattr(activity, "kind", "")
    if kind == "non_coaching":
        return "noncoaching"
    return getattr(activity, "balance", "") or "output"


@register.filter
def month_locked(day: object, locked_months: object) -> bool:
    """Whether a date falls in one of the months given (`locked_months`: {first day: month})."""
    return isinstance(day, dt.date) and isinstance(locked_months, dict) and day.replace(day=1) in locked_months
