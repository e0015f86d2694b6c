"""Outgoing e-mail: one function to queue, one to deliver.

``email_queue`` renders the three templates ``notifications/email/<name>_{subject.txt,body.txt,
body.html}`` and writes an ``OutgoingEmail`` row in the caller's transaction (``email_queue_many``:
the same e-mail to a team, rendered once). After the commit
the row is delivered: in-process in the embedded default, by the Celery worker in production.
A failure leaves the row pending with a later ``next_attempt_at``: ``email_deliver_pending``
(run periodically) retries it.

A recipient who may answer by e-mail gets a ``reply_to`` address of their own (see
``notifications.replies``): the templates then say « Vous pouvez répondre directement à ce
message » (``reply_by_email`` in their context) instead of « Merci de ne pas y répondre ». Every
e-mail carries ``Auto-Submitted: auto-generated`` (RFC 3834): well-behaved responders do not answer it.
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


def email_queue(name, *, to, context, reply_to="", headers=None):
    """Queue one e-mail to one address (``reply_to``: where the recipient's answer goes, if anywhere)."""
    return email_queue_many(name, to=[to], context=context, reply_to={to: reply_to}, headers=headers)[0]


def email_queue_many(name, *, to, context, reply_to=None, headers=None):
    """Queue the same e-mail to several addresses (a team): rendered once (twice when only some
    recipients may answer by e-mail), written in one INSERT, handed to the worker as one job.
    ``reply_to`` maps an address to its own reply address. Returns the rows, in the order of ``to``."""
    reply_to = {address: value for address, value in (reply_to or {}).items() if value}
    rendered = {}
    rows = []
    for address in to:
        can_reply = address in reply_to
        if can_reply not in rendered:
            rendered[can_reply] = _render(name, {**context, "reply_by_email": can_reply})
        subject, body_text, body_html = rendered[can_reply]
        rows.append(
            OutgoingEmail(
                to=address,
                subject=subject,
                body_text=body_text,
                body_html=body_html,
                template=name,
                reply_to=reply_to.get(address, ""),
                headers=dict(headers or {}),
            )
        )
    emails = OutgoingEmail.objects.bulk_create(rows)
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
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
            reply_to=[email.reply_to] if email.reply_to else None,
            headers={"Auto-Submitted": "auto-generated", **email.headers},
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
