import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 3 of 3: every entry has a program; a program's report reads one index."""

    dependencies = [
        ("coaching", "0006_fill_logentry_program"),
    ]

    operations = [
        migrations.AlterField(
            model_name="logentry",
            name="program",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="coaching.program",
            ),
        ),
        migrations.AddIndex(
            model_name="logentry",
            index=models.Index(fields=["program", "school_year", "date"], name="entry_program_year_date"),
        ),
    ]
