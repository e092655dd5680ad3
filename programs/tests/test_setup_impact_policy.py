"""The program's impact policy: set beside the non-coaching threshold, audited, one's own program only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from teachers.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_policy_is_off_by_default_and_the_page_says_what_it_means(client, tenant_a):
    assert tenant_a.program.impact_counts_unshared is False
    client.force_login(tenant_a.director)
    page = client.get(reverse("programs:threshold")).content.decode()
    assert 'name="impact_counts_unshared"' in page
    assert "Count every cycle in the impact figures" in page
    assert "only the cycles whose teachers chose to share them" in page
    assert (
        "Impact figures count only the cycles teachers shared" in client.get(reverse("programs:setup")).content.decode()
    )


def test_turning_it_on_and_off_is_saved_and_audited(client, tenant_a):
    client.force_login(tenant_a.director)
    url = reverse("programs:threshold")
    # The standards lens stays on (its checkbox posted ticked, as the page shows it): only the policy changes.
    assert (
        client.post(url, {"threshold": "10", "impact_counts_unshared": "on", "standards_lens": "on"}).status_code == 302
    )
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.impact_counts_unshared is True
    # The threshold did not change: only the policy is recorded.
    assert list(AuditEvent.objects.filter(program_id=tenant_a.program.pk).values_list("detail", flat=True)) == [
        "set the impact figures to count every cycle"
    ]
    assert "Impact figures count every cycle" in client.get(reverse("programs:setup")).content.decode()
    assert client.post(url, {"threshold": "10", "standards_lens": "on"}).status_code == 302
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.impact_counts_unshared is False
    assert AuditEvent.objects.filter(program_id=tenant_a.program.pk).first().detail == \
        "set the impact figures to count only the cycles teachers shared"  # fmt: skip


def test_a_bad_threshold_keeps_the_policy_as_it_was_and_the_input_shown(client, tenant_a):
    client.force_login(tenant_a.director)
    response = client.post(reverse("programs:threshold"), {"threshold": "101", "impact_counts_unshared": "on"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a percentage from 0 to 100." in page
    assert 'value="101"' in page
    checkbox = page.split('name="impact_counts_unshared"')[1].split(">")[0]
    assert "checked" in checkbox  # the choice made is kept beside the error
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.impact_counts_unshared is False
    assert not AuditEvent.objects.filter(program_id=tenant_a.program.pk).exists()


def test_another_programs_policy_cannot_be_set(client, tenant_a, tenant_b):
    for user in (tenant_a.coach.user, tenant_a.district_admin, tenant_a.teacher.user):
        client.force_login(user)
        response = client.post(reverse("programs:threshold"), {"threshold": "10", "impact_counts_unshared": "on"})
        assert response.status_code == 403
    tenant_a.program.refresh_from_db()
    assert tenant_a.program.impact_counts_unshared is False
    # Another program named in the query string: the director's own program is the one set up.
    client.force_login(tenant_a.director)
    client.post(f"{reverse('programs:threshold')}?program={tenant_b.program.pk}",
                {"threshold": "10", "impact_counts_unshared": "on"})  # fmt: skip
    tenant_b.program.refresh_from_db()
    assert tenant_b.program.impact_counts_unshared is False
    assert not AuditEvent.objects.filter(program_id=tenant_b.program.pk).exists()
