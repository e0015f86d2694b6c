"""Nothing lost, nothing twice: a mail seen again, a worker stopped half-way, two workers reading
the same mailbox at once (real Dovecot)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from inbound import mailbox, services
from inbound.models import InboundMail
from support import services as support_services
from support.models import Message
from testing.imap import compose_reply
from testing.tickets import file_di, take

PROCESSED = "Traites"


def replies_of(ticket, person):
    return list(Message.objects.filter(ticket=ticket, author=person).values_list("body", flat=True))


@pytest.mark.django_db
def test_the_same_mail_delivered_twice_is_added_once(reply_mailbox, fetch, ticket, answer, agent):
    """M12.4: the Message-ID is recorded: a second copy (resent, or delivered twice) adds nothing"""
    reply = compose_reply(answer, "Une seule fois.")
    reply_mailbox.deliver(reply)
    assert fetch() == {"processed": 1}
    reply_mailbox.deliver(reply)
    mail.outbox.clear()

    assert fetch() == {"processed": 1}  # filed, not processed again

    assert replies_of(ticket, agent) == ["Une seule fois."] and mail.outbox == []
    assert InboundMail.objects.get().attempts == 1
    assert reply_mailbox.message_ids(PROCESSED) == [reply["Message-ID"]] * 2


@pytest.mark.django_db
def test_a_worker_stopped_before_filing_the_mail_loses_nothing_and_adds_nothing_twice(
    reply_mailbox, fetch, ticket, answer, agent, monkeypatch
):
    """M12.4: processed, then the connection drops before the MOVE: the next run only files it"""
    reply = compose_reply(answer, "Avant la coupure.")
    reply_mailbox.deliver(reply)

    def dropped(self, uid, folder):
        raise OSError("connection reset by peer")

    with monkeypatch.context() as patch:
        patch.setattr(mailbox.Mailbox, "move", dropped)
        with pytest.raises(services.MailboxUnavailable):
            fetch()
    assert replies_of(ticket, agent) == ["Avant la coupure."]
    assert reply_mailbox.count("INBOX") == 1
    mail.outbox.clear()

    assert fetch() == {"processed": 1}

    assert replies_of(ticket, agent) == ["Avant la coupure."] and mail.outbox == []
    assert reply_mailbox.count("INBOX") == 0 and reply_mailbox.message_ids(PROCESSED) == [reply["Message-ID"]]


@pytest.mark.django_db
def test_a_mail_claimed_by_a_worker_that_died_is_processed_by_the_next_run(reply_mailbox, fetch, ticket, answer, agent):
    """M12.4: recorded but not processed (the worker died): processed once by the next reading"""
    reply = compose_reply(answer, "Reprise après arrêt.")
    reply_mailbox.deliver(reply)
    services.inbound_mail_claim(reply["Message-ID"], sender=agent.email)

    assert fetch() == {"processed": 1}

    assert replies_of(ticket, agent) == ["Reprise après arrêt."]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two workers at once need PostgreSQL's row locks")
def test_two_workers_reading_at_once_add_each_reply_exactly_once(reply_mailbox, agent, support):
    """M12.4: two fetchers on the same mailbox at the same moment: each reply once, each mail filed once"""
    ticket = take(file_di(agent), support)
    mail.outbox.clear()
    support_services.ticket_reply(ticket, acting_user=support, body="Pouvez-vous essayer ?")
    (sent,) = mail.outbox
    replies = [compose_reply(sent, f"Réponse numéro {n}.") for n in range(12)]
    reply_mailbox.deliver(*replies)
    start = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            start.wait()
            results.append(services.fetch_replies())
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(replies_of(ticket, agent)) == sorted(f"Réponse numéro {n}." for n in range(12))
    assert sum(count for result in results for count in result.values()) == 12  # each filed by one worker
    assert sorted(reply_mailbox.message_ids(PROCESSED)) == sorted(r["Message-ID"] for r in replies)
    assert reply_mailbox.count("INBOX") == 0
    assert InboundMail.objects.filter(status=InboundMail.Status.PROCESSED, attempts=1).count() == 12


@pytest.mark.django_db
@pytest.mark.parametrize("heard", [False, True], ids=["expunge-unheard", "expunge-heard"])
def test_a_mail_another_session_moved_first_is_no_error(reply_mailbox, answer, heard):
    """M12.4: two sessions move the same mail one after the other: one copy filed, no error, and
    only the first says it moved it (NO [EXPUNGEISSUED], or OK without COPYUID, for the second)"""
    reply = compose_reply(answer, "Déplacée deux fois.")
    reply_mailbox.deliver(reply)
    with mailbox.open_mailbox() as first, mailbox.open_mailbox() as second:
        (head,) = second.heads(10)
        assert first.move(head.uid, PROCESSED) is True
        if heard:
            second.box.client.noop()
        assert second.move(head.uid, PROCESSED) is False
    assert reply_mailbox.message_ids(PROCESSED) == [reply["Message-ID"]] and reply_mailbox.count("INBOX") == 0
