"""Webhooks (SPEC M15.4): events written as deliveries in the transaction that caused them, sent
after the commit (by the Celery worker in production), signed as the Standard Webhooks
specification says (``standardwebhooks``), retried with backoff, each attempt logged.

A delivery is one POST of JSON ``{"type", "timestamp", "data"}`` with the headers
``webhook-id`` (the same for every attempt and for « Renvoyer »: the receiver deduplicates),
``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``)."""

import json
import logging
from datetime import timedelta
from urllib.parse import urljoin

import certifi
import urllib3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from core.caching import forget, remember

from . import guard
from .models import Delivery, Endpoint, Event

logger = logging.getLogger(__name__)

ENDPOINTS_KEY = "webhooks-endpoints"
BACKOFF = (30, 120, 600, 3600, 6 * 3600, 12 * 3600)  # seconds before the 2nd, 3rd… attempt
MAX_ATTEMPTS = len(BACKOFF) + 1
MAX_REDIRECTS = 3
USER_AGENT = "EspaceClients-Webhooks/1"
RETRYABLE = (urllib3.exceptions.HTTPError, OSError)


# --- Endpoints -----------------------------------------------------------------------------


def _subscriptions():
    """[(endpoint id, its events)] of the active endpoints, cached: asked at every event."""
    return remember(
        ENDPOINTS_KEY, 300, lambda: [(e.pk, list(e.events)) for e in Endpoint.objects.filter(is_active=True)]
    )


def listened(event):
    """Whether an active endpoint listens to ``event`` (no query: the cached subscriptions)."""
    return any(event in events for _pk, events in _subscriptions())


def _check_admin(user):
    if not user.is_vendor_admin:
        raise PermissionDenied(_("Seul un administrateur de l'éditeur gère les webhooks."))


def _clean(url, events):
    unknown = set(events) - set(Event.values)
    if not events or unknown:
        raise ValidationError({"events": _("Choisissez au moins un événement de la liste.")})
    try:
        guard.target(url)
    except guard.Refused as refusal:
        raise ValidationError({"url": str(refusal)}) from None


def endpoint_create(*, acting_user, url, events, description=""):
    _check_admin(acting_user)
    _clean(url, events)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=url, events=list(events), description=description, created_by=acting_user
        )
        transaction.on_commit(lambda: forget(ENDPOINTS_KEY))
    return endpoint


def endpoint_set_active(endpoint, *, acting_user, active):
    _check_admin(acting_user)
    with transaction.atomic():
        endpoint.is_active = active
        endpoint.save(update_fields=["is_active"])
        transaction.on_commit(lambda: forget(ENDPOINTS_KEY))
    return endpoint


# --- Events --------------------------------------------------------------------------------


def emit(event, data):
    """Queue ``event`` for every active endpoint that listens to it. ``data()`` builds the payload's
    data (called only when someone listens). Call inside the transaction of the change."""
    endpoint_ids = [pk for pk, events in _subscriptions() if event in events]
    if not endpoint_ids:
        return []
    payload = {"type": event, "timestamp": timezone.now().isoformat(), "data": data()}
    deliveries = [Delivery.objects.create(endpoint_id=pk, event=event, payload=payload) for pk in endpoint_ids]
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: dispatch(ids))
    return deliveries


def dispatch(delivery_ids):
    """After the commit: the worker's job in production, an attempt right away in the embedded default."""
    if settings.WEBHOOKS_DELIVERY == "celery":
        from .tasks import deliver

        for pk in delivery_ids:
            deliver.delay(pk)
    else:
        for pk in delivery_ids:
            delivery_attempt(pk)


def delivery_resend(delivery, *, acting_user):
    """« Renvoyer »: the same message (same ``webhook-id``), sent again as a new delivery."""
    _check_admin(acting_user)
    with transaction.atomic():
        copy = Delivery.objects.create(
            endpoint=delivery.endpoint, message_id=delivery.message_id, event=delivery.event, payload=delivery.payload
        )
        transaction.on_commit(lambda: dispatch([copy.pk]))
    return copy


# --- Sending -------------------------------------------------------------------------------


def signed_headers(endpoint, message_id, body, when):
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(endpoint.secret).sign(message_id, when, body),
    }


