"""The whole story through a real mailbox: a DI filed on the portal, the support answering from the
team's e-mail, the owner answering the support's e-mail, each side told, the thread on the pages."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from inbound import tokens
from support.models import Message, Status, Ticket
from testing.imap import compose_reply
from testing.tickets import contract_of

pytestmark = pytest.mark.django_db


def test_notification_reply_job_thread_and_the_other_side_notified(reply_mailbox, fetch, client, agent, support):
    """M12.1 M12.2 M12.3: notification sent → reply composed from it → job → message in the thread → other side notified"""
    # The agent files a DI on the portal: the team is e-mailed, each member at a reply address of their own.
    client.force_login(agent)
    filed = client.post(
        reverse("support:create"),
        {
            "contract": contract_of(agent.establishment).pk,
            "subject": "Bulletins de paie vides",
            "description": "Les bulletins de novembre sortent vides.",
            "module": "Paie",
            "version": "2026.4",
            "environment": "production",
        },
    )
    assert filed.status_code == 302
    ticket = Ticket.objects.get(subject="Bulletins de paie vides")
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {support.email, agent.email}  # the team, and the owner's acknowledgement
    to_team = sent[support.email]
    assert to_team.reply_to == [tokens.reply_address(ticket.pk, support.pk)]
    assert sent[agent.email].reply_to == [tokens.reply_address(ticket.pk, agent.pk)]
    mail.outbox.clear()

    # The support answers from their mail client: a public answer, the DI is theirs and « En cours ».
    reply_mailbox.deliver(
        compose_reply(to_team, "Bonjour,\nMerci de relancer le calcul puis l'édition.\n\n-- \nSam, support CEGAPE")
    )
    assert fetch() == {"processed": 1}
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.assignee == support
    (to_owner,) = mail.outbox
    assert to_owner.to == [agent.email] and "Merci de relancer le calcul puis l'édition." in to_owner.body
    assert "Sam, support CEGAPE" not in to_owner.body  # the signature stayed out
    assert to_owner.reply_to == [tokens.reply_address(ticket.pk, agent.pk)]
    assert "Vous pouvez répondre directement à ce message" in to_owner.body
    mail.outbox.clear()

    # The owner answers that e-mail, the history quoted below, in HTML and text as clients send.
    reply_mailbox.deliver(
        compose_reply(
            to_owner,
            "C'est bon, les bulletins sont complets.\n\nCordialement,\nAlice",
            html="<p>C'est bon, les bulletins sont <b>complets</b>.</p><p>Cordialement,<br>Alice</p>",
        )
    )
    assert fetch() == {"processed": 1}
    (to_support,) = mail.outbox
    assert to_support.to == [support.email] and "C'est bon, les bulletins sont complets." in to_support.body

    # The thread, on both sides' pages: the two answers given by e-mail, no quotation, no signature.
    assert list(Message.objects.filter(ticket=ticket).values_list("author", "body")) == [
        (support.pk, "Bonjour,\nMerci de relancer le calcul puis l'édition."),
        (agent.pk, "C'est bon, les bulletins sont complets."),
    ]
    page = client.get(reverse("support:detail", args=[ticket.number])).content.decode()
    assert "Merci de relancer le calcul puis l&#x27;édition." in page and "complets." in page
    assert "a écrit" not in page
    desk = Client()
    desk.force_login(support)
    page = desk.get(reverse("desk:detail", args=[ticket.number])).content.decode()
    assert "C&#x27;est bon, les bulletins sont complets." in page
    assert reply_mailbox.count("Traites") == 2 and reply_mailbox.count("INBOX") == 0
