"""The back office's « Réponses reçues par e-mail »: the mails in error with their reason, and
« Réessayer », which reads them again from the error folder."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from inbound import services
from inbound.models import InboundMail
from ops.maintenance import purge_expired_data
from support import services as support_services
from support.models import Message
from testing.imap import compose_reply

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:inbound_inboundmail_changelist"


@pytest.fixture
def failed_once(reply_mailbox, fetch, answer, monkeypatch):
    """A reply set aside by a defect of ours (the service raised): in the error folder."""
    reply = compose_reply(answer, "Réponse à ne pas perdre.")
    reply_mailbox.deliver(reply)

    def broken(*args, **kwargs):
        raise RuntimeError("panne du service")

    with monkeypatch.context() as patch:
        patch.setattr(support_services, "ticket_post_message", broken)
        assert fetch() == {"failed": 1}
    return InboundMail.objects.get(message_id=reply["Message-ID"])


def test_a_defect_of_ours_sets_the_mail_aside_with_its_reason(failed_once, reply_mailbox, ticket):
    """M12.5: an unexpected error is caught: the mail goes to the error folder with the reason, nothing added"""
    assert failed_once.status == InboundMail.Status.FAILED
    assert failed_once.reason == "Erreur inattendue : RuntimeError: panne du service"
    assert reply_mailbox.message_ids("Erreurs") == [failed_once.message_id]
    assert not Message.objects.filter(body="Réponse à ne pas perdre.").exists()


def test_the_back_office_lists_the_mails_in_error_with_their_reason(client, vendor_admin, failed_once):
    """M12.4: the failed mails and their reason are listed in the back office"""
    services.inbound_mail_fail(services.inbound_mail_claim("<autre@x>", sender="x@ailleurs.example"), "Motif B")
    client.force_login(vendor_admin)
    response = client.get(reverse(CHANGELIST), {"status__exact": "failed"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Erreur inattendue : RuntimeError: panne du service" in page and "Motif B" in page
    assert "Réessayer" in page


def test_the_list_reads_in_bounded_queries(client, vendor_admin, failed_once, django_assert_max_num_queries):
    """M12.4: the list of 40 mails costs a bounded number of queries"""
    for n in range(40):
        services.inbound_mail_fail(services.inbound_mail_claim(f"<n{n}@x>", sender="x@ailleurs.example"), "Motif")
    client.force_login(vendor_admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200


def test_retry_reads_the_mail_again_from_the_error_folder_and_adds_it_once(
    client, vendor_admin, failed_once, reply_mailbox, fetch, ticket, agent, support
):
    """M12.4: « Réessayer »: the next reading processes the mail from the error folder, once, and files it"""
    client.force_login(vendor_admin)
    response = client.post(reverse(CHANGELIST), {"action": "retry", "_selected_action": [failed_once.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 message en erreur sera relu" in response.content.decode()
    failed_once.refresh_from_db()
    assert failed_once.status == InboundMail.Status.RETRY
    event = Event.objects.get(action="inbound_mail_retried")
    assert event.actor == vendor_admin and event.target == failed_once.message_id

    assert fetch() == {"processed": 1}

    assert Message.objects.filter(ticket=ticket, author=agent).last().body == "Réponse à ne pas perdre."
    failed_once.refresh_from_db()
    assert failed_once.status == InboundMail.Status.PROCESSED and failed_once.attempts == 2
    assert reply_mailbox.message_ids("Erreurs") == [] and reply_mailbox.message_ids("Traites") == [
        failed_once.message_id
    ]
    assert fetch() == {}  # nothing left: not added twice


def test_retry_leaves_the_mails_not_in_error_alone(client, vendor_admin, reply_mailbox, fetch, answer):
    """M12.4: a processed mail cannot be « retried » into a second message"""
    reply = compose_reply(answer, "Déjà traitée.")
    reply_mailbox.deliver(reply)
    fetch()
    done = InboundMail.objects.get()
    assert services.inbound_mail_retry([done], acting_user=vendor_admin) == 0
    done.refresh_from_db()
    assert done.status == InboundMail.Status.PROCESSED


def test_the_records_of_read_mails_are_purged_with_the_emails_but_not_those_in_error(settings):
    """M12.4: the daily purge drops the records past RETENTION_EMAIL_DAYS, keeps those in error"""
    settings.RETENTION_EMAIL_DAYS = 30
    old = services.inbound_mail_claim("<old@x>")
    InboundMail.objects.filter(pk=old.pk).update(status=InboundMail.Status.PROCESSED)
    failed = services.inbound_mail_fail(services.inbound_mail_claim("<failed@x>"), "Motif")
    recent = services.inbound_mail_claim("<recent@x>")
    InboundMail.objects.filter(pk=recent.pk).update(status=InboundMail.Status.IGNORED)
    InboundMail.objects.filter(pk__in=[old.pk, failed.pk]).update(received_at=timezone.now() - timedelta(days=31))
    assert purge_expired_data()["replies"] == 1
    assert set(InboundMail.objects.values_list("message_id", flat=True)) == {"<failed@x>", "<recent@x>"}


def test_a_mail_without_message_id_is_known_by_a_digest_and_can_be_retried(
    reply_mailbox, fetch, answer, ticket, agent, vendor_admin, monkeypatch
):
    """M12.4: no Message-ID: recorded by a digest of its headers, set aside, retried, added once"""
    reply = compose_reply(answer, "Sans Message-ID.")
    del reply["Message-ID"]
    reply_mailbox.deliver(reply)
    with monkeypatch.context() as patch:
        patch.setattr(support_services, "ticket_post_message", lambda *a, **k: 1 / 0)
        assert fetch() == {"failed": 1}
    row = InboundMail.objects.get()
    assert row.message_id.startswith("<sha256-") and row.message_id.endswith("@sans-message-id.invalid>")

    services.inbound_mail_retry([row], acting_user=vendor_admin)
    assert fetch() == {"processed": 1}
    assert fetch() == {}
    assert list(Message.objects.filter(ticket=ticket, author=agent).values_list("body", flat=True)) == [
        "Sans Message-ID."
    ]
    assert reply_mailbox.count("Traites") == 1 and reply_mailbox.count("Erreurs") == 0
