"""The e-mails about a DI: a Reply-To of their own per recipient when replies by e-mail are on,
and the text that says so; none of it when they are off (the default)."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbound import tokens
from notifications.models import OutgoingEmail
from notifications.services import email_queue
from support import services as support_services
from testing.imap import REPLY_ADDRESS
from testing.personas import make_user
from testing.tickets import file_di

pytestmark = pytest.mark.django_db


@pytest.fixture
def on(settings):
    settings.INBOUND_IMAP_URL = "imaps://boite:secret@imap.example:993/INBOX"
    settings.INBOUND_REPLY_ADDRESS = REPLY_ADDRESS


@pytest.fixture
def team(support):
    """The software team: two support people."""
    return [support, make_user("support2@vendor.example", None, support.role, first_name="Sacha")]


def test_each_team_member_gets_a_reply_address_of_their_own(on, agent, team, commit):
    """M12.1: the new DI's e-mail to the team: one Reply-To per (DI, recipient), the text says it"""
    ticket = commit(file_di, agent)
    sent = {m.to[0]: m for m in mail.outbox}
    # The team, and the owner (the acknowledgement, answerable as well at the owner's own address).
    assert set(sent) == {person.email for person in team} | {agent.email}
    assert sent[agent.email].reply_to == [tokens.reply_address(ticket.pk, agent.pk)]
    for person in team:
        message = sent[person.email]
        assert message.reply_to == [tokens.reply_address(ticket.pk, person.pk)]
        assert tokens.read(message.reply_to[0]) == tokens.Token(ticket.pk, person.pk)
        assert "Vous pouvez répondre directement à ce message" in message.body
        assert "Merci de ne pas y répondre" not in message.body
        assert "publie votre réponse sur la DI" in message.body  # the staff's answer is public
        html = message.alternatives[0].content
        assert "Vous pouvez répondre directement à ce message" in html
        assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_the_owner_gets_a_reply_address_for_the_support_answer(on, agent, support, commit):
    """M12.1: the owner's e-mail about the support's answer carries the owner's address for this DI"""
    ticket = commit(file_di, agent)
    mail.outbox.clear()
    commit(support_services.ticket_reply, ticket, acting_user=support, body="Essayez la version 4.2.")
    (message,) = mail.outbox
    assert message.to == [agent.email]
    assert message.reply_to == [tokens.reply_address(ticket.pk, agent.pk)]
    assert "Essayez la version 4.2." in message.body
    assert "Vous pouvez répondre directement à ce message" in message.body
    row = OutgoingEmail.objects.get(template="ticket_reply")
    assert row.reply_to == message.reply_to[0]


def test_off_by_default_no_reply_address_and_the_text_asks_not_to_reply(agent, team, commit, settings):
    """M12.7: without INBOUND_IMAP_URL no e-mail carries a reply address"""
    assert settings.INBOUND_IMAP_URL == "" and not tokens.enabled()
    commit(file_di, agent)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email] + [person.email for person in team])
    for message in mail.outbox:
        assert message.reply_to == []
        assert "Merci de ne pas y répondre directement." in message.body
        assert "Vous pouvez répondre" not in message.body


def test_an_email_about_no_di_keeps_asking_not_to_reply(on, agent, commit):
    """M12.7: only the e-mails about a DI are answered; the others say « Merci de ne pas y répondre »"""
    commit(email_queue, "email_changed", to=agent.email, context={"user": agent})
    (message,) = mail.outbox
    assert message.reply_to == [] and "Merci de ne pas y répondre directement." in message.body


def test_a_team_email_costs_the_same_queries_whatever_the_team_size(
    on, agent, team, django_capture_on_commit_callbacks
):
    """M12.1: reply addresses are computed, not read: a team of 12 costs the queries of a team of 2"""

    def queries_to_file():
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=False):
            file_di(agent)
        return len(queries)

    queries_to_file()  # the year's DI counter is created by the first one
    small = queries_to_file()
    for n in range(10):
        make_user(f"renfort{n}@vendor.example", None, team[0].role)
    assert queries_to_file() == small
    rows = OutgoingEmail.objects.filter(template="ticket_created").order_by("-pk")[:12]
    assert len({row.reply_to for row in rows}) == 12
