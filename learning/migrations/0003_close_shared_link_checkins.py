"""Check-ins opened before invitations (one shared link anyone could answer, any number of times)
are closed now, their results frozen by the same rule as every check-in's: averages only from
five answers, comments only from five comments, in random order. Every answer row is kept."""

import random

from django.db import migrations
from django.utils import timezone

PRINCIPLES = ["equality", "choice", "voice", "dialogue", "reflection", "praxis", "reciprocity"]
MINIMUM = 5
NOTE = "Answered through a shared link, before each teacher had their own: anyone holding the link could answer."


def close_open_checkins(apps, schema_editor):
    CheckIn = apps.get_model("learning", "CheckIn")
    CheckInResponse = apps.get_model("learning", "CheckInResponse")
    for checkin in CheckIn.objects.filter(closed_at__isnull=True):
        rows = list(CheckInResponse.objects.filter(checkin=checkin).values(*PRINCIPLES, "comment"))
        shown = len(rows) >= MINIMUM
        comments = [r["comment"] for r in rows if r["comment"]]
        random.SystemRandom().shuffle(comments)
        checkin.results = {
            "answers": len(rows),
            "shown": shown,
            "principles": [[p, round(sum(r[p] for r in rows) / len(rows), 1)] for p in PRINCIPLES] if shown else [],
            "comments": comments if shown and len(comments) >= MINIMUM else [],
            "comments_withheld": shown and 0 < len(comments) < MINIMUM,
            "note": NOTE,
        }
        checkin.answered = len(rows)
        checkin.closed_at = timezone.now()
        checkin.save(update_fields=["results", "answered", "closed_at"])


class Migration(migrations.Migration):
    dependencies = [("learning", "0002_checkin_invitations")]

    operations = [migrations.RunPython(close_open_checkins, migrations.RunPython.noop)]
