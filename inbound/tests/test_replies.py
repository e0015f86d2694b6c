"""Replies read from a real IMAP mailbox (Dovecot on loopback): each becomes a message of its DI
through the support's services, or is refused with an explanation, or ignored, or set aside in
error; the mailbox's folders tell which."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from inbound import tokens
from inbound.models import InboundMail
from notifications.models import OutgoingEmail
from support import services as support_services
from support.models import Message, Status, Ticket, TicketEvent
from testing.imap import compose_reply
from testing.tickets import PDF, propose_closure, ratings

pytestmark = pytest.mark.django_db

PROCESSED, FAILED = "Traites", "Erreurs"


def thread(ticket):
    return list(Message.objects.filter(ticket=ticket).order_by("pk").values_list("author__email", "kind", "body"))


def close(ticket, status, support):
    """The DI (« En cours ») closed by its owner after a proposal, or cancelled by its owner."""
    if status == Status.CLOSED:
        propose_closure(ticket, support)
        support_services.ticket_validate_closure(ticket, acting_user=ticket.owner, ratings=ratings())
    else:
        support_services.ticket_cancel(ticket, acting_user=ticket.owner, reason="Plus d'actualité")
    ticket.refresh_from_db()
    assert ticket.status == status


def outcome(reply):
    return InboundMail.objects.get(message_id=reply["Message-ID"])


def test_the_owner_s_reply_becomes_a_message_through_the_web_form_s_service(
    reply_mailbox, fetch, ticket, answer, agent, support
):
    """M12.2: « Envoyer » by e-mail: the owner's message, written by ticket_post_message, support notified"""
    reply = compose_reply(answer, "J'ai relancé l'édition, elle passe.\n\nCordialement,\nAlice")
    reply_mailbox.deliver(reply)

    assert fetch() == {"processed": 1}

    assert thread(ticket)[-1] == (agent.email, Message.Kind.MESSAGE, "J'ai relancé l'édition, elle passe.")
    assert ticket.events.order_by("pk").last().action == TicketEvent.Action.OWNER_MESSAGE
    (notified,) = mail.outbox
    assert notified.to == [support.email] and "J'ai relancé l'édition, elle passe." in notified.body
    assert notified.reply_to == [tokens.reply_address(ticket.pk, support.pk)]
    row = outcome(reply)
    assert row.status == InboundMail.Status.PROCESSED and row.ticket == ticket and row.person == agent
    assert row.added_message == Message.objects.filter(ticket=ticket).last()
    assert reply_mailbox.message_ids(PROCESSED) == [reply["Message-ID"]]
    assert reply_mailbox.count("INBOX") == 0


