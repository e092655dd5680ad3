"""The access matrix: every URL of the project (found by walking the URL resolver) × nine roles ×
GET and POST, each cell a declared status. A new URL fails this test until it is declared here.

The roles: anonymous; teacher A and teacher B (another district); the coach of A and another
program's coach; A's district administrator and another district's; A's program director and
another program's. Objects in URLs are tenant A's (see tests/test_tenant_isolation.seed). A POST
carries an empty form, and each cell runs in a transaction that is rolled back, so cells do not
disturb one another. 200 page, 302 redirect (to sign in, or after an action), 400/403/404/405 as
Django means them; no cell may be a 500.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from tests.test_tenant_isolation import every_url_name, seed, url_kwargs

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "teacher", "other_teacher", "coach", "other_coach", "district_admin", "other_district_admin",
         "director", "other_director")  # fmt: skip

# url name: ((GET per role), (POST per role)), roles in ROLES order.
MATRIX: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    'audit': ((302, 403, 403, 403, 403, 200, 200, 403, 403), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'learning:checkin_answer': ((200, 200, 200, 200, 200, 200, 200, 200, 200), (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    'learning:checkins': ((302, 403, 403, 200, 200, 403, 403, 200, 200), (302, 403, 403, 302, 302, 403, 403, 403, 403)),
    'learning:coach_goal_new': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 200, 200, 403, 403, 403, 403)),
    'learning:coach_goal_note': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 404, 404, 302, 404, 404, 404, 404, 404)),
    'coaching:contracts': ((302, 403, 403, 200, 200, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'coaching:district_fields': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 405, 405, 403, 403, 403, 403)),
    'coaching:entry_add': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 200, 200, 403, 403, 403, 403)),
    'coaching:entry_delete': ((302, 403, 403, 200, 404, 403, 403, 403, 403), (302, 403, 403, 302, 404, 403, 403, 403, 403)),
    'coaching:entry_edit': ((302, 403, 403, 200, 404, 403, 403, 403, 403), (302, 403, 403, 200, 404, 403, 403, 403, 403)),
    'coaching:entry_export': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 405, 405, 403, 403, 403, 403)),
    'coaching:entry_list': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 405, 405, 403, 403, 403, 403)),
    'learning:group': ((302, 404, 404, 200, 404, 404, 404, 200, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'learning:group_new': ((302, 403, 403, 403, 403, 403, 403, 200, 200), (302, 403, 403, 403, 403, 403, 403, 200, 200)),
    'learning:groups': ((302, 403, 403, 200, 200, 403, 403, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'learning:meeting_new': ((302, 404, 404, 200, 404, 404, 404, 200, 404), (302, 404, 404, 200, 404, 404, 404, 200, 404)),
    'coaching:my_sessions': ((302, 200, 200, 403, 403, 403, 403, 403, 403), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'coaching:my_week': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 405, 405, 403, 403, 403, 403)),
    'learning:resource': ((302, 404, 404, 200, 404, 404, 404, 200, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'learning:resource_new': ((302, 403, 403, 200, 200, 403, 403, 200, 200), (302, 403, 403, 200, 200, 403, 403, 200, 200)),
    'learning:resources': ((302, 403, 403, 200, 200, 403, 403, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:adjust': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 400, 404, 400, 404, 403, 404, 403, 404)),
    'cycles:checklist_add': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 400, 404, 400, 404, 403, 404, 403, 404)),
    'cycles:checklist_delete': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 302, 404, 302, 404, 403, 404, 403, 404)),
    'cycles:checklist_toggle': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 302, 404, 302, 404, 403, 404, 403, 404)),
    'cycles:detail': ((302, 200, 404, 200, 404, 200, 404, 200, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:evidence_add': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 400, 404, 400, 404, 403, 404, 403, 404)),
    'cycles:evidence_file': ((302, 200, 404, 200, 404, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:goal': ((302, 200, 404, 200, 404, 403, 404, 403, 404), (302, 200, 404, 200, 404, 403, 404, 403, 404)),
    'cycles:link': ((302, 403, 404, 200, 404, 403, 404, 403, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:link_new': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 403, 404, 400, 404, 403, 404, 403, 404)),
    'cycles:list': ((302, 200, 200, 200, 200, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:meeting_reflect': ((302, 404, 404, 200, 404, 404, 404, 200, 404), (302, 404, 404, 200, 404, 404, 404, 200, 404)),
    'cycles:move': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 403, 404, 400, 404, 403, 404, 403, 404)),
    'cycles:my_data_csv': ((302, 200, 200, 403, 403, 403, 403, 403, 403), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:my_data_json': ((302, 200, 200, 403, 403, 403, 403, 403, 403), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:pd_attendance': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 404, 404, 302, 404, 404, 404, 403, 404)),
    'cycles:pd_followup_links': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 404, 404, 200, 404, 404, 404, 403, 404)),
    'learning:pd_room_sheet': ((302, 404, 404, 200, 404, 404, 404, 200, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:pd_session': ((302, 404, 404, 200, 404, 404, 404, 200, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'learning:pd_session_new': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 200, 200, 403, 403, 403, 403)),
    'learning:pd_sessions': ((302, 403, 403, 200, 200, 403, 403, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:pd_signup_cycle': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 404, 404, 302, 404, 404, 404, 403, 404)),
    'learning:pd_signup_decide': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 404, 404, 302, 404, 404, 404, 403, 404)),
    'cycles:plan': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 400, 404, 400, 404, 403, 404, 403, 404)),
    'cycles:progress_add': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 400, 404, 400, 404, 403, 404, 403, 404)),
    'cycles:reflection': ((302, 200, 404, 200, 404, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'cycles:reflection_new': ((302, 200, 404, 200, 404, 403, 404, 403, 404), (302, 200, 404, 200, 404, 403, 404, 403, 404)),
    'cycles:share': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 302, 404, 403, 404, 403, 404, 403, 404)),
    'cycles:start': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 200, 200, 403, 403, 403, 403)),
    'cycles:strategy_resources': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 403, 404, 302, 404, 403, 404, 403, 404)),
    'cycles:teacher_erase': ((302, 404, 404, 404, 404, 200, 404, 403, 404), (302, 404, 404, 404, 404, 302, 404, 403, 404)),
    'cycles:teacher_picker': ((302, 403, 403, 200, 200, 403, 403, 403, 403), (302, 403, 403, 405, 405, 403, 403, 403, 403)),
    'cycles:time_link': ((302, 403, 404, 200, 404, 403, 404, 403, 404), (302, 403, 404, 302, 404, 403, 404, 403, 404)),
    'cycles:time_log': ((302, 403, 404, 200, 404, 403, 404, 403, 404), (302, 403, 404, 200, 404, 403, 404, 403, 404)),
    'cycles:time_unlink': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 403, 404, 302, 404, 403, 404, 403, 404)),
    'healthz': ((200, 200, 200, 200, 200, 200, 200, 200, 200), (405, 405, 405, 405, 405, 405, 405, 405, 405)),
    'home': ((302, 302, 302, 302, 302, 302, 302, 302, 302), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'login': ((200, 302, 302, 302, 302, 302, 302, 302, 302), (200, 302, 302, 302, 302, 302, 302, 302, 302)),
    'logout': ((405, 405, 405, 405, 405, 405, 405, 405, 405), (302, 302, 302, 302, 302, 302, 302, 302, 302)),
    'password_reset': ((200, 200, 200, 200, 200, 200, 200, 200, 200), (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    'password_reset_complete': ((200, 200, 200, 200, 200, 200, 200, 200, 200), (405, 405, 405, 405, 405, 405, 405, 405, 405)),
    'password_reset_confirm': ((200, 200, 200, 200, 200, 200, 200, 200, 200), (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    'password_reset_done': ((200, 200, 200, 200, 200, 200, 200, 200, 200), (405, 405, 405, 405, 405, 405, 405, 405, 405)),
    'reflect': ((200, 200, 200, 200, 200, 200, 200, 200, 200), (200, 200, 200, 200, 200, 200, 200, 200, 200)),
    'reports:dashboard': ((302, 403, 403, 200, 200, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'reports:export_csv': ((302, 403, 403, 404, 404, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'reports:export_pdf': ((302, 403, 403, 404, 404, 404, 404, 404, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'reports:refresh': ((302, 405, 405, 405, 405, 405, 405, 405, 405), (302, 403, 403, 302, 302, 302, 302, 302, 302)),
    'reports:run_status': ((302, 404, 404, 404, 404, 200, 404, 200, 404), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'learning:resource_open': ((302, 302, 302, 302, 302, 302, 302, 302, 302), (405, 405, 405, 405, 405, 405, 405, 405, 405)),
    'teachers:roster': ((302, 403, 403, 403, 403, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'teachers:roster_export': ((302, 403, 403, 403, 403, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    'teachers:roster_import': ((302, 403, 403, 403, 403, 200, 200, 200, 200), (302, 403, 403, 403, 403, 200, 200, 200, 200)),
    'teachers:roster_template': ((302, 403, 403, 403, 403, 200, 200, 200, 200), (302, 405, 405, 405, 405, 405, 405, 405, 405)),
}  # fmt: skip


def test_every_url_and_role_answers_as_declared(client, tenant_a, tenant_b):
    objects = seed(tenant_a, "AARDVARK")
    seed(tenant_b, "ZEBRA")
    users = {
        "anonymous": None, "teacher": tenant_a.teacher.user, "other_teacher": tenant_b.teacher.user,
        "coach": tenant_a.coach.user, "other_coach": tenant_b.coach.user,
        "district_admin": tenant_a.district_admin, "other_district_admin": tenant_b.district_admin,
        "director": tenant_a.director, "other_director": tenant_b.director,
    }  # fmt: skip
    names = [name for name, _ in every_url_name()]
    undeclared = sorted(set(names) - set(MATRIX))
    assert not undeclared, f"declare these URLs in MATRIX: {undeclared}"
    assert not set(MATRIX) - set(names), "MATRIX declares URLs that no longer exist"
    wrong = []
    for name, params in every_url_name():
        url = reverse(name, kwargs=url_kwargs(name, list(params), objects))
        for method, expected_row in zip(("GET", "POST"), MATRIX[name], strict=True):
            for role, expected in zip(ROLES, expected_row, strict=True):
                with transaction.atomic():
                    client.logout()
                    if users[role] is not None:
                        client.force_login(users[role])
                    response = client.get(url) if method == "GET" else client.post(url, {})
                    transaction.set_rollback(True)
                if response.status_code != expected:
                    wrong.append(f"{role} {method} {name}: {response.status_code}, declared {expected}")
    cells = len(MATRIX) * len(ROLES) * 2
    print(f"access matrix: {len(MATRIX)} URLs x {len(ROLES)} roles x 2 methods = {cells} cells")
    assert not wrong, "\n".join(wrong)


def test_no_other_tenant_role_gets_a_page_or_an_action_on_tenant_as_objects():
    """A sanity rule over the declared table: on a URL that names one of tenant A's objects, the
    other tenant's people get no page (200) and no completed action (302)."""
    object_urls = {name for name, params in every_url_name() if params} - {
        "reflect", "learning:checkin_answer", "learning:resource_open", "password_reset_confirm",  # capability or public links
    }  # fmt: skip
    others = [ROLES.index(r) for r in ("other_teacher", "other_coach", "other_district_admin", "other_director")]
    leaks = [
        f"{name} {method} {ROLES[i]}" for name in object_urls for method, row in zip(("GET", "POST"), MATRIX[name], strict=False)
        for i in others if row[i] in (200, 302)
    ]  # fmt: skip
    assert leaks == []
