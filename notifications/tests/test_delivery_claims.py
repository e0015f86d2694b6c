"""Sending mail holds no lock and times out (M16.4): a row is claimed (SELECT … FOR UPDATE SKIP
LOCKED, marked « sending », committed), sent outside any transaction, then marked; two workers
still send each e-mail once; a mail server that hangs delays nobody else."""

import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone

from notifications.models import OutgoingEmail
from notifications.services import email_deliver, email_deliver_pending, email_queue
from testing.mail import RECORDING_EMAIL_BACKEND, HangingSMTPServer, RecordingEmailBackend

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent connections and row locks: PostgreSQL"
)


@pytest.fixture
def recording(settings):
    settings.EMAIL_BACKEND = RECORDING_EMAIL_BACKEND
    RecordingEmailBackend.sent = []
    RecordingEmailBackend.delay = 0.0
    yield RecordingEmailBackend
    RecordingEmailBackend.sent = []
    RecordingEmailBackend.delay = 0.0


def queued(user, count=1):
    """Pending rows as ``email_queue`` writes them, without the after-commit delivery (the test
    decides who delivers)."""
    with mock.patch("notifications.services._dispatch"):
        return [email_queue("email_changed", to=user.email, context={"user": user}) for _ in range(count)]


def test_the_production_settings_bound_every_smtp_conversation():
    """M16.4: EMAIL_TIMEOUT is set, and a dead worker's claim expires"""
    from django.conf import settings

    assert 0 < settings.EMAIL_TIMEOUT <= 60
    assert settings.EMAIL_CLAIM_EXPIRES > 10 * settings.EMAIL_TIMEOUT


@pytest.mark.django_db
def test_a_mail_server_that_never_answers_is_given_up_after_email_timeout(agent, settings):
    """M16.4: a real socket on 127.0.0.1 that accepts and stays silent; the attempt ends after
    EMAIL_TIMEOUT and the row goes back to the queue with the error"""
    (email,) = queued(agent)
    with HangingSMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 1
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        started = time.monotonic()
        assert email_deliver(email.pk) is False
        elapsed = time.monotonic() - started
        assert server.accepted, "the backend never reached the hanging server"
    assert elapsed < 10
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING and email.attempts == 1
    assert "timed out" in email.last_error.lower() and email.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_a_row_left_sending_by_a_dead_worker_is_sent_after_the_claim_expires(agent, recording, settings):
    """M16.4: a worker died mid-send; its row is not touched while the claim is fresh, then sent once"""
    (email,) = queued(agent)
    claimed = timezone.now() - timedelta(seconds=settings.EMAIL_CLAIM_EXPIRES - 30)
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.SENDING, claimed_at=claimed, attempts=1
    )
    assert email_deliver_pending() == 0 and email_deliver(email.pk) is False
    stale = timezone.now() - timedelta(seconds=settings.EMAIL_CLAIM_EXPIRES + 1)
    OutgoingEmail.objects.filter(pk=email.pk).update(claimed_at=stale)
    assert email_deliver_pending() == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.attempts == 2
    assert [entry["to"] for entry in recording.sent] == [[agent.email]]
    assert email_deliver_pending() == 0


