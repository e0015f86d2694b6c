"""Data-retention purges, run daily (Celery beat in production, a command otherwise).

Idempotent and safe with two workers: each step is a bounded DELETE of rows past their date.
Captcha solutions and lockout counters need no purge here: they live in the cache with a TTL.
Password-reset and invitation links are signed and expire by themselves (nothing is stored).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from api.models import IdempotentRequest
from audit.models import Event
from inbound.models import InboundMail
from notifications.models import OutgoingEmail
from notifications.services import emails_delete
from webhooks.models import Delivery


def purge_expired_data(now=None):
    now = now or timezone.now()
    counts = {}
    counts["sessions"] = Session.objects.filter(expire_date__lt=now).delete()[0]
    email_cutoff = now - timedelta(days=settings.RETENTION_EMAIL_DAYS)
    counts["emails"] = emails_delete(
        OutgoingEmail.objects.filter(
            status__in=[OutgoingEmail.Status.SENT, OutgoingEmail.Status.FAILED], created_at__lt=email_cutoff
        ),
        bodies_before=email_cutoff,
    )
    # Replies read by e-mail: their record (sender, subject) goes with the e-mails; those in error
    # stay until someone retries or the mailbox's own folder is cleared.
    counts["replies"] = InboundMail.objects.filter(
        status__in=[InboundMail.Status.PROCESSED, InboundMail.Status.REFUSED, InboundMail.Status.IGNORED],
        received_at__lt=email_cutoff,
    ).delete()[0]
    counts["events"] = Event.objects.filter(
        created_at__lt=now - timedelta(days=settings.RETENTION_AUDIT_DAYS)
    ).delete()[0]
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    attempts_cutoff = now - settings.AXES_COOLOFF_TIME
    counts["lockouts"] = AccessAttempt.objects.filter(attempt_time__lt=attempts_cutoff).delete()[0]
    log_cutoff = now - timedelta(days=settings.RETENTION_AUDIT_DAYS)
    counts["access_logs"] = (
        AccessLog.objects.filter(attempt_time__lt=log_cutoff).delete()[0]
        + AccessFailureLog.objects.filter(attempt_time__lt=log_cutoff).delete()[0]
    )
    # The API's replayable answers, past the time their Idempotency-Key is honoured.
    counts["idempotency_keys"] = IdempotentRequest.objects.filter(
        created_at__lt=now - timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    ).delete()[0]
    # The webhooks' delivery log goes with the e-mails; deliveries still due stay.
    counts["webhook_deliveries"] = Delivery.objects.filter(
        state__in=[Delivery.State.SUCCEEDED, Delivery.State.FAILED], created_at__lt=email_cutoff
    ).delete()[0]
    return counts
