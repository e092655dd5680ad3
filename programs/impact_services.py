"""Publishing a program's impact page: a new public address, or taking the live one down. Both are
written to the audit log as sharing changes, with the program."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from coaching.models import Program
from teachers.audit import audit_record
from teachers.models import AuditAction, User

from .models import ImpactPublication


def impact_live_publication(*, program: Program) -> ImpactPublication | None:
    """The program's live publication, if its page is published."""
    return ImpactPublication.objects.filter(program=program, revoked_at__isnull=True).first()


@transaction.atomic
def impact_publish(*, program: Program, by: User, request: HttpRequest | None = None) -> ImpactPublication:
    """Publish the page at a public address (256 random bits). Publishing a page already published
    keeps its address, so a second click (or a resent form) changes nothing."""
    Program.objects.select_for_update().filter(pk=program.pk).first()  # one publication at a time
    live = impact_live_publication(program=program)
    if live is not None:
        return live
    publication = ImpactPublication(program=program, token=secrets.token_urlsafe(32), published_by=by,
                                    published_at=timezone.now())  # fmt: skip
    publication.full_clean()
    publication.save()
    audit_record(action=AuditAction.SHARING_CHANGE, actor=by, request=request, program=program.pk,
                 object_type="impact page", object_ref=publication.pk,
                 detail="published the program's impact page at a public address")  # fmt: skip
    return publication


@transaction.atomic
def impact_unpublish(*, program: Program, by: User, request: HttpRequest | None = None) -> bool:
    """Take the public address down for good (False when nothing was published)."""
    live = ImpactPublication.objects.select_for_update().filter(program=program, revoked_at__isnull=True).first()
    if live is None:
        return False
    live.revoked_at, live.revoked_by = timezone.now(), by
    live.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(action=AuditAction.SHARING_CHANGE, actor=by, request=request, program=program.pk,
                 object_type="impact page", object_ref=live.pk,
                 detail="took the program's public impact page down")  # fmt: skip
    return True