@pytest.mark.django_db
def test_an_outcome_is_not_written_over_a_claim_taken_by_another_worker(agent, recording, settings):
    """M16.4: a sender slower than EMAIL_CLAIM_EXPIRES does not mark a row another worker now holds"""
    (email,) = queued(agent)

    class Overtaken(RecordingEmailBackend):
        def send_messages(self, messages):
            OutgoingEmail.objects.filter(pk=email.pk).update(claimed_at=timezone.now() + timedelta(seconds=5))
            return super().send_messages(messages)

    settings.EMAIL_BACKEND = f"{__name__}.Overtaken"
    globals()["Overtaken"] = Overtaken
    assert email_deliver(email.pk) is True
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENDING  # the other worker records its own outcome


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_smtp_conversation_runs_outside_any_transaction_with_the_claim_committed(agent, recording):
    """M16.4: during the send, the sender is in no transaction and another connection already
    reads the row as « sending »"""
    (email,) = queued(agent)
    seen = {}

    class Observing(RecordingEmailBackend):
        def send_messages(self, messages):
            other = connections.create_connection("default")
            try:
                with other.cursor() as cursor:
                    cursor.execute("SELECT status FROM notifications_outgoingemail WHERE id = %s", [email.pk])
                    seen["status_elsewhere"] = cursor.fetchone()[0]
                    # No lock is held on the row: another connection takes it without waiting.
                    cursor.execute("SET lock_timeout = '1s'")
                    cursor.execute(
                        "SELECT id FROM notifications_outgoingemail WHERE id = %s FOR UPDATE NOWAIT", [email.pk]
                    )
                    seen["locked_elsewhere"] = cursor.fetchone()[0] == email.pk
            finally:
                other.close()
            return super().send_messages(messages)

    globals()["Observing"] = Observing
    from django.conf import settings

    settings.EMAIL_BACKEND = f"{__name__}.Observing"
    try:
        assert email_deliver(email.pk) is True
    finally:
        settings.EMAIL_BACKEND = RECORDING_EMAIL_BACKEND
    assert seen == {"status_elsewhere": "sending", "locked_elsewhere": True}
    assert recording.sent[0]["in_transaction"] is False
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.claimed_at is not None


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_exactly_once(agent, recording):
    """M16.4: two workers (threads, each with its own database connection) run the retry job over
    the same 40 due e-mails at the same time; each goes out once and is marked sent"""
    emails = queued(agent, 40)
    recording.delay = 0.03
    start = threading.Barrier(2)
    results, errors = {}, []

    def worker(name):
        try:
            start.wait(timeout=10)
            results[name] = email_deliver_pending()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert results["a"] + results["b"] == 40 and results["a"] > 0 and results["b"] > 0
    assert len(recording.sent) == 40 and len({entry["thread"] for entry in recording.sent}) == 2
    statuses = OutgoingEmail.objects.filter(pk__in=[e.pk for e in emails]).values_list("status", "attempts")
    assert set(statuses) == {(OutgoingEmail.Status.SENT, 1)}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_hanging_mail_server_does_not_block_other_work(agent, settings):
    """M16.4: while one worker waits on a silent mail server, the portal writes and reads the same
    table, another worker claims other rows, and the stuck row itself can be locked elsewhere"""
    stuck, other = queued(agent, 2)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    with HangingSMTPServer() as server:
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 4
        outcome = {}

        def hanging_worker():
            try:
                outcome["sent"] = email_deliver(stuck.pk)
            finally:
                connection.close()

        thread = threading.Thread(target=hanging_worker)
        thread.start()
        deadline = time.monotonic() + 5
        while not server.accepted and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.accepted, "the worker never reached the mail server"
        blocked_from = time.monotonic()
        # The portal goes on: a new e-mail is queued, the stuck row is read and locked without waiting.
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '500ms'")
        from django.db import transaction

        with transaction.atomic():
            assert OutgoingEmail.objects.select_for_update(nowait=True).get(pk=stuck.pk).status == "sending"
        queued(agent)
        # Another worker claims the other row at once (its own send fails on the same silent server
        # only after its timeout: the claim itself did not wait).
        claim_took = time.monotonic()
        from notifications.services import _claim

        assert _claim(other.pk) is not None
        assert time.monotonic() - claim_took < 1
        assert time.monotonic() - blocked_from < settings.EMAIL_TIMEOUT - 1, "the portal waited for the mail server"
        thread.join(timeout=30)
    assert outcome == {"sent": False}
    stuck.refresh_from_db()
    assert stuck.status == OutgoingEmail.Status.PENDING and "timed out" in stuck.last_error.lower()