def test_the_support_s_reply_is_a_public_answer(reply_mailbox, fetch, ticket, owner_message, agent, support):
    """M12.2: the vendor's staff answering by e-mail give a public answer (ticket_reply), the owner is told"""
    ticket.awaiting_owner = True
    ticket.save(update_fields=["awaiting_owner"])
    reply_mailbox.deliver(compose_reply(owner_message, "Le correctif 4.2.1 est en ligne."))

    assert fetch() == {"processed": 1}

    assert thread(ticket)[-1] == (support.email, Message.Kind.MESSAGE, "Le correctif 4.2.1 est en ligne.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and not ticket.awaiting_owner
    assert ticket.events.order_by("pk").last().action == TicketEvent.Action.REPLIED
    (notified,) = mail.outbox
    assert notified.to == [agent.email] and "Le correctif 4.2.1 est en ligne." in notified.body


def test_a_reply_from_another_address_is_refused_and_its_sender_told(reply_mailbox, fetch, ticket, answer, agent):
    """M12.3: only the person of the address may answer; the sender gets a short French explanation"""
    before = thread(ticket)
    reply = compose_reply(answer, "Je réponds à la place d'Alice.", sender="Intrus <intrus@evil.example>")
    reply_mailbox.deliver(reply)

    assert fetch() == {"refused": 1}

    assert thread(ticket) == before
    (told,) = mail.outbox
    assert told.to == ["intrus@evil.example"]
    assert told.subject.startswith("Votre message à l'Espace Clients") and "n'a pas été transmis" in told.body
    assert ticket.number not in told.body + told.subject and ticket.subject not in told.body  # nothing revealed
    assert told.reply_to == [] and told.extra_headers["Auto-Submitted"] == "auto-replied"
    assert told.extra_headers["In-Reply-To"] == reply["Message-ID"]
    row = outcome(reply)
    assert row.status == InboundMail.Status.REFUSED and "intrus@evil.example" in row.reason
    event = Event.objects.get(action="reply_by_email_refused")
    assert event.establishment == ticket.establishment and event.data["sender"] == "intrus@evil.example"
    assert reply_mailbox.message_ids(PROCESSED) == [reply["Message-ID"]]


def test_a_forged_display_name_does_not_pass_for_the_person(reply_mailbox, fetch, ticket, answer, agent):
    """M12.5: a forged From (« "agent@…" <intrus@…> ») is refused, nothing in the thread"""
    before = thread(ticket)
    reply_mailbox.deliver(compose_reply(answer, "Faux.", sender=f'"{agent.email}" <intrus@evil.example>'))
    assert fetch() == {"refused": 1}
    assert thread(ticket) == before
    assert [m.to for m in mail.outbox] == [["intrus@evil.example"]]


def test_a_from_that_our_mail_server_found_forged_is_set_aside(reply_mailbox, fetch, ticket, answer, agent, settings):
    """M12.5: a forged From (DMARC failed at our own server) ends in the error folder, unanswered"""
    settings.INBOUND_AUTHSERV_ID = "mx.reponses.example"
    before = thread(ticket)
    forged = compose_reply(
        answer,
        "Faux message.",
        headers={
            "Authentication-Results": "mx.reponses.example; spf=fail; dkim=none; dmarc=fail header.from=alpha.example"
        },
    )
    # The same verdict written by another server is not believed, either way.
    vouched = compose_reply(
        answer,
        "Vrai message.",
        headers={"Authentication-Results": "mx.evil.example; dmarc=fail header.from=alpha.example"},
    )
    reply_mailbox.deliver(forged, vouched)

    assert fetch() == {"failed": 1, "processed": 1}

    assert outcome(forged).status == InboundMail.Status.FAILED and "DMARC" in outcome(forged).reason
    assert [body for _, _, body in thread(ticket)][len(before) :] == ["Vrai message."]
    assert reply_mailbox.message_ids(FAILED) == [forged["Message-ID"]]
    assert all(m.to != [agent.email] for m in mail.outbox)  # nobody answered


def test_a_token_moved_to_another_di_is_set_aside(reply_mailbox, fetch, ticket, answer, agent, support, commit):
    """M12.5: the address of one DI rewritten for another: error folder, neither thread touched"""
    from testing.tickets import file_di

    other = commit(file_di, agent, subject="Autre DI")
    mail.outbox.clear()
    forged_to = answer.reply_to[0].replace(f"+{ticket.pk}-", f"+{other.pk}-")
    reply = compose_reply(answer, "Sur l'autre DI.")
    reply.replace_header("To", forged_to)
    reply_mailbox.deliver(reply)
    before = (thread(ticket), thread(other))

    assert fetch() == {"failed": 1}

    assert (thread(ticket), thread(other)) == before
    assert "Adresse de réponse invalide" in outcome(reply).reason
    assert reply_mailbox.message_ids(FAILED) == [reply["Message-ID"]] and mail.outbox == []


def test_the_address_of_another_person_is_refused_to_its_sender(reply_mailbox, fetch, ticket, answer, agent, colleague):
    """M12.5: a token for another person: the colleague cannot answer with the owner's address"""
    before = thread(ticket)
    reply_mailbox.deliver(compose_reply(answer, "Je suis la collègue.", sender=colleague.email))
    assert fetch() == {"refused": 1}
    assert thread(ticket) == before
    assert [m.to for m in mail.outbox] == [[colleague.email]]


def test_a_mail_without_any_reply_address_is_set_aside(reply_mailbox, fetch, ticket, answer):
    """M12.5: sent to the mailbox itself, not to a reply address: error folder, reason kept"""
    reply = compose_reply(answer, "Bonjour")
    reply.replace_header("To", "support@reponses.example")
    reply_mailbox.deliver(reply)
    assert fetch() == {"failed": 1}
    assert "Aucune adresse de réponse" in outcome(reply).reason and mail.outbox == []


def test_an_expired_address_is_set_aside_unanswered(reply_mailbox, fetch, ticket, answer, support, settings):
    """M12.5: an expired token (its DI closed longer ago than the setting): error folder, no answer"""
    settings.INBOUND_TOKEN_DAYS_AFTER_CLOSE = 30
    close(ticket, Status.CLOSED, support)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=31))
    before = thread(ticket)
    reply = compose_reply(answer, "Encore une question.")
    reply_mailbox.deliver(reply)
    mail.outbox.clear()

    assert fetch() == {"failed": 1}

    assert thread(ticket) == before and mail.outbox == []
    assert "expirée" in outcome(reply).reason


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_a_reply_to_a_closed_di_is_answered_with_the_way_to_a_follow_up(
    reply_mailbox, fetch, ticket, answer, agent, support, status
):
    """M12.6: not added; the owner is told how to file a follow-up DI, and gets the text back"""
    close(ticket, status, support)
    before = thread(ticket)
    reply_mailbox.deliver(compose_reply(answer, "Le problème est revenu ce matin."))
    mail.outbox.clear()

    assert fetch() == {"refused": 1}

    assert thread(ticket) == before
    (told,) = mail.outbox
    assert (
        told.to == [agent.email]
        and told.subject == f"[{ticket.number}] Votre réponse par mail n'a pas été ajoutée à la DI"
    )
    assert f"déposez une nouvelle DI sur l'Espace Clients en citant le numéro {ticket.number}" in told.body
    assert "/support/deposer/" in told.body
    assert "Le problème est revenu ce matin." in told.body  # nothing typed lost
    assert "Merci de ne pas y répondre" in told.body and told.reply_to == []


