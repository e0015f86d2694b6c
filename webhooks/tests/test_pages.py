"""The vendor administrator's « Webhooks » pages: endpoints, secret, delivery log, « Renvoyer » (M15.4)."""

import pytest

from testing.tickets import file_di
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


def test_the_vendor_administrator_registers_an_endpoint_and_sees_its_secret(client, vendor_admin, webhook_receiver):
    """M15.4"""
    client.force_login(vendor_admin)
    assert "Webhooks" in client.get("/").content.decode()
    response = client.post(
        "/webhooks/", {"url": webhook_receiver.url(), "events": ["ticket.created", "account.created"]}
    )
    endpoint = Endpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/webhooks/{endpoint.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in page
    assert "DI déposée" in page and "Compte créé" in page


def test_a_private_address_is_refused_on_the_form(client, vendor_admin, settings):
    """M15.4"""
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    client.force_login(vendor_admin)
    response = client.post("/webhooks/", {"url": "http://169.254.169.254/latest/", "events": ["ticket.created"]})
    assert response.status_code == 200 and "pas publique" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_the_delivery_log_and_resend(client, vendor_admin, agent, webhook_receiver):
    """M15.4"""
    client.force_login(vendor_admin)
    client.post("/webhooks/", {"url": webhook_receiver.url(), "events": ["ticket.created"]})
    endpoint = Endpoint.objects.get()
    ticket = file_di(agent)  # outside a request: delivered after the test's commit only through a request
    delivery = Delivery.objects.get()
    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert delivery.message_id in page and "DI déposée" in page
    response = client.post(f"/webhooks/{endpoint.pk}/livraisons/{delivery.pk}/renvoyer/")
    assert response.status_code == 302
    copy = Delivery.objects.exclude(pk=delivery.pk).get()
    assert copy.message_id == delivery.message_id and copy.state == Delivery.State.SUCCEEDED
    [request] = webhook_receiver.requests
    assert request.headers["webhook-id"] == delivery.message_id and ticket.number.encode() in request.body


def test_a_deactivated_endpoint_gets_nothing(client, vendor_admin, agent, webhook_receiver):
    """M15.4"""
    client.force_login(vendor_admin)
    client.post("/webhooks/", {"url": webhook_receiver.url(), "events": ["ticket.created"]})
    endpoint = Endpoint.objects.get()
    client.post(f"/webhooks/{endpoint.pk}/activation/")
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    file_di(agent)
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("who", ["support", "est_admin", "agent"])
def test_only_the_vendor_administrator_reaches_the_webhooks(client, who, request):
    """M15.4"""
    client.force_login(request.getfixturevalue(who))
    assert client.get("/webhooks/").status_code == 403
