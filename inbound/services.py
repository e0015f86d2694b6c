"""Replies by e-mail: each mail of the mailbox is recorded once, by its Message-ID, then

- added to its DI through the same service as the web form, as the person of its reply address:
  ``support.services.ticket_post_message`` for the DI's owner, ``ticket_reply`` (a public answer)
  for the vendor's staff;
- or refused, the sender told why in a short French e-mail (another sender than the person, a
  closed DI, a refused attachment…);
- or ignored, never answered (auto-replies, bulk mail, bounces, our own e-mails);
- or set aside in error, with its reason (unreadable, no valid reply address, expired, too large,
  forged sender…): the vendor's administrator may « Réessayer » it from the back office.

The decision and its effects (the message, the refusal e-mail, the row's new state) commit in one
transaction on the row, locked: two workers reading the same mail add it once.
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import record
from notifications.services import email_queue
from support import services as support_services
from support.models import Status, Ticket

from . import parsing, tokens
from .mailbox import MailboxUnavailable, message_key, open_mailbox  # noqa: F401  (re-exported)
from .models import InboundMail

logger = logging.getLogger(__name__)

CLAIMABLE = (InboundMail.Status.RECEIVED, InboundMail.Status.RETRY)


@dataclass
class Decision:
    status: str
    reason: str
    message: object = None
    answer_to: str = ""  # who is told of a refusal
    refusal: str = ""  # the kind of refusal (template wording)
    text: str = ""  # the person's text, given back with a refusal


def _failed(reason):
    return Decision(InboundMail.Status.FAILED, reason)


def _ignored(reason):
    return Decision(InboundMail.Status.IGNORED, reason)


def _refused(reason, answer_to, refusal, text=""):
    return Decision(InboundMail.Status.REFUSED, reason, answer_to=answer_to, refusal=refusal, text=text)


def inbound_mail_claim(message_id, *, sender="", subject="", size=0):
    """The row of a mail, created the first time it is seen (the Message-ID is unique)."""
    mail, _created = InboundMail.objects.get_or_create(
        message_id=message_id[:255],
        defaults={"sender": _printable(sender)[:254], "subject": _printable(subject)[:250], "size": size},
    )
    return mail


def _printable(text):
    """One line of printable text (a header may carry control characters, NUL included)."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text or "").split())


def inbound_mail_fail(mail, reason):
    """Set a mail aside in error, with its reason (unless another worker concluded it meanwhile)."""
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
        if mail.status in CLAIMABLE:
            mail.status = InboundMail.Status.FAILED
            mail.reason = reason[:2000]
            mail.attempts += 1
            mail.processed_at = timezone.now()
            mail.save(update_fields=["status", "reason", "attempts", "processed_at"])
            _log(mail)
    return mail


def inbound_mail_process(mail, raw):
    """Decide what becomes of one mail and do it, once. Returns the row in its final state."""
    try:
        with transaction.atomic():
            mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
            if mail.status not in CLAIMABLE:
                return mail  # another worker concluded it
            mail.attempts += 1
            decision = _decide(mail, raw)
            _conclude(mail, decision)
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable: the mail stays where it is, read again next time
    except Exception as exc:  # a defect of ours must not block the mailbox: set aside, retried later
        logger.exception("Inbound mail %s: unexpected error", mail.message_id)
        return inbound_mail_fail(mail, f"Erreur inattendue : {type(exc).__name__}: {exc}")
    _log(mail)
    return mail


def inbound_mail_retry(mails, *, acting_user):
    """« Réessayer »: the mails in error are read again at the next run (from the failed folder)."""
    with transaction.atomic():
        failed = dict(
            InboundMail.objects.select_for_update()
            .filter(pk__in=[m.pk for m in mails], status=InboundMail.Status.FAILED)
            .values_list("pk", "message_id")
        )
        pks = list(failed)
        InboundMail.objects.filter(pk__in=pks).update(status=InboundMail.Status.RETRY, filing_until=None)
        for message_id in failed.values():
            record("inbound_mail_retried", actor=acting_user, target=message_id)
        if pks and tokens.enabled():
            transaction.on_commit(_schedule_fetch, robust=True)
    return len(pks)


def _schedule_fetch():
    if settings.EMAIL_DELIVERY == "celery":
        from .tasks import fetch_replies_task

        fetch_replies_task.delay()


