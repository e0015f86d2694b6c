"""The reply address of a DI's e-mail: one per DI and recipient, signed, expiring after closure."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbound import tokens
from support.models import Status, Ticket
from testing.imap import REPLY_ADDRESS
from testing.tickets import file_di, in_status


@pytest.fixture
def on(settings):
    settings.INBOUND_IMAP_URL = "imaps://boite:secret@imap.example:993/INBOX"
    settings.INBOUND_REPLY_ADDRESS = REPLY_ADDRESS


def test_an_address_is_on_the_mailbox_with_a_token_of_its_own_per_di_and_person(on):
    """M12.1: plus-addressing on the one mailbox, a different address per DI and per person"""
    address = tokens.reply_address(12, 34)
    local, domain = address.split("@")
    assert domain == "reponses.example" and local.startswith("support+12-34-")
    assert len(local) <= 64  # the limit of a local part (RFC 5321)
    others = {tokens.reply_address(12, 35), tokens.reply_address(13, 34), address}
    assert len(others) == 3
    assert tokens.read(address) == tokens.Token(12, 34)


def test_an_address_read_back_in_capitals_is_still_valid(on):
    """M12.1: mail systems may change the case of an address"""
    assert tokens.read(tokens.reply_address(7, 8).upper()) == tokens.Token(7, 8)


@pytest.mark.parametrize(
    "forge",
    [
        lambda a: a.replace("support+12-34-", "support+13-34-"),  # another DI, the same signature
        lambda a: a.replace("support+12-34-", "support+12-35-"),  # another person
        lambda a: a[:-25] + ("a" if a[-25] != "a" else "b") + a[-24:],  # one character of the signature
        lambda a: a.replace("@reponses.example", "@ailleurs.example"),  # another domain
        lambda a: a.split("-")[0] + "@reponses.example",  # no signature
        lambda a: "support@reponses.example",  # the mailbox itself
    ],
)
def test_a_token_changed_or_moved_to_another_di_or_person_is_refused(on, forge):
    """M12.1: not guessable, not reusable for another DI or another person"""
    forged = forge(tokens.reply_address(12, 34))
    with pytest.raises(tokens.BadToken):
        tokens.read(forged)


def test_the_signature_uses_a_key_of_its_own(on, settings):
    """M12.1: the HMAC key is INBOUND_TOKEN_KEY: changing it voids the addresses sent"""
    settings.INBOUND_TOKEN_KEY = "k" * 40
    first = tokens.reply_address(12, 34)
    settings.INBOUND_TOKEN_KEY = "autre-" + "k" * 40
    assert tokens.reply_address(12, 34) != first
    with pytest.raises(tokens.BadToken):
        tokens.read(first)
    # The SECRET_KEY does not sign them when the key is set.
    settings.SECRET_KEY = "x" * 60
    assert tokens.reply_address(12, 34) != first and tokens.read(tokens.reply_address(12, 34))


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_an_address_expires_the_configured_time_after_the_di_closes(on, settings, agent, support, status):
    """M12.1: valid while the DI is open, and INBOUND_TOKEN_DAYS_AFTER_CLOSE days after it closes"""
    settings.INBOUND_TOKEN_DAYS_AFTER_CLOSE = 10
    ticket = file_di(agent)
    assert not tokens.expired(ticket)
    ticket = in_status(ticket, status, support)
    assert not tokens.expired(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=9))
    ticket.refresh_from_db()
    assert not tokens.expired(ticket)
    Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=11))
    ticket.refresh_from_db()
    assert tokens.expired(ticket)
