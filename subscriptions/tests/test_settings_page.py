"""The Email reports page: subscribe to a scope one may see (and only that), change, stop; another
person's subscription or delivery is a 404; the page's queries do not grow with its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import ScopeKind
from reports.scopes import Scope
from subscriptions import services
from subscriptions.models import Delivery, DeliveryStatus, Frequency, Subscription
from teachers.models import AuditEvent

URL = "subscriptions:settings"


@pytest.mark.django_db
def test_an_administrator_subscribes_to_their_district_and_changes_and_stops_it(client, tenant_a):
    admin = tenant_a.district_admin
    client.force_login(admin)
    key = f"district-{tenant_a.district.pk}"
    page = client.get(reverse(URL), {"scope": key})
    assert page.status_code == 200
    assert f'value="{key}" selected' in page.content.decode()
    response = client.post(reverse(URL), {"scope": key, "frequency": "weekly"})
    assert response.status_code == 302
    sub = Subscription.objects.get(user=admin)
    assert (sub.scope_kind, sub.scope_id, sub.frequency, sub.scope_name) == ("district", tenant_a.district.pk,
                                                                             "weekly", "District A")  # fmt: skip
    again = client.post(reverse(URL), {"scope": key, "frequency": "weekly"})
    assert again.status_code == 400
    assert "You already receive this report weekly." in again.content.decode()

    client.post(reverse("subscriptions:subscription_change", args=[sub.pk]), {"frequency": "monthly"})
    assert Subscription.objects.get(pk=sub.pk).frequency == "monthly"
    client.post(reverse("subscriptions:subscription_remove", args=[sub.pk]))
    assert not Subscription.objects.get(pk=sub.pk).active
    assert "No reports by email yet." in client.get(reverse(URL)).content.decode()
    details = list(AuditEvent.objects.filter(object_type="subscription").values_list("detail", flat=True))
    assert len(details) == 3
    assert all(e for e in details)
    assert AuditEvent.objects.filter(object_type="subscription", district=tenant_a.district).count() == 3
    # Subscribing again brings the same subscription back.
    client.post(reverse(URL), {"scope": key, "frequency": "monthly"})
    assert Subscription.objects.get(pk=sub.pk).active


@pytest.mark.django_db
def test_a_scope_one_cannot_see_cannot_be_subscribed_the_error_is_beside_the_field(client, tenant_a, tenant_b):
    client.force_login(tenant_a.district_admin)
    for key in (f"district-{tenant_b.district.pk}", f"program-{tenant_a.program.pk}", "all-0", "district-x"):
        response = client.post(reverse(URL), {"scope": key, "frequency": "monthly"})
        assert response.status_code == 400, key
        page = response.content.decode()
        assert "Choose one of the reports you may see." in page
        assert 'id="error_1_id_scope"' in page  # crispy puts it under the field
        assert 'value="monthly" selected' in page  # what was typed is kept
    assert not Subscription.objects.exists()
    with pytest.raises(Exception, match="cannot receive"):
        services.subscription_add(user=tenant_a.district_admin, scope=Scope(ScopeKind.DISTRICT, tenant_b.district.pk),
                                  frequency=Frequency.WEEKLY)  # fmt: skip


@pytest.mark.django_db
def test_a_director_may_subscribe_to_their_program_and_districts_but_not_anothers(client, tenant_a, tenant_b):
    client.force_login(tenant_a.director)
    assert (
        client.post(reverse(URL), {"scope": f"program-{tenant_a.program.pk}", "frequency": "monthly"}).status_code
        == 302
    )
    assert client.post(reverse(URL), {"scope": f"district-{tenant_a.district.pk}-p{tenant_a.program.pk}",
                                      "frequency": "monthly"}).status_code == 302  # fmt: skip
    assert (
        client.post(reverse(URL), {"scope": f"program-{tenant_b.program.pk}", "frequency": "monthly"}).status_code
        == 400
    )
    assert Subscription.objects.filter(user=tenant_a.director).count() == 2


@pytest.mark.django_db
def test_another_persons_subscription_and_delivery_are_404(client, tenant_a, tenant_b):
    sub = services.subscription_add(user=tenant_a.district_admin, scope=Scope(ScopeKind.DISTRICT, tenant_a.district.pk),
                                    frequency=Frequency.WEEKLY)  # fmt: skip
    delivery = Delivery.objects.create(
        subscription=sub, period_start=dt.date(2026, 11, 23), period_end=dt.date(2026, 11, 29),
        period_label="Week of Nov 23, 2026", status=DeliveryStatus.FAILED, attempts=5,
        last_error="SMTPException: down",
    )  # fmt: skip
    for other in (tenant_b.district_admin, tenant_a.director):
        client.force_login(other)
        assert client.post(reverse("subscriptions:subscription_change", args=[sub.pk]),
                           {"frequency": "monthly"}).status_code == 404  # fmt: skip
        assert client.post(reverse("subscriptions:subscription_remove", args=[sub.pk])).status_code == 404
        assert client.post(reverse("subscriptions:delivery_retry", args=[delivery.pk])).status_code == 404
        assert "SMTPException" not in client.get(reverse(URL)).content.decode()
    sub.refresh_from_db()
    delivery.refresh_from_db()
    assert (sub.active, sub.frequency, delivery.attempts, delivery.next_attempt_at) == (True, "weekly", 5, None)
    for role in (tenant_a.coach.user, tenant_a.teacher.user):
        client.force_login(role)
        assert client.get(reverse(URL)).status_code == 403


def _rows(tenant, n: int, *, first: int = 0) -> None:
    """Deliveries `first` to `first + n` of the administrator's weekly and monthly subscriptions."""
    admin = tenant.district_admin
    scope = Scope(ScopeKind.DISTRICT, tenant.district.pk)
    subs = [Subscription.objects.filter(user=admin, frequency=f).first()
            or services.subscription_add(user=admin, scope=scope, frequency=f) for f in Frequency.values]  # fmt: skip
    start = dt.date(2026, 1, 5)
    Delivery.objects.bulk_create(
        Delivery(subscription=subs[i % 2], period_start=start + dt.timedelta(weeks=i),
                 period_end=start + dt.timedelta(weeks=i, days=6), period_label=f"Week {i}",
                 status=[DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.STOPPED][i % 3],
                 last_error="" if i % 3 == 0 else f"error {i}")
        for i in range(first, first + n)
    )  # fmt: skip


