import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 1 of 3: the entry's program, nullable while existing rows are filled."""

    dependencies = [
        ("coaching", "0004_fill_coach_learning_activities"),
    ]

    operations = [
        migrations.AddField(
            model_name="logentry",
            name="program",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="coaching.program",
            ),
        ),
    ]
