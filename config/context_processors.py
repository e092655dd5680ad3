"""`can`: what the signed-in person may do, for the menu and the pages. Templates ask `can`,
never a role: each answer comes from the access module of the app that owns the rule, and is
computed only when a page asks it."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from calendars.access import may_use_calendars
from coaching.access import (
    coach_for,
    may_approve_months,
    may_close_months,
    may_import_history,
    may_see_coaching_plans,
    may_see_contracts,
    may_see_own_sessions,
)
from cycles.access import may_see_caseload, may_see_caseload_counts
from cycles.yearend import may_decide_year_end
from learning.access import may_form_groups
from programs.access import (
    may_export_districts,
    may_issue_statements,
    may_see_impact_page,
    may_see_statements,
    may_set_up,
)
from programs.rollover import may_start_rollover
from reports.access import may_use_reports
from subscriptions.access import may_subscribe
from teachers.access import is_site_admin, may_erase_teachers, may_manage_rosters, may_read_audit_log


class Can:
    def __init__(self, user: Any) -> None:
        self.user = user
        self.signed_in = bool(user.is_authenticated)

    def _ask(self, rule: Any) -> bool:
        return self.signed_in and bool(rule(self.user))

    @cached_property
    def export_districts(self) -> bool:
        """A district administrator (or the site administrator): download a district's export."""
        return self._ask(may_export_districts)

    @cached_property
    def use_calendars(self) -> bool:
        """A coach: import a calendar into draft entries, and keep a private calendar feed."""
        return self._ask(may_use_calendars)

    @cached_property
    def log_time(self) -> bool:
        """A coach: My week, the time log and the coach's own learning pages."""
        return self.signed_in and coach_for(self.user) is not None

    @cached_property
    def see_own_sessions(self) -> bool:
        """A teacher: their own cycles and coaching history."""
        return self._ask(may_see_own_sessions)

    @cached_property
    def see_caseload(self) -> bool:
        """A coach: their own caseload, teacher by teacher."""
        return self._ask(may_see_caseload)

    @cached_property
    def see_caseload_counts(self) -> bool:
        """Directors and district administrators: caseloads as counts per coach."""
        return self._ask(may_see_caseload_counts)

    @cached_property
    def use_reports(self) -> bool:
        return self._ask(may_use_reports)

    @cached_property
    def see_contracts(self) -> bool:
        return self._ask(may_see_contracts)

    @cached_property
    def close_months(self) -> bool:
        """A coach: their months, submitted for approval when they end."""
        return self._ask(may_close_months)

    @cached_property
    def approve_months(self) -> bool:
        """A program director (or the site administrator): approve, return or reopen coaches' months."""
        return self._ask(may_approve_months)

    @cached_property
    def see_statements(self) -> bool:
        """Directors (issue and read) and district administrators (read their districts'): contract statements."""
        return self._ask(may_see_statements)

    @cached_property
    def issue_statements(self) -> bool:
        """A program's directors (and the site administrator): preview and issue contract statements."""
        return self._ask(may_issue_statements)

    @cached_property
    def see_impact_page(self) -> bool:
        """A program's directors (and the site administrator): the program's impact page."""
        return self._ask(may_see_impact_page)

    @cached_property
    def import_history(self) -> bool:
        """A coach brings in their past time log; a program director their program's."""
        return self._ask(may_import_history)

    @cached_property
    def manage_rosters(self) -> bool:
        return self._ask(may_manage_rosters)

    @cached_property
    def run_program(self) -> bool:
        """A program director: PD sessions, the library, coach groups and check-ins of the program."""
        return self._ask(may_form_groups)

    @cached_property
    def see_coaching_plans(self) -> bool:
        """Coaches, district administrators and directors: the districts' coaching plans."""
        return self._ask(may_see_coaching_plans)

    @cached_property
    def set_up(self) -> bool:
        """Directors set up their program; district administrators their districts' part."""
        return self._ask(may_set_up)

    @cached_property
    def read_audit_log(self) -> bool:
        return self._ask(may_read_audit_log)

    @cached_property
    def read_whole_audit_log(self) -> bool:
        return self._ask(is_site_admin)

    @cached_property
    def erase_teachers(self) -> bool:
        return self._ask(may_erase_teachers)

    @cached_property
    def decide_year_end(self) -> bool:
        """A coach: carry each open cycle into the next school year or close it."""
        return self._ask(may_decide_year_end)

    @cached_property
    def start_rollover(self) -> bool:
        """A program's directors (and site administrators): start the next school year."""
        return self._ask(may_start_rollover)

    @cached_property
    def subscribe_reports(self) -> bool:
        """District administrators and directors: reports by email."""
        return self._ask(may_subscribe)

    @cached_property
    def use_admin_site(self) -> bool:
        """Django's admin decides by its own flag."""
        return self.signed_in and bool(self.user.is_staff)


def permissions(request: HttpRequest) -> dict[str, Can]:
    return {"can": Can(request.user)}
