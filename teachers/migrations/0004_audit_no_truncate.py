"""On PostgreSQL, refuse TRUNCATE on the audit log too (UPDATE and DELETE already are).

A session may allow it only by saying so (`fulcrum.audit_truncate = on`): the test suite's
connections do, so the test runner can empty its own throwaway database between tests."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION teachers_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('fulcrum.audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER teachers_auditevent_no_truncate BEFORE TRUNCATE ON teachers_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION teachers_auditevent_no_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS teachers_auditevent_no_truncate ON teachers_auditevent;
DROP FUNCTION IF EXISTS teachers_auditevent_no_truncate();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("teachers", "0003_audit_append_only")]

    operations = [migrations.RunPython(create, drop)]
