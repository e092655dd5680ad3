# The Teacher Leader Model Standards' seven domains (seed 004), by their exact names.

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

DOMAINS = [
    (1, "Fostering a Collaborative Culture to Support Educator Development and Student Learning"),
    (2, "Accessing and Using Research to Improve Practice and Student Learning"),
    (3, "Promoting Professional Learning for Continuous Improvement"),
    (4, "Facilitating Improvements in Instruction and Student Learning"),
    (5, "Promoting the Use of Assessment and Data for School and District Improvement"),
    (6, "Improving Outreach and Collaboration with Families and Communities"),
    (7, "Advocating for Student Learning and the Profession"),
]


def fill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    domain = apps.get_model("coaching", "StandardsDomain")
    for number, name in DOMAINS:
        domain.objects.update_or_create(number=number, defaults={"name": name})


def empty(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("coaching", "StandardsDomain").objects.filter(number__in=[n for n, _ in DOMAINS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coaching", "0015_standards_domains"),
    ]

    operations = [migrations.RunPython(fill, empty)]