def _page_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(URL))
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.django_db
def test_the_page_reads_the_same_few_queries_for_3_or_30_deliveries(client, tenant_a, django_assert_max_num_queries):
    _rows(tenant_a, 3)
    client.force_login(tenant_a.district_admin)
    with django_assert_max_num_queries(11):
        few, page = _page_queries(client)
    assert page.count('data-testid="delivery"') == 3
    assert page.count('data-testid="subscription"') == 2
    _rows(tenant_a, 30, first=3)
    many, page = _page_queries(client)
    assert page.count('data-testid="delivery"') == 20
    assert "error 32" in page  # the newest first
    assert many == few


@pytest.mark.django_db
def test_the_site_administrator_sees_failed_deliveries_in_the_admin_and_sends_them_again(client, site_admin, tenant_a):
    sub = services.subscription_add(user=tenant_a.district_admin, scope=Scope(ScopeKind.DISTRICT, tenant_a.district.pk),
                                    frequency=Frequency.WEEKLY)  # fmt: skip
    failed = Delivery.objects.create(
        subscription=sub, period_start=dt.date(2026, 11, 23), period_end=dt.date(2026, 11, 29),
        period_label="Week of Nov 23, 2026", status=DeliveryStatus.FAILED, attempts=5,
        last_error="SMTPException: down",
    )  # fmt: skip
    client.force_login(site_admin)
    url = reverse("admin:subscriptions_delivery_changelist")
    listed = client.get(url, {"status__exact": "failed"})
    assert "SMTPException: down" in listed.content.decode()
    client.post(url, {"action": "send_again", "_selected_action": [failed.pk]})
    failed.refresh_from_db()
    assert failed.attempts == 0
    assert failed.next_attempt_at is not None
