"""The mailbox itself: IMAPS with the server's certificate checked, a mailbox that is down (the job
retries later, the portal goes on), the command and the periodic job."""

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from inbound import services, tasks
from inbound.models import InboundMail
from notifications.models import OutgoingEmail
from support.models import Message
from testing.imap import compose_reply, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailbox_down(reply_mailbox, settings):
    """The mailbox's server does not answer (nothing listens on its port)."""
    settings.INBOUND_IMAP_URL = f"imap://boite:secret@127.0.0.1:{free_port()}/INBOX"
    settings.INBOUND_IMAP_TIMEOUT = 3


def test_imaps_reads_the_mailbox_with_the_certificate_checked(reply_mailbox, dovecot, settings, fetch, answer, agent):
    """M12.2: IMAPS (production's scheme), the server's certificate checked against INBOUND_IMAP_CA_FILE"""
    settings.INBOUND_IMAP_URL = dovecot.url(reply_mailbox.name, reply_mailbox.password, tls=True)
    settings.INBOUND_IMAP_CA_FILE = dovecot.ca_file
    reply_mailbox.deliver(compose_reply(answer, "Par IMAPS."))
    assert fetch() == {"processed": 1}
    assert Message.objects.filter(author=agent).last().body == "Par IMAPS."


def test_imaps_refuses_a_server_whose_certificate_is_not_trusted(reply_mailbox, dovecot, settings, answer):
    """M12.5: an untrusted certificate: nothing read, a clear error (the job retries later)"""
    settings.INBOUND_IMAP_URL = dovecot.url(reply_mailbox.name, reply_mailbox.password, tls=True)
    reply_mailbox.deliver(compose_reply(answer, "Jamais lu."))
    with pytest.raises(services.MailboxUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
        services.fetch_replies()
    assert not InboundMail.objects.exists() and reply_mailbox.count("INBOX") == 1


def test_a_wrong_password_is_a_mailbox_unavailable(reply_mailbox, dovecot, settings):
    """M12.5: a refused login is reported, not a crash; the password never appears in it"""
    settings.INBOUND_IMAP_URL = dovecot.url(reply_mailbox.name, "mauvais-mot-de-passe")
    with pytest.raises(services.MailboxUnavailable) as error:
        services.fetch_replies()
    assert "AUTHENTICATIONFAILED" in str(error.value) and "mauvais-mot-de-passe" not in str(error.value)


def test_a_mailbox_that_is_down_makes_the_job_retry_later_with_a_growing_delay(mailbox_down, monkeypatch):
    """M12.4: the periodic job retries (exponential back-off) instead of failing or losing anything"""
    asked = []

    def retry(*args, **kwargs):
        asked.append(kwargs)
        raise Retry("later", when=kwargs.get("countdown"))

    monkeypatch.setattr(tasks.fetch_replies_task, "retry", retry)
    result = tasks.fetch_replies_task.apply()
    assert result.state == "RETRY"
    (call,) = asked
    assert isinstance(call["exc"], services.MailboxUnavailable) and "ConnectionRefusedError" in str(call["exc"])
    assert 0 <= call["countdown"] <= 30  # 30 s, then 60 s, 120 s… (jittered), at most 15 min
    task = tasks.fetch_replies_task
    assert task.retry_backoff == 30 and task.retry_backoff_max == 900 and task.max_retries == 6
    assert not InboundMail.objects.exists()


def test_the_portal_keeps_working_while_the_mailbox_is_down(
    mailbox_down, client, ticket, agent, django_capture_on_commit_callbacks
):
    """M12.4: pages and forms do not touch the mailbox; the e-mails still carry their reply address"""
    client.force_login(agent)
    page = client.get(reverse("support:detail", args=[ticket.number]))
    assert page.status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(reverse("support:message", args=[ticket.number]), {"message-body": "Depuis le portail."})
    assert posted.status_code == 302
    (sent,) = mail.outbox
    assert sent.reply_to and "Depuis le portail." in sent.body


def test_the_command_says_the_mailbox_is_down_and_reads_nothing(mailbox_down):
    """M12.2: `manage.py fetch_replies` fails with a French message when the mailbox cannot be reached"""
    with pytest.raises(CommandError, match="Boîte de réception injoignable, rien n'a été lu"):
        call_command("fetch_replies")


def test_the_command_reads_the_mailbox_and_sums_up(reply_mailbox, answer, capsys, django_capture_on_commit_callbacks):
    """M12.2: `manage.py fetch_replies` reads every waiting mail and says what became of them"""
    reply_mailbox.deliver(compose_reply(answer, "Réponse lue par la commande."))
    auto = compose_reply(answer, "Absent.", headers={"Auto-Submitted": "auto-replied"})
    reply_mailbox.deliver(auto)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("fetch_replies")
    out = capsys.readouterr().out
    assert out.strip() == "Messages lus : 2 (Ignoré (réponse automatique) : 1, Ajouté à la DI : 1)."


def test_the_periodic_job_reads_the_mailbox(reply_mailbox, answer, agent, django_capture_on_commit_callbacks):
    """M12.2: the Celery beat job (inbound.fetch_replies) reads the mailbox"""
    from config.celery import app

    assert app.conf.beat_schedule["fetch-replies"]["task"] == tasks.fetch_replies_task.name
    reply_mailbox.deliver(compose_reply(answer, "Lue par le job."))
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.fetch_replies_task.apply()
    assert result.get() == {"processed": 1}
    assert Message.objects.filter(author=agent).last().body == "Lue par le job."
    assert OutgoingEmail.objects.filter(template="ticket_owner_message").exists()