def _pool(scheme, host, port, address):
    timeout = urllib3.Timeout(connect=settings.WEBHOOKS_TIMEOUT, read=settings.WEBHOOKS_TIMEOUT)
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=timeout,
            retries=False,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
        )
    return urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)


def send(url, body, headers):
    """POST ``body`` to ``url`` through the guard, following at most MAX_REDIRECTS redirects, each
    checked anew; returns the final HTTP status. Raises guard.Refused or a network error."""
    for _hop in range(MAX_REDIRECTS + 1):
        scheme, host, port, path, address = guard.target(url)
        default_port = 443 if scheme == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        pool = _pool(scheme, host, port, address)
        try:
            response = pool.urlopen(
                "POST",
                path,
                body=body,
                headers={**headers, "Host": host_header},
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            location = response.headers.get("Location")
            response.read(64 * 1024)
            response.release_conn()
        finally:
            pool.close()
        if response.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        return response.status
    raise guard.Refused(_("Trop de redirections."))


CLOCK_TOLERANCE = timedelta(seconds=5)  # a retry's job may start a little before its time


def delivery_attempt(delivery_id, now=None):
    """One attempt of a delivery still due (not sent yet, or its retry's time come; never one that
    another worker is sending); its outcome written on it. Returns the delivery, None if not due."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .filter(pk=delivery_id, state__in=(Delivery.State.PENDING, Delivery.State.RETRYING))
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + CLOCK_TOLERANCE))
            .first()
        )
        if delivery is None:
            return None
        # Claimed: another worker's attempt of the same delivery waits for this one's outcome.
        delivery.next_attempt_at = now + timedelta(seconds=settings.WEBHOOKS_TIMEOUT * (MAX_REDIRECTS + 2))
        delivery.save(update_fields=["next_attempt_at"])
    endpoint = Endpoint.objects.get(pk=delivery.endpoint_id)
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    now = timezone.now()
    status, error, final = None, "", False
    try:
        status = send(endpoint.url, body.encode(), signed_headers(endpoint, delivery.message_id, body, now))
        if not 200 <= status < 300:
            error = _("Réponse HTTP %(status)s.") % {"status": status}
    except guard.Refused as refusal:
        error, final = str(refusal), True  # never retried: the address itself is refused
    except RETRYABLE as failure:
        error = _("Injoignable : %(error)s") % {"error": failure.__class__.__name__}
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status
    delivery.last_error = error[:300]
    if not error:
        delivery.state, delivery.next_attempt_at = Delivery.State.SUCCEEDED, None
    elif final or delivery.attempts >= MAX_ATTEMPTS or not endpoint.is_active:
        delivery.state, delivery.next_attempt_at = Delivery.State.FAILED, None
    else:
        delay = BACKOFF[delivery.attempts - 1]
        delivery.state, delivery.next_attempt_at = Delivery.State.RETRYING, now + timedelta(seconds=delay)
    delivery.save(
        update_fields=["attempts", "last_attempt_at", "last_status_code", "last_error", "state", "next_attempt_at"]
    )
    if delivery.state == Delivery.State.RETRYING and settings.WEBHOOKS_DELIVERY == "celery":
        from .tasks import deliver

        deliver.apply_async((delivery.pk,), countdown=BACKOFF[delivery.attempts - 1])
    if error:
        logger.warning("Webhook %s to endpoint %s: %s", delivery.message_id, endpoint.pk, error)
    return delivery


def deliveries_due(now=None):
    """Every delivery whose attempt is due (the periodic job: retries, deliveries lost by a worker)."""
    now = now or timezone.now()
    due = Delivery.objects.filter(state__in=(Delivery.State.PENDING, Delivery.State.RETRYING), next_attempt_at__lte=now)
    pending = Delivery.objects.filter(
        state=Delivery.State.PENDING, next_attempt_at__isnull=True, created_at__lte=now - timedelta(minutes=5)
    )
    done = 0
    for pk in list(due.values_list("pk", flat=True)[:500]) + list(pending.values_list("pk", flat=True)[:500]):
        if delivery_attempt(pk, now=now) is not None:
            done += 1
    return done