def _log(mail):
    level = logging.WARNING if mail.status == InboundMail.Status.FAILED else logging.INFO
    logger.log(
        level,
        "Inbound mail %s from %s: %s %s",
        mail.message_id,
        mail.sender,
        mail.status,
        mail.reason,
        extra={"inbound_status": mail.status, "ticket_id": mail.ticket_id},
    )


# --- The decision ------------------------------------------------------------------------------


def _own_addresses():
    from email.utils import parseaddr

    return {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), parseaddr(settings.SERVER_EMAIL)[1].lower()}


def _token_of(recipients):
    """The first valid reply token among the recipients; (None, why) when there is none."""
    why = _("Aucune adresse de réponse de l'Espace Clients parmi les destinataires.")
    for address in recipients:
        if not tokens.is_ours(address) or "+" not in address.split("@")[0]:
            continue  # another address, or the mailbox itself
        try:
            return tokens.read(address), ""
        except tokens.BadToken:
            why = _("Adresse de réponse invalide (signature fausse ou adresse modifiée) : %(address)s.") % {
                "address": address[:120]
            }
    return None, why


def _forged(message):
    """Our own mail server's verdict (Authentication-Results, INBOUND_AUTHSERV_ID): DMARC failed."""
    authserv = settings.INBOUND_AUTHSERV_ID.lower()
    if not authserv:
        return ""
    for value in message.get_all("Authentication-Results") or []:
        text = " ".join(str(value).split()).lower()
        if text.split(";")[0].strip().split(" ")[0] != authserv:
            continue  # another server's header: anyone may have written it
        if "dmarc=fail" in text:
            return _("Expéditeur falsifié : le contrôle DMARC de %(server)s a échoué.") % {"server": authserv}
    return ""


def _decide(mail, raw):
    try:
        message = parsing.parse(raw)
        sender = parsing.sender(message)
    except parsing.Unreadable as exc:
        return _failed(str(exc))
    mail.sender = _printable(sender)[:254]
    mail.subject = _printable(parsing.header(message, "Subject"))[:250]

    if tokens.is_ours(sender) or sender.lower() in _own_addresses():
        return _ignored(_("Envoyé par l'Espace Clients lui-même (boucle évitée)."))
    machine = parsing.automatic(message, sender)
    if machine:
        return _ignored(machine)

    token, why = _token_of(parsing.recipients(message))
    if token is None:
        return _failed(why)
    ticket = Ticket.objects.filter(pk=token.ticket_id).first()
    person = User.objects.filter(pk=token.person_id).first()
    if ticket is None or person is None:
        return _failed(_("La DI ou la personne de l'adresse de réponse n'existe plus."))
    mail.ticket, mail.person = ticket, person

    forged = _forged(message)
    if forged:
        return _failed(forged)
    if tokens.expired(ticket):
        return _failed(
            _("Adresse de réponse expirée : la %(number)s est fermée depuis le %(date)s.")
            % {"number": ticket.number, "date": timezone.localtime(ticket.closed_at).strftime("%d/%m/%Y")}
        )
    if sender.lower() != person.email.lower():
        record(
            "reply_by_email_refused",
            establishment=ticket.establishment,
            target=ticket.number,
            sender=sender[:254],
            reason="sender",
        )
        return _refused(
            _("L'expéditeur %(sender)s n'est pas la personne à qui la notification a été envoyée.")
            % {"sender": sender[:120]},
            sender,
            "sender",
        )

    try:
        text = parsing.body_text(message)
        files = [SimpleUploadedFile(a.name, a.content, a.content_type) for a in parsing.attachments(message)]
    except parsing.Unreadable as exc:
        return _failed(str(exc))
    body = parsing.latest_reply(text)

    if not person.is_active:
        return _refused(_("Le compte de %(email)s est désactivé.") % {"email": person.email}, person.email, "inactive")
    if not ticket.is_open:
        return _refused(
            _("La %(number)s est %(status)s : le message n'y a pas été ajouté.")
            % {"number": ticket.number, "status": ticket.get_status_display().lower()},
            person.email,
            "closed",
            body,
        )
    if not body:
        return _refused(_("Le message ne contient pas de texte en dehors de la citation."), person.email, "empty")
    if len(body) > settings.INBOUND_MAX_BODY_CHARS:
        return _refused(
            _("Le message dépasse %(count)s caractères.") % {"count": settings.INBOUND_MAX_BODY_CHARS},
            person.email,
            "too_long",
        )
    if ticket.status == Status.CLOSURE_PENDING and ticket.owner_id == person.pk:
        return _refused(
            _("La clôture de la %(number)s vous est proposée : validez-la ou refusez-la sur l'Espace Clients.")
            % {"number": ticket.number},
            person.email,
            "closure_pending",
            body,
        )

    if person.is_vendor:
        action, kwargs = support_services.ticket_reply, {"question": False}
    else:
        action, kwargs = support_services.ticket_post_message, {}
    try:
        with transaction.atomic():
            created = action(ticket, acting_user=person, body=body, files=files, **kwargs)
    except ValidationError as exc:
        return _refused(" ".join(exc.messages), person.email, "invalid", body)
    except PermissionDenied as exc:
        return _refused(str(exc), person.email, "not_allowed", body)
    return Decision(InboundMail.Status.PROCESSED, "", message=created)


