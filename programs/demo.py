"""The demo's contract statement: one issued for the earliest month of the demo year that every
coach of a contract has had approved (nothing when the demo has no approved month yet); and the
demo's impact page: its schools' enrollment, and the page published."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coaching.models import Contract, Program
from coaching.months import contract_approvals_add
from coaching.selectors import contract_usage_list
from teachers.models import District, School
from toolkit.schoolyear import school_year_of

from .impact_services import impact_publish
from .models import Statement
from .statements import statement_issue

DEMO_PROGRAM = "Prairie Regional Learning Center"


def load_statement_demo(*, today: dt.date) -> dict[str, int]:
    """Issue the demo statement once (a second run adds nothing); returns how many statements exist."""
    program = Program.objects.filter(name=DEMO_PROGRAM).prefetch_related("directors").first()
    director = next(iter(program.directors.all()), None) if program else None
    if program is None or director is None:
        return {}
    if not Statement.objects.filter(program=program).exists():
        contracts = Contract.objects.filter(program=program, school_year=school_year_of(today))
        usage = contract_approvals_add(usage=contract_usage_list(contracts=contracts, as_of=today), as_of=today)
        # A district with an administrator first, so the demo's administrator has a statement to read.
        administered = set(District.objects.filter(administrators__isnull=False).values_list("pk", flat=True))
        approved = sorted(
            (m.month, u.contract.district_id not in administered, u.contract.district.name, u.contract)
            for u in usage
            for m in u.approval_months
            if m.state == "approved" and m.month < today.replace(day=1)
        )
        if approved:
            month, _unadministered, _name, contract = approved[0]
            statement_issue(contract=contract, start=month, end=month, by=director)
    return {"statements": Statement.objects.filter(program=program).count()}


def load_impact_demo(*, today: dt.date) -> dict[str, int]:
    """Enrollment figures for the demo program's schools (all but one, so the impact page shows a
    school without a figure), and the impact page published. Loading twice changes nothing."""
    program = Program.objects.filter(name=DEMO_PROGRAM).prefetch_related("directors").first()
    director = next(iter(program.directors.all()), None) if program else None
    if program is None or director is None:
        return {}
    schools = list(School.objects.filter(district__contracts__program=program).distinct().order_by("name"))
    for school in schools[:-1]:
        if school.enrollment is None:
            # A plausible building: 180 to 679 students, the same for a school on every load.
            school.enrollment = 180 + sum(school.name.encode()) % 500
            school.enrollment_year = school_year_of(today)
            school.save(update_fields=["enrollment", "enrollment_year"])
    impact_publish(program=program, by=director)
    return {"schools_with_enrollment": sum(1 for s in schools if s.enrollment is not None)}


def demo_loaded_receiver(sender: object, *, today: dt.date, **kwargs: Any) -> dict[str, int]:
    return {**load_statement_demo(today=today), **load_impact_demo(today=today)}
