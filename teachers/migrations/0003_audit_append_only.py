"""On PostgreSQL, refuse UPDATE and DELETE on the audit log in the database itself."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION teachers_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER teachers_auditevent_append_only BEFORE UPDATE OR DELETE ON teachers_auditevent
    FOR EACH ROW EXECUTE FUNCTION teachers_auditevent_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS teachers_auditevent_append_only ON teachers_auditevent;
DROP FUNCTION IF EXISTS teachers_auditevent_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("teachers", "0002_audit_event")]

    operations = [migrations.RunPython(create, drop)]
