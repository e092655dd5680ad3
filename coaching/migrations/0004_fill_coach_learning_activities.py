"""A coach's own learning is loggable too, on the input side of the role: continuous learning
and coach group meetings (coaching the coaches)."""

from django.db import migrations

ACTIVITIES = [("Continuous Learning", 16), ("Coach Group Meeting", 17)]


def fill(apps, schema_editor):
    Activity = apps.get_model("coaching", "Activity")
    for name, position in ACTIVITIES:
        Activity.objects.update_or_create(
            name=name, program=None, defaults={"kind": "coaching", "balance": "input", "position": position}
        )


def empty(apps, schema_editor):
    Activity = apps.get_model("coaching", "Activity")
    Activity.objects.filter(program=None, name__in=[n for n, _ in ACTIVITIES], entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("coaching", "0003_group_learning")]

    operations = [migrations.RunPython(fill, empty)]
