"""The access matrix: every URL of the project (found by walking the URL resolver) × eleven roles ×
GET, POST with an empty form and, on a cycle's write URLs, POST with a valid form; each cell a
declared answer. A new URL fails this test until it is declared here.

The roles: anonymous; teacher A, a peer teacher at A's school who is not in A's cycle, and teacher
B (another district); the coach of A and another program's coach; A's district administrator and
another district's; A's program director and another program's; the site administrator. Objects
in URLs are tenant A's (see tests/test_tenant_isolation.seed), with A's cycle in Improve. The URLs
of that cycle are asked twice: shared with administrators (as seeded) and unshared; every other
URL once. Each cell runs in a transaction that is rolled back, so cells do not disturb one another.
On a cycle URL the cycle is compared before and after: a refusal changes nothing, and neither does
a GET. No cell may be a 500.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import pytest
from django.core.cache import caches
from django.db import transaction
from django.urls import reverse

from cycles import services as cycles
from cycles.models import Cycle, Stage
from cycles.tests.writes import WRITE_URLS, cycle_url_names, snapshot, valid_post
from teachers.models import Role, User
from teachers.tests.factories import TeacherFactory, UserFactory
from tests.test_tenant_isolation import Objects, every_url_name, seed, url_kwargs

ROLES = ("anonymous", "teacher", "peer_teacher", "other_teacher", "coach", "other_coach", "district_admin",
         "other_district_admin", "director", "other_director", "site_admin")  # fmt: skip
OTHER_TENANT = ("other_teacher", "other_coach", "other_district_admin", "other_director")

GET, POST, FORM = "GET", "POST", "POST form"  # POST: an empty form. POST form: a valid one (cycle write URLs)
LOGIN = "login"  # 302 to the sign-in page
OK = 200  # a page
R = 302  # any other redirect: to a start page, after an action elsewhere, or back to the cycle with nothing changed
DONE = "done"  # 302 back to the cycle, the change made
SHOWN = "shown"  # 200, the change made and its result shown at once (a new link is shown once)
BAD, F, N, X = 400, 403, 404, 405  # invalid form, forbidden (read-only), not found (outside scope), wrong method


class Sh(NamedTuple):
    """A cell of a cycle URL that depends on whether the teacher shared the cycle with administrators."""

    unshared: Any
    shared: Any


# (url name, request) -> the answer for each role, in ROLES order.
MATRIX: dict[tuple[str, str], tuple[Any, ...]] = {
    #                                    (anon   teach        peer   oteach  coach  ocoach  dadm       odadm  dir        odir   site
    ("audit", GET):                      (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    F,         F,     OK),
    ("audit", POST):                     (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:checkin_answer", GET):             (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("learning:checkin_answer", POST):            (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("learning:checkins", GET):          (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    OK),
    ("learning:checkins", POST):         (LOGIN, F,           F,     F,      BAD,   BAD,    F,         F,     F,         F,     F),
    ("learning:checkin_close", GET):     (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("learning:checkin_close", POST):    (LOGIN, F,           F,     F,      R,     N,      F,         F,     F,         F,     F),
    ("learning:coach_goal_new", GET):    (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("learning:coach_goal_new", POST):   (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("learning:coach_goal_note", GET):   (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:coach_goal_note", POST):  (LOGIN, N,           N,     N,      R,     N,      N,         N,     N,         N,     N),
    ("coaching:contracts", GET):         (LOGIN, F,           F,     F,      OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("coaching:contracts", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:district_fields", GET):   (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("coaching:district_fields", POST):  (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:entry_add", GET):         (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("coaching:entry_add", POST):        (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("coaching:entry_delete", GET):      (LOGIN, F,           F,     F,      OK,    N,      F,         F,     F,         F,     F),
    ("coaching:entry_delete", POST):     (LOGIN, F,           F,     F,      R,     N,      F,         F,     F,         F,     F),
    ("coaching:entry_edit", GET):        (LOGIN, F,           F,     F,      OK,    N,      F,         F,     F,         F,     F),
    ("coaching:entry_edit", POST):       (LOGIN, F,           F,     F,      OK,    N,      F,         F,     F,         F,     F),
    ("coaching:entry_export", GET):      (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("coaching:entry_export", POST):     (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:entry_list", GET):        (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("coaching:entry_list", POST):       (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("learning:group", GET):             (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     OK),
    ("learning:group", POST):            (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:group_new", GET):         (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("learning:group_new", POST):        (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("learning:groups", GET):            (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    OK),
    ("learning:groups", POST):           (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:meeting_new", GET):       (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     F),
    ("learning:meeting_new", POST):      (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     F),
    ("coaching:history_import", GET):    (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    F),
    ("coaching:history_import", POST):   (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    F),
    ("coaching:history_preview", GET):   (LOGIN, F,           F,     F,      R,     R,      F,         F,     R,         R,     F),
    ("coaching:history_preview", POST):  (LOGIN, F,           F,     F,      R,     R,      F,         F,     R,         R,     F),
    ("coaching:history_template", GET):  (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    F),
    ("coaching:history_template", POST): (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:my_sessions", GET):       (LOGIN, OK,          OK,    OK,     F,     F,      F,         F,     F,         F,     F),
    ("coaching:my_sessions", POST):      (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:my_week", GET):           (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("coaching:my_week", POST):          (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("learning:resource", GET):          (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     OK),
    ("learning:resource", POST):         (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:resource_new", GET):      (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    OK),
    ("learning:resource_new", POST):     (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    OK),
    ("learning:resources", GET):         (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    OK),
    ("learning:resources", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:adjust", GET):              (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:adjust", POST):             (LOGIN, BAD,         N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:adjust", FORM):             (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:caseload", GET):            (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("cycles:caseload", POST):           (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("cycles:caseload_csv", GET):        (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("cycles:caseload_csv", POST):       (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("cycles:caseload_counts", GET):     (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("cycles:caseload_counts", POST):    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:caseload_counts_csv", GET): (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("cycles:caseload_counts_csv", POST): (LOGIN, X,          X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:checklist_add", GET):       (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:checklist_add", POST):      (LOGIN, BAD,         N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:checklist_add", FORM):      (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:checklist_delete", GET):    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:checklist_delete", POST):   (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:checklist_delete", FORM):   (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:checklist_toggle", GET):    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:checklist_toggle", POST):   (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:checklist_toggle", FORM):   (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:detail", GET):              (LOGIN, OK,          N,     N,      OK,    N,      Sh(N, OK), N,     Sh(N, OK), N,     Sh(N, OK)),
    ("cycles:detail", POST):             (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:evidence_add", GET):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:evidence_add", POST):       (LOGIN, BAD,         N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:evidence_add", FORM):       (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:evidence_file", GET):       (LOGIN, OK,          N,     N,      OK,    N,      N,         N,     N,         N,     N),
    ("cycles:evidence_file", POST):      (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:goal", GET):                (LOGIN, OK,          N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:goal", POST):               (LOGIN, OK,          N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:goal", FORM):               (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:link", GET):                (LOGIN, F,           N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:link", POST):               (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:link_new", GET):            (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:link_new", POST):           (LOGIN, F,           N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:link_new", FORM):           (LOGIN, F,           N,     N,      SHOWN, N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:list", GET):                (LOGIN, OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("cycles:list", POST):               (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:meeting_reflect", GET):     (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     N),
    ("cycles:meeting_reflect", POST):    (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     N),
    ("cycles:move", GET):                (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:move", POST):               (LOGIN, F,           N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:move", FORM):               (LOGIN, F,           N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:my_data_csv", GET):         (LOGIN, OK,          OK,    OK,     F,     F,      F,         F,     F,         F,     F),
    ("cycles:my_data_csv", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:my_data_json", GET):        (LOGIN, OK,          OK,    OK,     F,     F,      F,         F,     F,         F,     F),
    ("cycles:my_data_json", POST):       (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:pd_attendance", GET):       (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:pd_attendance", POST):      (LOGIN, N,           N,     N,      R,     N,      N,         N,     F,         N,     F),
    ("cycles:pd_followup_links", GET):   (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:pd_followup_links", POST):  (LOGIN, N,           N,     N,      OK,    N,      N,         N,     F,         N,     F),
    ("learning:pd_room_sheet", GET):       (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     OK),
    ("learning:pd_room_sheet", POST):      (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:pd_session", GET):          (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     OK),
    ("cycles:pd_session", POST):         (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:pd_session_new", GET):      (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("learning:pd_session_new", POST):     (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("learning:pd_sessions", GET):         (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     OK,        OK,    OK),
    ("learning:pd_sessions", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:pd_signup_cycle", GET):     (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:pd_signup_cycle", POST):    (LOGIN, N,           N,     N,      R,     N,      N,         N,     F,         N,     F),
    ("learning:pd_signup_decide", GET):    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:pd_signup_decide", POST):   (LOGIN, N,           N,     N,      R,     N,      N,         N,     F,         N,     F),
    ("cycles:plan", GET):                (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:plan", POST):               (LOGIN, BAD,         N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:plan", FORM):               (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:progress_add", GET):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:progress_add", POST):       (LOGIN, BAD,         N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:progress_add", FORM):       (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:reflection", GET):          (LOGIN, OK,          N,     N,      OK,    N,      N,         N,     N,         N,     N),
    ("cycles:reflection", POST):         (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:reflection_new", GET):      (LOGIN, OK,          N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:reflection_new", POST):     (LOGIN, OK,          N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:reflection_new", FORM):     (LOGIN, DONE,        N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:share", GET):               (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:share", POST):              (LOGIN, Sh(R, DONE), N,     N,      F,     N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:share", FORM):              (LOGIN, DONE,        N,     N,      F,     N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:start", GET):               (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("cycles:start", POST):              (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("cycles:strategy_resources", GET):  (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:strategy_resources", POST): (LOGIN, F,           N,     N,      R,     N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:strategy_resources", FORM): (LOGIN, F,           N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:teacher_erase", GET):       (LOGIN, N,           N,     N,      N,     N,      OK,        N,     F,         N,     OK),
    ("cycles:teacher_erase", POST):      (LOGIN, N,           N,     N,      N,     N,      R,         N,     F,         N,     R),
    ("cycles:teacher_picker", GET):      (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("cycles:teacher_picker", POST):     (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("cycles:time_link", GET):           (LOGIN, F,           N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:time_link", POST):          (LOGIN, F,           N,     N,      R,     N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:time_link", FORM):          (LOGIN, F,           N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:time_log", GET):            (LOGIN, F,           N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:time_log", POST):           (LOGIN, F,           N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:time_log", FORM):           (LOGIN, F,           N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:time_unlink", GET):         (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:time_unlink", POST):        (LOGIN, F,           N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:time_unlink", FORM):        (LOGIN, F,           N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("healthz", GET):                    (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("healthz", POST):                   (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("home", GET):                       (LOGIN, R,           R,     R,      R,     R,      R,         R,     R,         R,     R),
    ("home", POST):                      (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("login", GET):                      (OK,    R,           R,     R,      R,     R,      R,         R,     R,         R,     R),
    ("login", POST):                     (OK,    R,           R,     R,      R,     R,      R,         R,     R,         R,     R),
    ("logout", GET):                     (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("logout", POST):                    (LOGIN, LOGIN,       LOGIN, LOGIN,  LOGIN, LOGIN,  LOGIN,     LOGIN, LOGIN,     LOGIN, LOGIN),
    ("password_reset", GET):             (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("password_reset", POST):            (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("password_reset_complete", GET):    (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("password_reset_complete", POST):   (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("password_reset_confirm", GET):     (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("password_reset_confirm", POST):    (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("password_reset_done", GET):        (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("password_reset_done", POST):       (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("reflect", GET):                    (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("reflect", POST):                   (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("reports:dashboard", GET):          (LOGIN, F,           F,     F,      OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("reports:dashboard", POST):         (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("reports:export_csv", GET):         (LOGIN, F,           F,     F,      N,     N,      N,         N,     N,         N,     N),
    ("reports:export_csv", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("reports:export_pdf", GET):         (LOGIN, F,           F,     F,      N,     N,      N,         N,     N,         N,     N),
    ("reports:export_pdf", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("reports:refresh", GET):            (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("reports:refresh", POST):           (LOGIN, F,           F,     F,      R,     R,      R,         R,     R,         R,     R),
    ("reports:run_status", GET):         (LOGIN, N,           N,     N,      N,     N,      OK,        N,     OK,        N,     OK),
    ("reports:run_status", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:resource_open", GET):              (R,     R,           R,     R,      R,     R,      R,         R,     R,         R,     R),
    ("learning:resource_open", POST):             (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("teachers:roster", GET):            (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("teachers:roster", POST):           (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("teachers:roster_export", GET):     (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("teachers:roster_export", POST):    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("teachers:roster_import", GET):     (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("teachers:roster_import", POST):    (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("teachers:roster_invite", GET):     (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("teachers:roster_invite", POST):    (LOGIN, F,           F,     F,      F,     F,      R,         R,     R,         R,     R),
    ("invitation", GET):                 (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("invitation", POST):                (BAD,   BAD,         BAD,   BAD,    BAD,   BAD,    BAD,       BAD,   BAD,       BAD,   BAD),
    ("teachers:roster_template", GET):   (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("teachers:roster_template", POST):  (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    # Year rollover: the director starts the next school year (site administrators pick a program
    # first: they reach every program); each coach decides their own open cycles.
    ("programs:rollover", GET):          (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:rollover", POST):         (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   R),
    ("cycles:yearend", GET):             (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("cycles:yearend", POST):            (LOGIN, F,           F,     F,      R,     R,      F,         F,     F,         F,     F),
    # Month close
    ("coaching:my_months", GET):         (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("coaching:my_months", POST):        (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:month_submit", GET):      (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:month_submit", POST):     (LOGIN, F,           F,     F,      R,     R,      F,         F,     F,         F,     F),
    ("coaching:approvals", GET):         (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("coaching:approvals", POST):        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:month_approve", GET):     (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:month_approve", POST):    (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("coaching:month_return", GET):      (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("coaching:month_return", POST):     (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("coaching:month_reopen", GET):      (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("coaching:month_reopen", POST):     (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("coaching:contracts_export", GET):  (LOGIN, F,           F,     F,      OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("coaching:contracts_export", POST): (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    # Program set-up (programs/setup_urls.py): directors; district administrators their districts' part
    ("programs:activities", GET):                (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:activities", POST):               (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:activity_active", GET):           (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:activity_active", POST):          (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("programs:activity_add", GET):              (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:activity_add", POST):             (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("programs:activity_edit", GET):             (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("programs:activity_edit", POST):            (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       N,     BAD),
    ("programs:activity_move", GET):             (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:activity_move", POST):            (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("programs:administrator_add", GET):         (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("programs:administrator_add", POST):        (LOGIN, F,           F,     F,      F,     F,      BAD,       BAD,   BAD,       BAD,   BAD),
    ("programs:administrator_invite", GET):      (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:administrator_invite", POST):     (LOGIN, F,           F,     F,      F,     F,      R,         N,     R,         N,     R),
    ("programs:administrator_remove", GET):      (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:administrator_remove", POST):     (LOGIN, F,           F,     F,      F,     F,      R,         N,     R,         N,     R),
    ("programs:administrators", GET):            (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("programs:administrators", POST):           (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:coach_active", GET):              (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:coach_active", POST):             (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("programs:coach_add", GET):                 (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:coach_add", POST):                (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("programs:coach_invite", GET):              (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:coach_invite", POST):             (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("programs:coach_move", GET):                (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("programs:coach_move", POST):               (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       N,     BAD),
    ("programs:coaches", GET):                   (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:coaches", POST):                  (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:contract_add", GET):              (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:contract_add", POST):             (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("programs:contract_edit", GET):             (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("programs:contract_edit", POST):            (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       N,     BAD),
    ("programs:contracts", GET):                 (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("programs:contracts", POST):                (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:district_add", GET):              (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:district_add", POST):             (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("programs:district_edit", GET):             (LOGIN, F,           F,     F,      F,     F,      F,         N,     OK,        N,     OK),
    ("programs:district_edit", POST):            (LOGIN, F,           F,     F,      F,     F,      F,         N,     BAD,       N,     BAD),
    ("programs:districts", GET):                 (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("programs:districts", POST):                (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:focus_area_active", GET):         (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:focus_area_active", POST):        (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("programs:focus_area_add", GET):            (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:focus_area_add", POST):           (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("programs:focus_area_edit", GET):           (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("programs:focus_area_edit", POST):          (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       N,     BAD),
    ("programs:focus_area_move", GET):           (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:focus_area_move", POST):          (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         N,     R),
    ("programs:focus_areas", GET):               (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:focus_areas", POST):              (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:history", GET):                   (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:history", POST):                  (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:school_add", GET):                (LOGIN, F,           F,     F,      F,     F,      OK,        N,     OK,        N,     OK),
    ("programs:school_add", POST):               (LOGIN, F,           F,     F,      F,     F,      BAD,       N,     BAD,       N,     BAD),
    ("programs:school_edit", GET):               (LOGIN, F,           F,     F,      F,     F,      OK,        N,     OK,        N,     OK),
    ("programs:school_edit", POST):              (LOGIN, F,           F,     F,      F,     F,      BAD,       N,     BAD,       N,     BAD),
    ("programs:setup", GET):                     (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("programs:setup", POST):                    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:threshold", GET):                 (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:threshold", POST):                (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    # Small frictions of the cycle pages: the coach emails a reflection link just made (it sends mail, changes no row).
    ("cycles:link_email", GET):          (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:link_email", POST):         (LOGIN, F,           N,     N,      BAD,   N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:link_email", FORM):         (LOGIN, F,           N,     N,      OK,    N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    # Quick log: repeat an entry or a day today, the one-tap informal touch (POST only)
    ("coaching:entry_repeat", GET):              (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:entry_repeat", POST):             (LOGIN, F,           F,     F,      R,     N,      F,         F,     F,         F,     F),
    ("coaching:day_repeat", GET):                (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:day_repeat", POST):               (LOGIN, F,           F,     F,      R,     R,      F,         F,     F,         F,     F),
    ("coaching:entry_quick", GET):               (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:entry_quick", POST):              (LOGIN, F,           F,     F,      R,     R,      F,         F,     F,         F,     F),
    # Calendars: .ics import into draft entries, the drafts, and the private feed (a capability URL)
    ("calendars:import", GET):           (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("calendars:import", POST):          (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("calendars:drafts", GET):           (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("calendars:drafts", POST):          (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("calendars:draft_confirm", GET):    (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("calendars:draft_confirm", POST):   (LOGIN, F,           F,     F,      R,     N,      F,         F,     F,         F,     F),
    ("calendars:draft_edit", GET):       (LOGIN, F,           F,     F,      OK,    N,      F,         F,     F,         F,     F),
    ("calendars:draft_edit", POST):      (LOGIN, F,           F,     F,      OK,    N,      F,         F,     F,         F,     F),
    ("calendars:draft_discard", GET):    (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("calendars:draft_discard", POST):   (LOGIN, F,           F,     F,      R,     N,      F,         F,     F,         F,     F),
    ("calendars:feed_settings", GET):    (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("calendars:feed_settings", POST):   (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("calendars:feed", GET):             (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("calendars:feed", POST):            (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    # The offline queue: the service worker, the manifest, the offline page and who is signed in
    # are the same for everyone (nothing personal); queued entries are a coach's own.
    ("service_worker", GET):                     (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("service_worker", POST):                    (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("manifest", GET):                           (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("manifest", POST):                          (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:offline_page", GET):              (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("coaching:offline_page", POST):             (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:offline_state", GET):             (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("coaching:offline_state", POST):            (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("coaching:offline_entry", GET):             (LOGIN, F,           F,     F,      X,     X,      F,         F,     F,         F,     F),
    ("coaching:offline_entry", POST):            (LOGIN, F,           F,     F,      BAD,   BAD,    F,         F,     F,         F,     F),
    # Log once: the modeled lesson of Learn recorded as the coach's entry, counted toward the cycle (POST only)
    ("cycles:modeled_lesson", GET):      (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:modeled_lesson", POST):     (LOGIN, F,           N,     N,      R,     N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    ("cycles:modeled_lesson", FORM):     (LOGIN, F,           N,     N,      DONE,  N,      Sh(N, F),  N,     Sh(N, F),  N,     Sh(N, F)),
    # Contract statements: directors preview and issue; the district's administrators read issued ones
    ("statements:list", GET):                    (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("statements:list", POST):                   (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("statements:new", GET):                     (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("statements:new", POST):                    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("statements:issue", GET):                   (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("statements:issue", POST):                  (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("statements:detail", GET):                  (LOGIN, F,           F,     F,      F,     F,      OK,        N,     OK,        N,     OK),
    ("statements:detail", POST):                 (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("statements:csv", GET):                     (LOGIN, F,           F,     F,      F,     F,      OK,        N,     OK,        N,     OK),
    ("statements:csv", POST):                    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("statements:pdf", GET):                     (LOGIN, F,           F,     F,      F,     F,      OK,        N,     OK,        N,     OK),
    ("statements:pdf", POST):                    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    # The agreed time plan (programs/setup_urls.py, plan/): directors write their program's plans;
    # district administrators read the plans of their districts; another program's plan is a 404.
    ("programs:plans", GET):                     (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    OK),
    ("programs:plans", POST):                    (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:plan_add", GET):                  (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("programs:plan_add", POST):                 (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("programs:plan_edit", GET):                 (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("programs:plan_edit", POST):                (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       N,     BAD),
    # Reports by email and reminders: A's district administrator's subscription and failed delivery;
    # the unsubscribe link is a capability (its token is the permission).
    ("subscriptions:settings", GET):             (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    OK,        OK,    F),
    ("subscriptions:settings", POST):            (LOGIN, F,           F,     F,      F,     F,      BAD,       BAD,   BAD,       BAD,   F),
    ("subscriptions:subscription_change", GET):  (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("subscriptions:subscription_change", POST): (LOGIN, F,           F,     F,      F,     F,      R,         N,     N,         N,     F),
    ("subscriptions:subscription_remove", GET):  (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("subscriptions:subscription_remove", POST): (LOGIN, F,           F,     F,      F,     F,      R,         N,     N,         N,     F),
    ("subscriptions:delivery_retry", GET):       (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("subscriptions:delivery_retry", POST):      (LOGIN, F,           F,     F,      F,     F,      R,         N,     N,         N,     F),
    ("subscriptions:unsubscribe", GET):          (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("subscriptions:unsubscribe", POST):         (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("subscriptions:reminders", GET):            (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        OK,    OK),
    ("subscriptions:reminders", POST):           (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("subscriptions:my_reminders", GET):         (LOGIN, F,           F,     F,      OK,    OK,     F,         F,     F,         F,     F),
    ("subscriptions:my_reminders", POST):        (LOGIN, F,           F,     F,      R,     R,      F,         F,     F,         F,     F),
    # issue 17: a district's export (the download itself, ?district=, in programs/tests/test_export_page.py)
    ("programs:export", GET):                    (LOGIN, F,           F,     F,      F,     F,      OK,        OK,    F,         F,     OK),
    ("programs:export", POST):                   (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    # issue 16: dplan — the districts' coaching plans (programs/district_plan_urls.py): directors write
    # their programs' plans and alone see the site visits (403 for the district's administrator and
    # coach, who read the plan); another tenant's plan is a 404; teachers have none.
    ("district_plans:list", GET):                (LOGIN, F,           F,     F,      OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("district_plans:list", POST):               (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("district_plans:new", GET):                 (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("district_plans:new", POST):                (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       BAD,   BAD),
    ("district_plans:detail", GET):              (LOGIN, F,           F,     F,      OK,    N,      OK,        N,     OK,        N,     OK),
    ("district_plans:detail", POST):             (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("district_plans:edit", GET):                (LOGIN, F,           F,     F,      F,     N,      F,         N,     OK,        N,     OK),
    ("district_plans:edit", POST):               (LOGIN, F,           F,     F,      F,     N,      F,         N,     BAD,       N,     BAD),
    ("district_plans:checklist", GET):           (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("district_plans:checklist", POST):          (LOGIN, F,           F,     F,      F,     N,      F,         N,     N,         N,     N),
    ("district_plans:visits", GET):              (LOGIN, F,           F,     F,      F,     N,      F,         N,     OK,        N,     OK),
    ("district_plans:visits", POST):             (LOGIN, F,           F,     F,      F,     N,      F,         N,     BAD,       N,     BAD),
    # issue 16: kickoff. The cycle's coach and teachers only: administrators get 404 even for a shared
    # cycle. The seeded cycle is in Improve, so its kickoff and plan are refused (400); a step is
    # marked done and a debrief recorded.
    ("cycles:kickoff", GET):                     (LOGIN, OK,          N,     N,      OK,    N,      N,         N,     N,         N,     N),
    ("cycles:kickoff", POST):                    (LOGIN, BAD,         N,     N,      BAD,   N,      N,         N,     N,         N,     N),
    ("cycles:kickoff", FORM):                    (LOGIN, BAD,         N,     N,      BAD,   N,      N,         N,     N,         N,     N),
    ("cycles:plan_step_add", GET):               (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:plan_step_add", POST):              (LOGIN, BAD,         N,     N,      BAD,   N,      N,         N,     N,         N,     N),
    ("cycles:plan_step_add", FORM):              (LOGIN, BAD,         N,     N,      BAD,   N,      N,         N,     N,         N,     N),
    ("cycles:plan_step_done", GET):              (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:plan_step_done", POST):             (LOGIN, BAD,         N,     N,      BAD,   N,      N,         N,     N,         N,     N),
    ("cycles:plan_step_done", FORM):             (LOGIN, DONE,        N,     N,      DONE,  N,      N,         N,     N,         N,     N),
    ("cycles:debrief_add", GET):                 (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("cycles:debrief_add", POST):                (LOGIN, BAD,         N,     N,      BAD,   N,      N,         N,     N,         N,     N),
    ("cycles:debrief_add", FORM):                (LOGIN, DONE,        N,     N,      DONE,  N,      N,         N,     N,         N,     N),
    # issue 16: impactpage. The program's impact page is its directors' (and the site administrator's);
    # another program's is a 404; its public address (A's, published) is read-only for anyone.
    ("impact:home", GET):                        (LOGIN, F,           F,     F,      F,     F,      F,         F,     R,         R,     R),
    ("impact:home", POST):                       (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("impact:page", GET):                        (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("impact:page", POST):                       (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("impact:pdf", GET):                         (LOGIN, F,           F,     F,      F,     F,      F,         F,     OK,        N,     OK),
    ("impact:pdf", POST):                        (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("impact:publication", GET):                 (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("impact:publication", POST):                (LOGIN, F,           F,     F,      F,     F,      F,         F,     BAD,       N,     BAD),
    ("impact:public", GET):                      (OK,    OK,          OK,    OK,     OK,    OK,     OK,        OK,    OK,        OK,    OK),
    ("impact:public", POST):                     (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("programs:enrollment_import", GET):         (LOGIN, F,           F,     F,      F,     F,      OK,        N,     OK,        N,     OK),
    ("programs:enrollment_import", POST):        (LOGIN, F,           F,     F,      F,     F,      BAD,       N,     BAD,       N,     BAD),
    # issue 16: followup — follow-up groups are the session facilitator's (the coach); a session's
    # shared examples are its attendees' (the teacher) and facilitator's; a group's shared examples
    # and a meeting's role-play practice are its members' (the coach) and facilitator's (the director).
    ("cycles:pd_followup", GET):                 (LOGIN, N,           N,     N,      OK,    N,      N,         N,     F,         N,     F),
    ("cycles:pd_followup", POST):                (LOGIN, N,           N,     N,      BAD,   N,      N,         N,     F,         N,     F),
    ("learning:pd_examples", GET):               (LOGIN, OK,          N,     N,      OK,    N,      N,         N,     N,         N,     N),
    ("learning:pd_examples", POST):              (LOGIN, BAD,         N,     N,      BAD,   N,      N,         N,     N,         N,     N),
    ("learning:group_examples", GET):            (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     N),
    ("learning:group_examples", POST):           (LOGIN, N,           N,     N,      BAD,   N,      N,         N,     BAD,       N,     N),
    ("learning:example_comment", GET):           (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:example_comment", POST):          (LOGIN, R,           N,     N,      R,     N,      N,         N,     N,         N,     N),
    ("learning:example_file", GET):              (LOGIN, OK,          N,     N,      OK,    N,      N,         N,     N,         N,     N),
    ("learning:example_file", POST):             (LOGIN, X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("learning:meeting_practice", GET):          (LOGIN, N,           N,     N,      OK,    N,      N,         N,     OK,        N,     N),
    ("learning:meeting_practice", POST):         (LOGIN, N,           N,     N,      BAD,   N,      N,         N,     BAD,       N,     N),
    # issue 17: oidc — signing in with a district's provider: public doors that send a signed-in
    # person home; the seeded provider cannot be reached, so a sign-in starts back at the sign-in page.
    ("sso:start", GET):                          (LOGIN, R,           R,     R,      R,     R,      R,         R,     R,         R,     R),
    ("sso:start", POST):                         (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
    ("sso:callback", GET):                       (LOGIN, R,           R,     R,      R,     R,      R,         R,     R,         R,     R),
    ("sso:callback", POST):                      (X,     X,           X,     X,      X,     X,      X,         X,     X,         X,     X),
}  # fmt: skip

CYCLE_URLS = set(cycle_url_names())
READ_ONLY_CYCLE_URLS = {"cycles:detail", "cycles:evidence_file", "cycles:reflection", "cycles:link"}


@dataclass
class World:
    objects: Objects  # tenant A's
    users: dict[str, User | None]


@pytest.fixture
def world(tenant_a, tenant_b, site_admin) -> World:
    objects = seed(tenant_a, "AARDVARK")
    seed(tenant_b, "ZEBRA")
    Cycle.objects.filter(pk=objects.cycle.pk).update(stage=Stage.IMPROVE)  # adjustments, and a move back to Learn
    peer = TeacherFactory(school=tenant_a.school, user=UserFactory(username="peer_teacher", role=Role.TEACHER))
    users = {
        "anonymous": None, "teacher": tenant_a.teacher.user, "peer_teacher": peer.user,
        "other_teacher": tenant_b.teacher.user, "coach": tenant_a.coach.user, "other_coach": tenant_b.coach.user,
        "district_admin": tenant_a.district_admin, "other_district_admin": tenant_b.district_admin,
        "director": tenant_a.director, "other_director": tenant_b.director, "site_admin": site_admin,
    }  # fmt: skip
    return World(objects, users)


def undeclared() -> list[str]:
    """What the table is missing (or declares in excess); empty when it covers every URL."""
    names = {name for name, _ in every_url_name()}
    problems = [f"declare {name} {request}" for name in sorted(names) for request in (GET, POST)
                if (name, request) not in MATRIX]  # fmt: skip
    problems += [f"{name} no longer exists" for name in sorted({n for n, _ in MATRIX} - names)]
    forms = {name for name, request in MATRIX if request == FORM}
    write_urls = CYCLE_URLS - READ_ONLY_CYCLE_URLS
    problems += [f"declare {name} {FORM}, with a valid form in cycles/tests/writes.py"
                 for name in sorted(write_urls - forms)]  # fmt: skip
    problems += [f"{name}: {FORM} rows are for a cycle's write URLs only" for name in sorted(forms - write_urls)]
    if set(WRITE_URLS) != write_urls:
        problems.append(f"cycles/tests/writes.py: WRITE_URLS must be {sorted(write_urls)}")
    return problems


def test_every_url_is_declared():
    assert not undeclared(), "\n".join(undeclared())


def urls_of(o: Objects) -> dict[str, str]:
    return {name: reverse(name, kwargs=url_kwargs(name, list(params), o)) for name, params in every_url_name()}


def answer(client, world: World, name: str, url: str, request: str, role: str) -> Any:
    """What one role gets from one request, as the table writes it."""
    o = world.objects
    watched = name in CYCLE_URLS
    caches["default"].clear()  # rate limits are their own test (tests/test_doors.py), not the access rules'
    with transaction.atomic():
        client.logout()
        if world.users[role] is not None:
            client.force_login(world.users[role])
        before = snapshot(o.cycle) if watched else None
        if request == GET:
            response = client.get(url)
        else:
            data = {}
            if request == FORM:
                data = valid_post(name, cycle=o.cycle, teacher=o.teacher, resource=o.resource, free_entry=o.entry,
                                  token=o.token)  # fmt: skip
            response = client.post(url, data)
        changed = watched and snapshot(o.cycle) != before
        transaction.set_rollback(True)
    status, location = response.status_code, response.get("Location", "")
    if status == 302 and location.startswith(reverse("login")):
        got: Any = LOGIN
    elif status == 302 and changed and location.startswith(reverse("cycles:detail", args=[o.cycle.public_id])):
        got = DONE
    elif status == 200 and changed and request != GET:
        got = SHOWN
    else:
        got = status
    if changed and got not in (DONE, SHOWN):
        return f"{got}, and the cycle changed"
    return got


@pytest.mark.django_db
@pytest.mark.parametrize("request_kind", [GET, POST, FORM])
def test_every_url_and_role_answers_as_declared(client, world, request_kind):
    assert not undeclared(), "\n".join(undeclared())
    wrong, cells = [], 0
    o = world.objects
    urls = urls_of(o)
    for shared in (True, False):
        cycles.cycle_share(cycle=o.cycle, teacher=o.teacher, shared=shared)
        for (name, request), row in MATRIX.items():
            if request != request_kind or (not shared and name not in CYCLE_URLS):
                continue
            for role, cell in zip(ROLES, row, strict=True):
                want = (cell.shared if shared else cell.unshared) if isinstance(cell, Sh) else cell
                got = answer(client, world, name, urls[name], request, role)
                cells += 1
                if got != want:
                    wrong.append(f"{role} {request} {name} ({'shared' if shared else 'unshared'}): {got}, "
                                 f"declared {want}")  # fmt: skip
    print(f"access matrix, {request_kind}: {cells} cells")
    assert not wrong, "\n".join(wrong)


def test_no_other_tenant_role_gets_a_page_or_an_action_on_tenant_as_objects():
    """A sanity rule over the declared table: on a URL that names one of tenant A's objects, the
    other tenant's people get no page and no completed action."""
    object_urls = {name for name, params in every_url_name() if params} - {
        "reflect", "learning:checkin_answer", "learning:resource_open", "password_reset_confirm", "invitation",  # capability or public links
        "calendars:feed",  # a coach's private calendar feed: its token is the permission
        "subscriptions:unsubscribe",  # a report email's unsubscribe link
        # issue 16: impactpage
        "impact:public",  # a program's published impact page: public by design, aggregates only
        # issue 17: oidc
        "sso:start",  # starting a sign-in with a district's provider: a signed-in person is sent home
    }  # fmt: skip
    others = [ROLES.index(r) for r in OTHER_TENANT]
    leaks = [
        f"{name} {request} {ROLES[i]}" for (name, request), row in MATRIX.items() if name in object_urls
        for i in others for cell in (row[i] if isinstance(row[i], Sh) else (row[i],)) if cell in (OK, R, DONE, SHOWN)
    ]  # fmt: skip
    assert leaks == []
