"""« Clôture à valider » runs out: the system closes the DI, once, and records it as automatic."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from support import services, tasks
from support.models import Status, Ticket, TicketEvent
from testing.tickets import file_di, in_status


@pytest.fixture
def make_di(agent, support):
    """A DI of the agent in ``status``; in « Clôture à valider », proposed ``proposed_days_ago`` days ago."""

    def make(status=Status.CLOSURE_PENDING, proposed_days_ago=0):
        ticket = in_status(file_di(agent, subject="Export bloqué"), status, support)
        if status == Status.CLOSURE_PENDING:
            moment = timezone.now() - timedelta(days=proposed_days_ago)
            Ticket.objects.filter(pk=ticket.pk).update(closure_proposed_at=moment)
            ticket.refresh_from_db()
        return ticket

    return make


@pytest.mark.django_db
def test_a_di_left_to_validate_past_the_delay_is_closed_automatically(make_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = make_di(proposed_days_ago=16)
    assert services.tickets_auto_close() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None and not ticket.awaiting_owner
    event = ticket.events.get(action=TicketEvent.Action.AUTO_CLOSED)
    assert event.actor is None
    assert (event.from_status, event.to_status) == (Status.CLOSURE_PENDING, Status.CLOSED)


@pytest.mark.django_db
def test_a_di_still_within_the_delay_is_left_to_its_owner(make_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = make_di(proposed_days_ago=14)
    assert services.tickets_auto_close() == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSURE_PENDING and ticket.closed_at is None
    assert not ticket.events.filter(action=TicketEvent.Action.AUTO_CLOSED).exists()


@pytest.mark.django_db
def test_the_delay_is_a_setting(make_di, settings):
    """M3.5"""
    ticket = make_di(proposed_days_ago=4)
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 5
    assert services.tickets_auto_close() == 0
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 3
    assert services.tickets_auto_close() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


@pytest.mark.django_db
def test_closing_expired_dis_twice_closes_nothing_more(make_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = make_di(proposed_days_ago=30)
    assert services.tickets_auto_close() == 1
    closed_at = Ticket.objects.get(pk=ticket.pk).closed_at
    assert services.tickets_auto_close() == 0
    ticket.refresh_from_db()
    assert ticket.closed_at == closed_at
    assert ticket.events.filter(action=TicketEvent.Action.AUTO_CLOSED).count() == 1


@pytest.mark.django_db
def test_other_statuses_are_never_closed_automatically(make_di, agent, settings):
    """M3.5 M3.3"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    to_process = make_di(Status.TO_PROCESS)
    in_progress = make_di(Status.IN_PROGRESS)
    cancelled = make_di(Status.IN_PROGRESS)
    services.ticket_cancel(cancelled, acting_user=agent, reason="Plus d'actualité.")
    Ticket.objects.update(
        created_at=timezone.now() - timedelta(days=90), last_activity_at=timezone.now() - timedelta(days=90)
    )
    assert services.tickets_auto_close(now=timezone.now() + timedelta(days=365)) == 0
    statuses = dict(Ticket.objects.values_list("pk", "status"))
    assert statuses == {
        to_process.pk: Status.TO_PROCESS,
        in_progress.pk: Status.IN_PROGRESS,
        cancelled.pk: Status.CANCELLED,
    }


@pytest.mark.django_db
def test_the_automatic_closure_sends_no_email(make_di, settings, mailoutbox, django_capture_on_commit_callbacks):
    """M3.5 M9"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    make_di(proposed_days_ago=16)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.tickets_auto_close()
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_command_prints_how_many_dis_it_closed(make_di, settings, capsys):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    make_di(proposed_days_ago=20)
    make_di(proposed_days_ago=20)
    make_di(proposed_days_ago=1)
    call_command("close_expired_dis")
    assert "2 DI(s) clôturée(s) automatiquement" in capsys.readouterr().out
    call_command("close_expired_dis")
    assert "0 DI(s) clôturée(s) automatiquement" in capsys.readouterr().out
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 2


@pytest.mark.django_db
def test_the_periodic_task_closes_the_expired_dis(make_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = make_di(proposed_days_ago=16)
    assert tasks.close_expired_dis() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
