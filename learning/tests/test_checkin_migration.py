"""The data move that closes check-ins opened before invitations keeps every answer row and
freezes their results by the rule every check-in now follows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from learning.models import PRINCIPLES

BEFORE = [("learning", "0002_checkin_invitations")]
AFTER = [("learning", "0003_close_shared_link_checkins")]


@pytest.mark.django_db(transaction=True)
def test_shared_link_check_ins_are_closed_with_their_answers_kept(tenant_a):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    CheckIn, Response = old.get_model("learning", "CheckIn"), old.get_model("learning", "CheckInResponse")
    many = CheckIn.objects.create(coach_id=tenant_a.coach.pk, closes_on=dt.date(2026, 12, 20), title="Many")
    few = CheckIn.objects.create(coach_id=tenant_a.coach.pk, closes_on=dt.date(2026, 12, 20), title="Few")
    for i in range(6):
        Response.objects.create(checkin=many, comment=f"comment {i}", **dict.fromkeys(PRINCIPLES, 3 + i % 2))
    for _ in range(3):
        Response.objects.create(checkin=few, comment="", **dict.fromkeys(PRINCIPLES, 5))
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        CheckIn, Response = new.get_model("learning", "CheckIn"), new.get_model("learning", "CheckInResponse")
        many, few = CheckIn.objects.get(title="Many"), CheckIn.objects.get(title="Few")
        assert Response.objects.count() == 9  # every answer row kept
        assert many.closed_at is not None
        assert few.closed_at is not None
        assert many.results["shown"] is True
        assert dict(many.results["principles"])["voice"] == 3.5
        assert sorted(many.results["comments"]) == [f"comment {i}" for i in range(6)]
        assert "shared link" in many.results["note"]
        assert few.results == {**few.results, "answers": 3, "shown": False, "principles": [], "comments": []}
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
