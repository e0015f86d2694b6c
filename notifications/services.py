"""Outgoing e-mail: one function to queue, one to deliver.

``email_queue`` renders the three templates ``notifications/email/<name>_{subject.txt,body.txt,
body.html}`` and writes an ``OutgoingEmail`` row in the caller's transaction (``email_queue_many``:
the same e-mail to a team, rendered once). After the commit
the row is delivered: in-process in the embedded default, by the Celery worker in production.
A failure leaves the row pending with a later ``next_attempt_at``: ``email_deliver_pending``
(run periodically) retries it.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def _context(extra):
    return {"vendor_name": settings.VENDOR_NAME, "site_url": settings.SITE_URL, **extra}


def _render(name, context):
    ctx = _context(context)
    subject = " ".join(render_to_string(f"notifications/email/{name}_subject.txt", ctx).split())
    return (
        subject[:250],
        render_to_string(f"notifications/email/{name}_body.txt", ctx),
        render_to_string(f"notifications/email/{name}_body.html", ctx),
    )


def email_queue(name, *, to, context):
    """Queue one e-mail to one address."""
    return email_queue_many(name, to=[to], context=context)[0]


def email_queue_many(name, *, to, context):
    """Queue the same e-mail to several addresses (a team): rendered once, written in one INSERT,
    handed to the worker as one job. Returns the rows."""
    subject, body_text, body_html = _render(name, context)
    emails = OutgoingEmail.objects.bulk_create(
        OutgoingEmail(to=address, subject=subject, body_text=body_text, body_html=body_html, template=name)
        for address in to
    )
    ids = [email.pk for email in emails]
    # robust: a broker or mail server that is down must not turn the committed change into an
    # error page; the rows stay pending and ``email_deliver_pending`` sends them later.
    transaction.on_commit(lambda: _dispatch(ids), robust=True)
    return emails


def _dispatch(email_ids):
    if settings.EMAIL_DELIVERY == "celery":
        from .tasks import deliver_emails

        deliver_emails.delay(email_ids)
    else:
        for email_id in email_ids:
            email_deliver(email_id)


def _retry_delay(attempts):
    return timedelta(minutes=min(2**attempts, 240))


def email_deliver(email_id):
    """Send one queued e-mail. Safe to call twice: a row is claimed before it is sent."""
    now = timezone.now()
    with transaction.atomic():
        email = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutgoingEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject, body=email.body_text, from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to]
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # any transport error: keep the row, retry later
            logger.warning("E-mail %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            email.next_attempt_at = now + _retry_delay(email.attempts)
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutgoingEmail.Status.FAILED
            email.save(update_fields=["attempts", "last_error", "next_attempt_at", "status"])
            return False
        email.status = OutgoingEmail.Status.SENT
        email.sent_at = now
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True


def email_deliver_pending(limit=500):
    """Retry the e-mails whose next attempt is due. Returns how many went out."""
    due = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("pk", flat=True)[:limit]
    return sum(1 for pk in list(due) if email_deliver(pk))
