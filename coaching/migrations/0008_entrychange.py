from django.db import migrations, models


class Migration(migrations.Migration):
    """Changes to log entries, so a report can tell that its snapshot is out of date."""

    dependencies = [
        ("coaching", "0007_logentry_program_required"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntryChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("entry_id", models.BigIntegerField()),
                ("coach_id", models.BigIntegerField()),
                ("program_id", models.BigIntegerField()),
                ("district_id", models.BigIntegerField()),
                ("school_id", models.BigIntegerField(null=True)),
                ("date", models.DateField()),
                ("changed_at", models.DateTimeField(db_index=True)),
            ],
            options={"ordering": ["-changed_at"]},
        ),
    ]
