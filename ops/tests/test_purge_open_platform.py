"""The daily purge also clears the API's expired idempotency keys and the webhooks' old deliveries
(M15.2, M15.4)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import IdempotentRequest
from ops.maintenance import purge_expired_data
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def test_expired_idempotency_keys_are_purged(settings, agent):
    """M15.2"""
    settings.API_IDEMPOTENCY_HOURS = 24
    old = IdempotentRequest.objects.create(user=agent, key="ancienne", fingerprint="x", status_code=201, body={})
    recent = IdempotentRequest.objects.create(user=agent, key="recente", fingerprint="x", status_code=201, body={})
    IdempotentRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_expired_data()["idempotency_keys"] == 1
    assert list(IdempotentRequest.objects.values_list("pk", flat=True)) == [recent.pk]


def test_old_deliveries_are_purged_but_not_those_still_due(settings):
    """M15.4"""
    settings.RETENTION_EMAIL_DAYS = 30
    endpoint = Endpoint.objects.create(url="https://erp.example.com/hooks", events=["ticket.created"])
    done = Delivery.objects.create(endpoint=endpoint, event="ticket.created", payload={}, state="succeeded")
    due = Delivery.objects.create(endpoint=endpoint, event="ticket.created", payload={}, state="retrying")
    Delivery.objects.filter(pk__in=[done.pk, due.pk]).update(created_at=timezone.now() - timedelta(days=40))
    assert purge_expired_data()["webhook_deliveries"] == 1
    assert list(Delivery.objects.values_list("pk", flat=True)) == [due.pk]
