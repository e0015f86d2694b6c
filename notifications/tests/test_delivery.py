"""Outgoing e-mail: queued in the caller's transaction, sent after commit, retried, never duplicated."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import tasks
from notifications.models import EmailBody, OutgoingEmail
from notifications.services import (
    MAX_ATTEMPTS,
    email_deliver,
    email_deliver_pending,
    email_queue,
    email_queue_many,
    emails_together,
)
from testing.mail import FAILING_EMAIL_BACKEND


def queue(user):
    return email_queue("email_changed", to=user.email, context={"user": user})


def make_due(email):
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_a_queued_email_renders_its_three_templates(agent):
    """M9"""
    email = queue(agent)
    assert email.to == agent.email
    assert email.subject == "Votre adresse mail a été modifiée"
    assert agent.email in email.body_text and "Merci de ne pas y répondre" in email.body_text
    assert email.body_html.startswith("<!DOCTYPE html>") and agent.email in email.body_html
    assert email.status == OutgoingEmail.Status.PENDING and email.attempts == 0


@pytest.mark.django_db
def test_an_email_is_sent_only_after_the_commit(agent, django_capture_on_commit_callbacks):
    """M9"""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue(agent)
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.sent_at is not None and email.attempts == 1
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"


@pytest.mark.django_db
def test_a_rolled_back_change_sends_no_email(agent, django_capture_on_commit_callbacks):
    """M9"""
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                queue(agent)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
    assert not OutgoingEmail.objects.exists() and mail.outbox == []


@pytest.mark.django_db
def test_a_failed_delivery_keeps_the_email_pending_with_its_error(agent, settings, django_capture_on_commit_callbacks):
    """M9"""
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(agent)
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.PENDING and email.attempts == 1
    assert email.last_error.startswith("SMTPException") and "Connexion refusée" in email.last_error
    assert email.next_attempt_at > before + timedelta(minutes=1)
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_retry_waits_for_the_next_attempt_then_sends_once(agent, settings, django_capture_on_commit_callbacks):
    """M9"""
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(agent)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_deliver_pending() == 0 and mail.outbox == []
    make_due(email)
    assert email_deliver_pending() == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT and email.attempts == 2 and email.last_error == ""
    assert email_deliver_pending() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_delivering_the_same_email_twice_sends_it_once(agent):
    """M9"""
    email = queue(agent)
    assert email_deliver(email.pk) is True
    assert email_deliver(email.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_an_email_is_abandoned_after_the_maximum_attempts(agent, settings):
    """M9"""
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    email = queue(agent)
    for _ in range(MAX_ATTEMPTS):
        make_due(email)
        email_deliver_pending()
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.FAILED and email.attempts == MAX_ATTEMPTS
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due(email)
    assert email_deliver_pending() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_the_retry_delay_grows_with_the_attempts(agent, settings):
    """M9"""
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    email = queue(agent)
    delays = []
    for _ in range(3):
        make_due(email)
        start = timezone.now()
        email_deliver_pending()
        email.refresh_from_db()
        delays.append(email.next_attempt_at - start)
    assert delays[0] < delays[1] < delays[2]


@pytest.mark.django_db
def test_the_same_email_to_several_addresses_is_one_body_one_insert_and_one_job(
    agent, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """M9 M10"""
    settings.EMAIL_DELIVERY = "celery"
    addresses = [f"membre{k}@vendor.example" for k in range(5)]
    with (
        mock.patch.object(tasks.deliver_emails, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        django_assert_num_queries(2),  # the body, then the five rows
    ):
        emails = email_queue_many("email_changed", to=addresses, context={"user": agent, "old_email": "x@y.fr"})
    delay.assert_called_once_with([email.pk for email in emails])
    assert EmailBody.objects.count() == 1 and {email.body_id for email in emails} == {EmailBody.objects.get().pk}
    assert sorted(OutgoingEmail.objects.values_list("to", flat=True)) == sorted(addresses)
    tasks.deliver_emails([email.pk for email in emails])
    assert sorted(m.to[0] for m in mail.outbox) == sorted(addresses)


@pytest.mark.django_db
def test_the_worker_tasks_call_the_delivery_functions(agent):
    """M9"""
    first = queue(agent)
    queue(agent)
    tasks.deliver_emails([first.pk])
    assert len(mail.outbox) == 1
    assert tasks.deliver_pending_emails() == 1
    assert len(mail.outbox) == 2
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {OutgoingEmail.Status.SENT}


@pytest.mark.django_db
def test_in_production_the_commit_hands_the_email_to_the_worker(agent, settings, django_capture_on_commit_callbacks):
    """M9"""
    settings.EMAIL_DELIVERY = "celery"
    with mock.patch.object(tasks.deliver_emails, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        email = queue(agent)
    delay.assert_called_once_with([email.pk])
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_send_pending_emails_command_prints_how_many_went_out(agent, capsys):
    """M9"""
    queue(agent)
    call_command("send_pending_emails")
    assert "1 mail(s) envoyé(s)." in capsys.readouterr().out
    assert len(mail.outbox) == 1


def test_the_beat_schedule_runs_the_periodic_jobs():
    """M9 M3.5"""
    from config.celery import app

    tasks_scheduled = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks_scheduled["notifications.deliver_pending_emails"] <= 300
    assert tasks_scheduled["support.close_expired_dis"] == 3600.0
    app.loader.import_default_modules()
    assert {"notifications.deliver_pending_emails", "support.close_expired_dis"} <= set(app.tasks)


@pytest.mark.django_db
def test_the_back_office_shows_an_email_s_text_and_html(client, vendor_admin, agent):
    """M9 M10: the body shared by the e-mail's recipients, shown on each one's page"""
    email = queue(agent)
    client.force_login(vendor_admin)
    page = client.get(reverse("admin:notifications_outgoingemail_change", args=[email.pk])).content.decode()
    assert "Merci de ne pas y répondre" in page and "&lt;!DOCTYPE html&gt;" in page


@pytest.mark.django_db
def test_emails_queued_together_are_two_inserts_and_one_job(
    agent, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """M9 M10: a team's e-mail and a person's, their bodies in one INSERT, their rows in one"""
    settings.EMAIL_DELIVERY = "celery"
    team = [f"membre{k}@vendor.example" for k in range(3)]
    with (
        mock.patch.object(tasks.deliver_emails, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
        django_assert_num_queries(2),
        emails_together(),
    ):
        rows = email_queue_many("email_changed", to=team, context={"user": agent, "old_email": "x@y.fr"})
        with emails_together():  # within another: written when the outer one ends
            rows.append(queue(agent))
        assert [row.pk for row in rows] == [None] * 4
    delay.assert_called_once_with([row.pk for row in rows])
    assert EmailBody.objects.count() == 2
    team_bodies = set(OutgoingEmail.objects.filter(to__in=team).values_list("body_id", flat=True))
    assert len(team_bodies) == 1 and OutgoingEmail.objects.get(to=agent.email).body_id not in team_bodies


@pytest.mark.django_db
def test_emails_queued_together_are_not_written_when_the_block_fails(agent):
    """M9: nothing half-written"""
    with pytest.raises(ValueError), emails_together():
        queue(agent)
        raise ValueError
    assert not OutgoingEmail.objects.exists() and not EmailBody.objects.exists()
    queue(agent)  # the next e-mail is written at once again
    assert OutgoingEmail.objects.count() == 1


@pytest.mark.django_db
def test_queued_rows_are_stored_as_returned_each_with_its_own_email(agent, django_assert_num_queries):
    """M9 M10: the rows of a batch (PostgreSQL writes them in one INSERT … SELECT) keep the order
    of their addresses, and each row stores its e-mail's subject, body, headers and reply address"""
    team = [f"membre{k}@vendor.example" for k in (3, 1, 2)]
    with emails_together():
        rows = email_queue_many(
            "email_changed",
            to=team,
            context={"user": agent, "old_email": "x@y.fr"},
            reply_to={team[1]: "di+abc@reply.example"},
            headers={"In-Reply-To": "<di-1@vendor.example>"},
        )
        rows.append(email_queue("password_changed", to=agent.email, context={"user": agent, "by_reset": False}))
    assert [row.pk for row in rows] == sorted(row.pk for row in rows)
    with django_assert_num_queries(0):  # each returned row holds its body
        assert "vient d'être remplacée" in rows[0].body_text and "Merci de ne pas y répondre" in rows[0].body_text
        assert "Vous pouvez répondre directement" in rows[1].body_text
        assert "mot de passe" in rows[3].body_text
    stored = {email.pk: email for email in OutgoingEmail.objects.all()}
    assert len(stored) == 4
    for row in rows:
        email = stored[row.pk]
        fields = ("to", "subject", "body_id", "template", "reply_to", "headers", "status", "attempts", "last_error")
        assert [getattr(email, name) for name in fields] == [getattr(row, name) for name in fields]
        assert email.created_at == row.created_at and email.next_attempt_at == row.next_attempt_at
        assert email.sent_at is None and email.claimed_at is None
    assert [stored[row.pk].to for row in rows] == [*team, agent.email]
    assert [stored[row.pk].reply_to for row in rows] == ["", "di+abc@reply.example", "", ""]
    assert stored[rows[0].pk].headers == {"In-Reply-To": "<di-1@vendor.example>"} and stored[rows[3].pk].headers == {}
    assert stored[rows[0].pk].status == OutgoingEmail.Status.PENDING and stored[rows[0].pk].attempts == 0
    assert rows[1].body_id != rows[0].body_id  # who may answer by e-mail reads another text
