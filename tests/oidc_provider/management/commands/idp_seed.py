"""Register applications and people, from the JSON the starting test passes:
{"clients": [{"name", "client_id", "client_secret", "redirect_uris", "skip_authorization"}],
 "users": [{"username", "email", "password", "verified"}]}."""

import json

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from oauth2_provider.models import Application


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("spec")

    def handle(self, *args, spec, **options):
        data = json.loads(spec)
        unverified, _ = Group.objects.get_or_create(name="unverified")
        for c in data["clients"]:
            Application.objects.create(
                name=c["name"],
                client_id=c["client_id"],
                client_secret=c["client_secret"],
                client_type=Application.CLIENT_CONFIDENTIAL,
                authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
                redirect_uris=" ".join(c["redirect_uris"]),
                algorithm=Application.RS256_ALGORITHM,
                skip_authorization=c["skip_authorization"],
            )
        for u in data["users"]:
            user = User.objects.create_user(u["username"], email=u["email"], password=u["password"])
            if not u["verified"]:
                user.groups.add(unverified)