def test_a_reply_while_closure_is_proposed_points_to_the_closure_page(
    reply_mailbox, fetch, ticket, answer, agent, support
):
    """M12.6: « Clôture à valider »: the owner is sent to « Valider » or « Refuser la clôture »"""
    propose_closure(ticket, support)
    before = thread(ticket)
    reply_mailbox.deliver(compose_reply(answer, "Merci !"))
    mail.outbox.clear()
    assert fetch() == {"refused": 1}
    assert thread(ticket) == before
    (told,) = mail.outbox
    assert "Valider" not in told.subject and "validez-la ou refusez-la" in told.body
    assert f"/support/dis/{ticket.number}/" in told.body


def test_an_allowed_attachment_is_added_with_the_message(reply_mailbox, fetch, ticket, answer, agent):
    """M12.3: attachments pass the web's checks and are stored with the message"""
    reply_mailbox.deliver(
        compose_reply(answer, "Voici la capture.", attachments=[("capture.pdf", PDF, "application/pdf")])
    )
    assert fetch() == {"processed": 1}
    message = Message.objects.filter(ticket=ticket).last()
    (attachment,) = message.attachments.all()
    assert attachment.original_name == "capture.pdf" and attachment.content_type == "application/pdf"
    assert attachment.file.read() == PDF