def _conclude(mail, decision):
    mail.status = decision.status
    mail.reason = decision.reason[:2000]
    mail.added_message = decision.message
    mail.processed_at = timezone.now()
    mail.save()
    if decision.status == InboundMail.Status.REFUSED:
        to_person = mail.person is not None and decision.answer_to.lower() == mail.person.email.lower()
        email_queue(
            "inbound_refused",
            to=decision.answer_to,
            context={
                "refusal": decision.refusal,
                "reason": decision.reason,
                # Only the person of the address learns which DI it was about.
                "ticket": mail.ticket if to_person else None,
                "recipient": mail.person if to_person else None,
                "text": decision.text[:5000],
            },
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": mail.message_id, "References": mail.message_id},
        )


# --- Reading the mailbox -------------------------------------------------------------------------


def fetch_replies(limit=None):
    """Read the mailbox once: every mail waiting in it, then the mails in error marked « À
    réessayer ». Returns the count of each outcome. MailboxUnavailable when it cannot be read."""
    limit = limit or settings.INBOUND_FETCH_BATCH
    counts = Counter()
    with open_mailbox() as box:
        _read_folder(box, counts, limit)
        retry = set(InboundMail.objects.filter(status=InboundMail.Status.RETRY).values_list("message_id", flat=True))
        if retry:
            box.select(settings.INBOUND_FAILED_FOLDER)
            _read_folder(box, counts, limit, only=retry)
    return counts


def _read_folder(box, counts, limit, only=None):
    for head in box.heads(limit, message_ids=only):
        key = message_key(head)
        if only is not None and key not in only:
            continue
        mail = inbound_mail_claim(key, sender=box.sender(head), subject=box.subject(head), size=head.size_rfc822)
        if mail.status in CLAIMABLE:
            if head.size_rfc822 > settings.INBOUND_MAX_MESSAGE_SIZE:
                mail = inbound_mail_fail(
                    mail,
                    _("Message trop volumineux : %(size)s (au plus %(max)s).")
                    % {
                        "size": filesizeformat(head.size_rfc822),
                        "max": filesizeformat(settings.INBOUND_MAX_MESSAGE_SIZE),
                    },
                )
            else:
                raw = box.raw(head.uid)
                if raw is None:
                    continue  # another worker filed it meanwhile
                mail = inbound_mail_process(mail, raw)
        if mail.status in CLAIMABLE or not _take_filing(mail):
            continue  # another worker concludes it, or files it
        destination = (
            settings.INBOUND_FAILED_FOLDER
            if mail.status == InboundMail.Status.FAILED
            else settings.INBOUND_PROCESSED_FOLDER
        )
        try:
            filed = destination == box.current or box.move(head.uid, destination)
        finally:
            # Filed (a copy seen later is filed at once), or not (filed at the next run).
            InboundMail.objects.filter(pk=mail.pk).update(filing_until=None)
        if filed:  # else another worker had moved it: it counts there
            counts[str(mail.status)] += 1


FILING_LEASE = timedelta(minutes=10)


def _take_filing(mail):
    """Whether this worker files the mail (moves it to its folder): one worker at a time, as two
    MOVEs of one mail in flight in two sessions may both copy it. A worker that dies holding the
    lease delays the filing by FILING_LEASE at most."""
    now = timezone.now()
    return (
        InboundMail.objects.filter(pk=mail.pk)
        .filter(Q(filing_until__isnull=True) | Q(filing_until__lt=now))
        .update(filing_until=now + FILING_LEASE)
        == 1
    )
