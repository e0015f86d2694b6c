"""Outgoing e-mail: one function to queue, one to deliver.

``email_queue`` renders the three templates ``notifications/email/<name>_{subject.txt,body.txt,
body.html}`` and writes an ``OutgoingEmail`` row in the caller's transaction (``email_queue_many``:
the same e-mail to a team, rendered once, its body stored once: ``EmailBody``). After the commit
the row is delivered: in-process in the embedded default, by the Celery worker in production.
A failure leaves the row pending with a later ``next_attempt_at``: ``email_deliver_pending``
(run periodically) retries it.

A recipient who may answer by e-mail gets a ``reply_to`` address of their own (see
``notifications.replies``): the templates then say « Vous pouvez répondre directement à ce
message » (``reply_by_email`` in their context) instead of « Merci de ne pas y répondre ». Every
e-mail carries ``Auto-Submitted: auto-generated`` (RFC 3834): well-behaved responders do not answer it.
"""

import functools
import json
import logging
from contextlib import contextmanager
from datetime import timedelta
from threading import local

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connections, router, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .models import EmailBody, OutgoingEmail

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
    recipients may answer by e-mail), its text and HTML stored once (``EmailBody``: a team of
    thirty does not write thirty copies of a DI's description), its rows written in one INSERT,
    handed to the worker as one job. ``reply_to`` maps an address to its own reply address.
    Returns the rows, in the order of ``to``; within ``emails_together()`` they are written (and
    given their keys) when it ends."""
    reply_to = {address: value for address, value in (reply_to or {}).items() if value}
    rendered = {}
    rows = []
    for address in to:
        can_reply = address in reply_to
        if can_reply not in rendered:
            subject, text, html = _render(name, {**context, "reply_by_email": can_reply})
            rendered[can_reply] = subject, EmailBody(text=text, html=html)
        subject, body = rendered[can_reply]
        rows.append(
            OutgoingEmail(
                to=address,
                subject=subject,
                body=body,
                template=name,
                reply_to=reply_to.get(address, ""),
                headers=dict(headers or {}),
            )
        )
    bodies = [body for _subject, body in rendered.values()]
    batch = getattr(_together, "batch", None)
    if batch is None:
        _write(bodies, rows)
    else:
        batch[0].extend(bodies)
        batch[1].extend(rows)
    return rows


_together = local()


@contextmanager
def emails_together():
    """The e-mails an action queues inside this block (a new DI: its team's, its filer's
    acknowledgement) are written together when it ends: their bodies in one INSERT, their rows in
    another, one job for the worker. Inside a transaction, so that they commit with the change."""
    if getattr(_together, "batch", None) is not None:  # already within one: its end writes them
        yield
        return
    batch = _together.batch = ([], [])
    try:
        yield
    finally:
        _together.batch = None
    _write(*batch)


def _write(bodies, rows):
    if not rows:
        return
    EmailBody.objects.bulk_create(bodies)
    connection = connections[router.db_for_write(OutgoingEmail)]
    if connection.vendor == "postgresql":
        _insert_rows(connection, rows)
    else:
        OutgoingEmail.objects.bulk_create(rows)  # each row takes its body's new key
    ids = [email.pk for email in rows]
    # robust: a broker or mail server that is down must not turn the committed change into an
    # error page; the rows stay pending and ``email_deliver_pending`` sends them later.
    transaction.on_commit(lambda: _dispatch(ids), robust=True)


@functools.cache
def _insert_sql(alias):
    """The SQL of ``_insert_rows`` for the database ``alias`` (written once per process)."""
    quote = connections[alias].ops.quote_name
    fields = OutgoingEmail._meta
    names = ("to", "reply_to", "subject", "body", "template", "headers")
    names += ("status", "attempts", "last_error", "created_at", "next_attempt_at")
    columns = ", ".join(quote(fields.get_field(name).column) for name in names)
    return (
        f"INSERT INTO {quote(fields.db_table)} ({columns}) "  # noqa: S608 (the model's own table and columns)
        "SELECT r.address, r.reply_to, k.subject, k.body_id, k.template, k.headers, %s, 0, '', %s, %s "
        "FROM unnest(%s::varchar[], %s::varchar[], %s::int[]) WITH ORDINALITY AS r(address, reply_to, kind, n) "
        "JOIN unnest(%s::varchar[], %s::bigint[], %s::varchar[], %s::jsonb[]) WITH ORDINALITY "
        "AS k(subject, body_id, template, headers, kind) USING (kind) "
        "ORDER BY r.n RETURNING id"
    )


def _insert_rows(connection, rows):
    """The rows of ``_write`` in one ``INSERT … SELECT`` on PostgreSQL. A team's rows differ only
    by their address and reply address: those go as two arrays, the rest (subject, body,
    template, headers) once per e-mail of the batch. Django's ``bulk_create`` would prepare and
    quote every column of every row, a fifth of what filing a DI costs (docs/performance.md,
    round nine). The rows take their keys in order; their other fields are what the ORM writes."""
    now = timezone.now()
    kinds, kind_of, which = [], {}, []
    for row in rows:
        body = row.body
        row.body = body  # its key, given by its INSERT, as Django's save() takes it
        row.created_at = row.next_attempt_at = now
        kind = (row.subject, row.body_id, row.template, json.dumps(row.headers, sort_keys=True))
        if kind not in kind_of:
            kind_of[kind] = len(kinds) + 1
            kinds.append(kind)
        which.append(kind_of[kind])
    sql = _insert_sql(connection.alias)
    status = OutgoingEmail.Status.PENDING.value
    params = [status, now, now, [row.to for row in rows], [row.reply_to for row in rows], which]
    params += [list(column) for column in zip(*kinds, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    for row, (key,) in zip(rows, keys, strict=True):
        row.pk = key
        row._state.adding = False
        row._state.db = connection.alias


def emails_delete(emails, *, bodies_before=None):
    """Delete the e-mails of the queryset ``emails``, then the bodies created before
    ``bodies_before`` (now by default) that no e-mail uses any more. Returns how many e-mails."""
    with transaction.atomic():
        count = emails.delete()[1].get(OutgoingEmail._meta.label, 0)
        EmailBody.objects.filter(created_at__lt=bodies_before or timezone.now(), emails__isnull=True).delete()
    return count


def _dispatch(email_ids):
    if settings.EMAIL_DELIVERY == "celery":
        from .tasks import deliver_emails

        deliver_emails.delay(email_ids)
    else:
        for email_id in email_ids:
            email_deliver(email_id)


def _retry_delay(attempts):
    return timedelta(minutes=min(2**attempts, 240))


def _claim_expired_before(now):
    return now - timedelta(seconds=settings.EMAIL_CLAIM_EXPIRES)


def _claimable(now):
    """Rows a worker may take: pending ones, and those whose sender died mid-send (a claim older
    than EMAIL_CLAIM_EXPIRES)."""
    return Q(status=OutgoingEmail.Status.PENDING) | Q(
        status=OutgoingEmail.Status.SENDING, claimed_at__lt=_claim_expired_before(now)
    )


def _claim(email_id):
    """Take one row for this worker in a short transaction of its own: locked with SKIP LOCKED
    (another worker holding it means it is theirs), marked « sending », committed. Returns the
    row, or None when there is nothing to send."""
    now = timezone.now()
    with transaction.atomic():
        # The row only is locked: its body is shared with the e-mail's other recipients.
        claimable = OutgoingEmail.objects.select_related("body").filter(_claimable(now), pk=email_id)
        email = claimable.select_for_update(skip_locked=True, of=("self",)).first()
        if email is None:
            return None
        email.status = OutgoingEmail.Status.SENDING
        email.claimed_at = now
        email.attempts += 1
        email.save(update_fields=["status", "claimed_at", "attempts"])
    return email


def _finish(email, **fields):
    """Record the outcome, unless the claim expired meanwhile and another worker took the row."""
    updated = OutgoingEmail.objects.filter(
        pk=email.pk, status=OutgoingEmail.Status.SENDING, claimed_at=email.claimed_at
    ).update(**fields)
    if not updated:
        logger.warning("E-mail %s: claim expired before the outcome was recorded", email.pk)


def email_deliver(email_id):
    """Send one queued e-mail. Safe to call twice, or from two workers at once: the row is claimed
    (and the claim committed) before it is sent, so it goes out once.

    The SMTP conversation holds no database lock and no transaction: the claim is committed first,
    the outcome written after. A mail server that does not answer gives up after EMAIL_TIMEOUT
    seconds (Django's SMTP backend reads the setting) and the row is retried later. A worker that
    dies mid-send leaves the row « sending »: after EMAIL_CLAIM_EXPIRES it is due again (the one
    case where an e-mail may go out twice: sent, then the worker died before recording it)."""
    email = _claim(email_id)
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
    try:
        message.send()
    except Exception as exc:  # any transport error (refused, timed out...): keep the row, retry later
        logger.warning("E-mail %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
        _finish(
            email,
            status=OutgoingEmail.Status.FAILED if email.attempts >= MAX_ATTEMPTS else OutgoingEmail.Status.PENDING,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + _retry_delay(email.attempts),
        )
        return False
    _finish(email, status=OutgoingEmail.Status.SENT, sent_at=timezone.now(), last_error="")
    return True


def email_deliver_pending(limit=500):
    """Send the e-mails whose next attempt is due, and those left « sending » by a worker that
    died. Returns how many went out."""
    now = timezone.now()
    due = (
        OutgoingEmail.objects.filter(
            Q(status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=OutgoingEmail.Status.SENDING, claimed_at__lt=_claim_expired_before(now))
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in list(due) if email_deliver(pk))