@pytest.mark.parametrize(
    "files,said",
    [
        ([("outil.exe", b"MZ\x90\x00", "application/octet-stream")], "ce type de fichier n'est pas accepté"),
        ([("faux.pdf", b"MZ pas un pdf", "application/pdf")], "son contenu ne correspond pas"),
        ([(f"c{n}.pdf", PDF, "application/pdf") for n in range(6)], "au plus 5 fichiers"),
        ([("grand.pdf", PDF + b"0" * 3000, "application/pdf")], "dépasse la taille maximale"),
    ],
    ids=["type", "content", "count", "size"],
)
def test_a_refused_attachment_refuses_the_reply_with_the_web_s_reason(
    reply_mailbox, fetch, ticket, answer, agent, settings, files, said
):
    """M12.3: the same checks as on the web (types, content, count, size); the owner is told why"""
    settings.ATTACHMENT_MAX_SIZE = 2000
    before = thread(ticket)
    reply_mailbox.deliver(compose_reply(answer, "Avec des fichiers.", attachments=files))

    assert fetch() == {"refused": 1}

    assert thread(ticket) == before
    (told,) = mail.outbox
    assert told.to == [agent.email] and said in told.body and "Avec des fichiers." in told.body


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"Subject": "Réponse automatique : absente jusqu'au 5 janvier"},
    ],
)
def test_auto_replies_are_ignored_and_never_answered(reply_mailbox, fetch, ticket, answer, headers):
    """M12.4: no message, no e-mail back (no loop); filed with the processed mails"""
    before = thread(ticket)
    reply = compose_reply(answer, "Je suis absente jusqu'au 5 janvier.")
    for name, value in headers.items():
        del reply[name]
        reply[name] = value
    reply_mailbox.deliver(reply)

    assert fetch() == {"ignored": 1}

    assert thread(ticket) == before and mail.outbox == []
    assert OutgoingEmail.objects.filter(template="inbound_refused").count() == 0
    assert reply_mailbox.message_ids(PROCESSED) == [reply["Message-ID"]]


def test_our_own_mails_coming_back_are_ignored(reply_mailbox, fetch, ticket, answer, settings):
    """M12.4: a notification of ours delivered to the mailbox (a loop) is never processed nor answered"""
    reply = compose_reply(answer, "Boucle", sender=settings.DEFAULT_FROM_EMAIL)
    del reply["Auto-Submitted"]
    reply_mailbox.deliver(reply)
    assert fetch() == {"ignored": 1}
    assert mail.outbox == [] and "boucle" in outcome(reply).reason


@pytest.mark.parametrize(
    "raw,reason",
    [
        (
            b"From: agent@alpha.example\r\nTo: {to}\r\nMessage-ID: <mime@x>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed\r\n\r\nJe r\xc3\xa9ponds\r\n",
            "MIME invalide",
        ),
        (
            b"From: agent@alpha.example\r\nTo: {to}\r\nMessage-ID: <charset@x>\r\n"
            b"Content-Type: text/plain; charset=x-martien\r\n\r\nJe r\xe9ponds\r\n",
            "Jeu de caractères inconnu",
        ),
        (
            b"From: agent@alpha.example\r\nTo: {to}\r\nMessage-ID: <script@x>\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Je r\xc3\xa9ponds</p><script>alert(document.cookie)</script>\r\n",
            "Contenu actif",
        ),
        (
            b"From: agent@alpha.example, intrus@evil.example\r\nTo: {to}\r\nMessage-ID: <two@x>\r\n\r\nJe r\xc3\xa9ponds\r\n",
            "Expéditeur",
        ),
    ],
    ids=["malformed-mime", "unknown-charset", "html-script", "two-senders"],
)
def test_bad_mail_ends_in_the_error_folder_with_its_reason(reply_mailbox, fetch, ticket, answer, raw, reason):
    """M12.5: malformed MIME, unknown charset, HTML with scripts, several senders: error folder, not in the thread"""
    before = thread(ticket)
    raw = raw.replace(b"{to}", answer.reply_to[0].encode())
    reply_mailbox.deliver(raw)

    assert fetch() == {"failed": 1}

    assert thread(ticket) == before and mail.outbox == []
    row = InboundMail.objects.get()
    assert row.status == InboundMail.Status.FAILED and reason in row.reason
    assert reply_mailbox.count(FAILED) == 1 and reply_mailbox.count("INBOX") == 0


