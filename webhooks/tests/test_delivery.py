"""Webhooks: the events, signed as Standard Webhooks says, to a real receiver on 127.0.0.1,
retried with backoff, SSRF-guarded (M15.4)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from collaborators.services import user_deactivate
from support import services as support_services
from testing.personas import make_user
from testing.tickets import file_di, propose_closure, ratings, take
from webhooks import guard, services
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def endpoint(vendor_admin, webhook_receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.endpoint_create(
            acting_user=vendor_admin,
            url=webhook_receiver.url(),
            events=[event for event in Event.values if event.startswith("ticket.")],
            description="ERP",
        )


def verified(endpoint, request):
    """The payload, once its signature is verified as a receiver does."""
    return Webhook(endpoint.secret).verify(request.body, request.headers)


def test_a_filed_di_reaches_the_receiver_signed(endpoint, webhook_receiver, agent, django_capture_on_commit_callbacks):
    """M15.4"""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file_di(agent)
    [request] = webhook_receiver.requests
    payload = verified(endpoint, request)
    assert payload["type"] == "ticket.created" and payload["data"]["number"] == ticket.number
    assert payload["data"]["establishment"]["name"] == "Centre Hospitalier Alpha"
    assert request.headers["webhook-id"].startswith("msg_")
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.SUCCEEDED and delivery.last_status_code == 200


def test_a_forged_signature_fails_verification(endpoint, webhook_receiver, agent, django_capture_on_commit_callbacks):
    """M15.4"""
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    [request] = webhook_receiver.requests
    other = Webhook("whsec_" + "QUJD" * 8)
    with pytest.raises(Exception, match="signature"):
        other.verify(request.body, request.headers)
    with pytest.raises(Exception, match="signature"):
        Webhook(endpoint.secret).verify(request.body.replace(b"ticket", b"tickex"), request.headers)


def test_the_dis_events_answered_status_changed_closure_refused_and_validated(
    endpoint, webhook_receiver, agent, support, django_capture_on_commit_callbacks
):
    """M15.4"""
    ticket = file_di(agent)
    with django_capture_on_commit_callbacks(execute=True):
        take(ticket, support)
        support_services.ticket_reply(ticket, acting_user=support, body="Voici")
        propose_closure(ticket, support)
        support_services.ticket_refuse_closure(ticket, acting_user=agent, body="Non")
        propose_closure(ticket, support)
        support_services.ticket_validate_closure(ticket, acting_user=agent, ratings=ratings())
    types = [verified(endpoint, r)["type"] for r in webhook_receiver.requests]
    assert "ticket.answered" in types
    assert types.count("ticket.closure_refused") == 1 and types.count("ticket.closure_validated") == 1
    changes = [
        (p["data"]["from_status"], p["data"]["to_status"])
        for p in (verified(endpoint, r) for r in webhook_receiver.requests)
        if p["type"] == "ticket.status_changed"
    ]
    assert ("to_process", "in_progress") in changes and ("closure_pending", "closed") in changes


def test_account_created_and_deactivated(
    vendor_admin, webhook_receiver, est_a, est_admin, django_capture_on_commit_callbacks
):
    """M15.4"""
    with django_capture_on_commit_callbacks(execute=True):
        endpoint = services.endpoint_create(
            acting_user=vendor_admin, url=webhook_receiver.url(), events=["account.created", "account.deactivated"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        user = make_user("nouveau@alpha.example", est_a)
    with django_capture_on_commit_callbacks(execute=True):
        user_deactivate(user, acting_user=est_admin)
    payloads = [verified(endpoint, r) for r in webhook_receiver.requests]
    assert [(p["type"], p["data"]["email"]) for p in payloads] == [
        ("account.created", "nouveau@alpha.example"),
        ("account.deactivated", "nouveau@alpha.example"),
    ]


def test_an_endpoint_gets_only_its_events(vendor_admin, webhook_receiver, agent, django_capture_on_commit_callbacks):
    """M15.4"""
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_create(acting_user=vendor_admin, url=webhook_receiver.url(), events=["account.created"])
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    assert webhook_receiver.requests == [] and not Delivery.objects.exists()


def test_a_failed_delivery_is_retried_with_backoff_under_the_same_id(
    endpoint, webhook_receiver, agent, django_capture_on_commit_callbacks
):
    """M15.4"""
    webhook_receiver.answers = [(500, None)]
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.RETRYING and delivery.last_status_code == 500
    assert timedelta(seconds=25) < delivery.next_attempt_at - timezone.now() <= timedelta(seconds=30)
    assert services.deliveries_due() == 0  # not yet due
    assert services.deliveries_due(timezone.now() + timedelta(seconds=31)) == 1
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SUCCEEDED and delivery.attempts == 2
    first, second = webhook_receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    assert verified(endpoint, second)["type"] == "ticket.created"


def test_after_the_last_attempt_the_delivery_fails(
    endpoint, webhook_receiver, agent, django_capture_on_commit_callbacks
):
    """M15.4"""
    webhook_receiver.answers = [(503, None)] * services.MAX_ATTEMPTS
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    delivery = Delivery.objects.get()
    for delay in services.BACKOFF:
        services.deliveries_due(timezone.now() + timedelta(seconds=delay + 1))
        delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED and delivery.attempts == services.MAX_ATTEMPTS


def test_in_production_the_worker_delivers_after_the_commit(
    endpoint, webhook_receiver, agent, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """M15.4"""
    from webhooks import tasks

    settings.WEBHOOKS_DELIVERY = "celery"
    queued = []
    monkeypatch.setattr(tasks.deliver, "delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_di(agent)
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert queued == [Delivery.objects.get().pk] and webhook_receiver.requests == []


# --- The SSRF guard -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_the_guard_refuses_non_public_addresses(address, settings):
    """M15.4"""
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    with pytest.raises(guard.Refused):
        guard.check_address(address)


def test_the_guard_lets_public_addresses_and_allowed_networks_through(settings):
    """M15.4"""
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.0.5.0/24"]
    guard.check_address("93.184.216.34")
    guard.check_address("2606:4700::1111")
    guard.check_address("10.0.5.7")
    with pytest.raises(guard.Refused):
        guard.check_address("10.0.6.7")


def test_registering_a_private_address_is_refused(vendor_admin, settings):
    """M15.4"""
    settings.WEBHOOKS_ALLOWED_NETWORKS = []
    for url in ("http://127.0.0.1:8000/hooks", "http://169.254.169.254/latest/meta-data/", "ftp://example.com/"):
        with pytest.raises(ValidationError):
            services.endpoint_create(acting_user=vendor_admin, url=url, events=["ticket.created"])
    assert not Endpoint.objects.exists()


def test_a_name_that_resolves_to_a_private_address_at_delivery_is_refused(
    vendor_admin, webhook_receiver, agent, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """M15.4: checked after the resolution, at each delivery (the DNS may have changed since)."""
    dns = {"hooks.example": ["93.184.216.34"]}
    monkeypatch.setattr(guard, "resolve", lambda host, port: dns[host])
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_create(acting_user=vendor_admin, url="http://hooks.example/in", events=["ticket.created"])
    dns["hooks.example"] = ["169.254.169.254"]
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.FAILED and "169.254.169.254" in delivery.last_error
    assert webhook_receiver.requests == []


def test_the_connection_goes_to_the_address_checked(
    vendor_admin, webhook_receiver, agent, monkeypatch, django_capture_on_commit_callbacks
):
    """M15.4: the name is resolved once; the request goes to that address with the name as Host."""
    monkeypatch.setattr(guard, "resolve", lambda host, port: ["127.0.0.1"])
    url = f"http://hooks.example:{webhook_receiver.port}/in"
    with django_capture_on_commit_callbacks(execute=True):
        endpoint = services.endpoint_create(acting_user=vendor_admin, url=url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    [request] = webhook_receiver.requests
    assert request.headers["Host"] == f"hooks.example:{webhook_receiver.port}"
    assert verified(endpoint, request)["type"] == "ticket.created"


def test_a_redirect_is_followed_only_to_an_allowed_address(
    endpoint, webhook_receiver, agent, django_capture_on_commit_callbacks
):
    """M15.4"""
    webhook_receiver.answers = [(307, webhook_receiver.url("/ailleurs")), (307, "http://169.254.169.254/latest/")]
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    assert [r.path for r in webhook_receiver.requests] == ["/hooks", "/ailleurs"]
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.FAILED and "169.254.169.254" in delivery.last_error


def test_the_payload_is_the_json_signed(endpoint, webhook_receiver, agent, django_capture_on_commit_callbacks):
    """M15.4"""
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    [request] = webhook_receiver.requests
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == Delivery.objects.get().payload


def test_a_delivery_not_due_is_not_sent_twice(endpoint, webhook_receiver, agent, django_capture_on_commit_callbacks):
    """M15.4: a retry whose time has not come (or that another worker is sending) is left alone."""
    webhook_receiver.answers = [(500, None)]
    with django_capture_on_commit_callbacks(execute=True):
        file_di(agent)
    delivery = Delivery.objects.get()
    assert services.delivery_attempt(delivery.pk) is None
    assert len(webhook_receiver.requests) == 1
