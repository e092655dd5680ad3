"""The built-in lists ship as data: the 15 LTC coaching activities (each on the input or
output side of the coaching role), the non-coaching duties of "what coaching is not", and a
starting set of focus areas. Programs edit or extend them in the admin."""

from django.db import migrations

# (name, balance) in the order of the LTC report's list.
COACHING_ACTIVITIES = [
    ("Coaching Cycles", "output"),
    ("Informal Coaching", "output"),
    ("Co-Planning", "output"),
    ("Goal Setting", "input"),
    ("Modeling or Co-teaching", "output"),
    ("Observation or Feedback", "input"),
    ("Problem Solving", "output"),
    ("Curriculum Work", "output"),
    ("Resource Development", "output"),
    ("District Planning", "input"),
    ("Data Analysis", "input"),
    ("Small or Large Group Instruction", "output"),
    ("Facilitation of Professional Development", "output"),
    ("Technical Training", "output"),
    ("Individual or Team Meeting", "output"),
]

NON_COACHING_DUTIES = [
    "Substituting",
    "Fixing broken technology",
    "Administering assessments",
    "Acting as an administrator",
    "Evaluation or evaluation data",
    "Other duties as assigned",
]

FOCUS_AREAS = [
    "Technology integration",
    "Literacy",
    "Math",
    "Science",
    "Social-emotional learning",
    "Assessment & data",
    "Classroom management",
    "Digital citizenship",
    "Student engagement & agency",
    "Differentiation",
]


def fill(apps, schema_editor):
    Activity = apps.get_model("coaching", "Activity")
    FocusArea = apps.get_model("coaching", "FocusArea")
    for position, (name, balance) in enumerate(COACHING_ACTIVITIES, start=1):
        Activity.objects.update_or_create(
            name=name, program=None, defaults={"kind": "coaching", "balance": balance, "position": position}
        )
    for position, name in enumerate(NON_COACHING_DUTIES, start=1):
        Activity.objects.update_or_create(
            name=name, program=None, defaults={"kind": "non_coaching", "balance": "", "position": position}
        )
    for position, name in enumerate(FOCUS_AREAS, start=1):
        FocusArea.objects.update_or_create(name=name, program=None, defaults={"position": position})


def empty(apps, schema_editor):
    Activity = apps.get_model("coaching", "Activity")
    FocusArea = apps.get_model("coaching", "FocusArea")
    names = [name for name, _ in COACHING_ACTIVITIES] + NON_COACHING_DUTIES
    Activity.objects.filter(program=None, name__in=names, entries__isnull=True).delete()
    FocusArea.objects.filter(program=None, name__in=FOCUS_AREAS, entries__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("coaching", "0001_initial")]

    operations = [migrations.RunPython(fill, empty)]