def test_a_25_mb_mail_is_set_aside_without_being_downloaded(reply_mailbox, fetch, ticket, answer, monkeypatch):
    """M12.5: a 25 MB mail (over INBOUND_MAX_MESSAGE_SIZE, 20 MB): error folder, reason with both sizes"""
    from inbound import mailbox

    reply = compose_reply(
        answer, "Une vidéo.", attachments=[("video.zip", b"PK\x03\x04" + b"\0" * (25 * 1024 * 1024), "application/zip")]
    )
    reply_mailbox.deliver(reply)
    downloaded = []
    monkeypatch.setattr(mailbox.Mailbox, "raw", lambda self, uid: downloaded.append(uid))
    before = thread(ticket)

    assert fetch() == {"failed": 1}

    assert downloaded == [] and thread(ticket) == before and mail.outbox == []
    assert re.fullmatch(r"Message trop volumineux : 34,\d\xa0Mo \(au plus 20,0\xa0Mo\)\.", outcome(reply).reason)
    assert reply_mailbox.message_ids(FAILED) == [reply["Message-ID"]]


def test_an_empty_reply_is_refused(reply_mailbox, fetch, ticket, answer, agent):
    """M12.3: nothing written above the quotation: refused, the owner told"""
    reply_mailbox.deliver(compose_reply(answer, "\n\nCordialement,\nAlice"))
    assert fetch() == {"refused": 1}
    assert "ne contient pas de texte" in mail.outbox[0].body


def test_a_reply_from_a_deactivated_account_is_refused(reply_mailbox, fetch, ticket, answer, agent):
    """M12.3: a deactivated person cannot answer by e-mail either"""
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    before = thread(ticket)
    reply_mailbox.deliver(compose_reply(answer, "Encore moi."))
    assert fetch() == {"refused": 1}
    assert thread(ticket) == before and "désactivé" in mail.outbox[0].body


def test_a_former_owner_cannot_answer_after_the_di_was_reassigned(
    reply_mailbox, fetch, ticket, answer, agent, colleague, est_admin, commit
):
    """M12.2: the workflow decides, as on the web: the former owner is refused with its reason"""
    commit(support_services.ticket_reassign, ticket, acting_user=est_admin, new_owner=colleague)
    mail.outbox.clear()
    before = thread(ticket)
    reply_mailbox.deliver(compose_reply(answer, "Je reprends la main."))
    assert fetch() == {"refused": 1}
    assert thread(ticket) == before
    (told,) = mail.outbox
    assert told.to == [agent.email] and "n'est pas possible sur la DI" in told.body


def test_markup_typed_in_a_plain_text_reply_stays_text_on_the_pages_and_in_the_emails(
    reply_mailbox, fetch, ticket, answer, agent, support
):
    """M12.3 M10: a plain-text reply is kept as typed, escaped wherever it is shown"""
    typed = '<script>alert("x")</script> <b>gras</b>'
    reply_mailbox.deliver(compose_reply(answer, typed))
    assert fetch() == {"processed": 1}
    assert Message.objects.filter(ticket=ticket, author=agent).last().body == typed
    desk = Client()
    desk.force_login(support)
    page = desk.get(reverse("desk:detail", args=[ticket.number])).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    (notified,) = mail.outbox
    html = notified.alternatives[0].content
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_control_characters_in_headers_and_text_never_stop_the_mailbox(reply_mailbox, fetch, ticket, answer, agent):
    """M12.5: NUL and control characters in the subject and the text: the reply is added without them"""
    to = answer.reply_to[0].encode()
    raw = (
        b"From: agent@alpha.example\r\nTo: " + to + b"\r\nMessage-ID: <nul@client.example>\r\n"
        b"Subject: Re: objet\x00 avec\x07 contr\xc3\xb4le\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Texte avec\x00 un NUL.\r\n"
    )
    reply_mailbox.deliver(raw)
    assert fetch() == {"processed": 1}
    body = Message.objects.filter(ticket=ticket, author=agent).last().body
    # Dovecot itself stores a NUL as an invalid byte (shown « � »); ours would be removed (test_parsing).
    assert "\x00" not in body and body.startswith("Texte avec") and body.endswith(" un NUL.")
    row = InboundMail.objects.get()
    assert "\x00" not in row.subject and "\x07" not in row.subject
