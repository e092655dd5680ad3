"""Cycles' links to PD sessions, meetings, sign-ups and resources follow them to `learning`."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cycles", "0003_strategy_resources"),
        ("learning", "0001_initial"),
    ]

    operations = [
        # The foreign keys point at the same tables as before; only the owning app changes in the state.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="cycle",
                    name="from_signup",
                    field=models.OneToOneField(
                        blank=True,
                        help_text="The PD sign-up (modeled lesson or co-teaching) this cycle grew from.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="cycle",
                        to="learning.signup",
                    ),
                ),
                migrations.AlterField(
                    model_name="cycle",
                    name="strategy_resources",
                    field=models.ManyToManyField(
                        blank=True,
                        help_text="Library resources for the strategy.",
                        related_name="cycles",
                        to="learning.resource",
                    ),
                ),
                migrations.AlterField(
                    model_name="reflection",
                    name="group_meeting",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reflections",
                        to="learning.groupmeeting",
                    ),
                ),
                migrations.AlterField(
                    model_name="reflection",
                    name="pd_session",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reflections",
                        to="learning.pdsession",
                    ),
                ),
                migrations.AlterField(
                    model_name="reflectionlink",
                    name="pd_session",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reflection_links",
                        to="learning.pdsession",
                    ),
                ),
            ],
        ),
    ]
