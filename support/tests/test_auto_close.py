"""« Clôture à valider » runs out: the system closes the DI, once, and records it as automatic."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from support import services, tasks
from support.models import Status, Ticket, TicketEvent


@pytest.fixture
def file_di(agent, est_a, support):
    contract = est_a.contracts.get(reference="CT-1-SW")

    def make(status=Status.CLOSURE_PENDING, proposed_days_ago=0):
        ticket = services.ticket_create(
            acting_user=agent, contract=contract, subject="Export bloqué", description="L'export s'arrête."
        )
        if status == Status.TO_PROCESS:
            return ticket
        services.ticket_take(ticket, acting_user=support)
        if status == Status.CLOSURE_PENDING:
            services.ticket_propose_closure(ticket, acting_user=support, body="Correctif installé.")
            Ticket.objects.filter(pk=ticket.pk).update(
                closure_proposed_at=timezone.now() - timedelta(days=proposed_days_ago)
            )
        ticket.refresh_from_db()
        return ticket

    return make


@pytest.mark.django_db
def test_a_di_left_to_validate_past_the_delay_is_closed_automatically(file_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = file_di(proposed_days_ago=16)
    assert services.tickets_auto_close() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None and not ticket.awaiting_owner
    event = ticket.events.get(action=TicketEvent.Action.AUTO_CLOSED)
    assert event.actor is None
    assert (event.from_status, event.to_status) == (Status.CLOSURE_PENDING, Status.CLOSED)


@pytest.mark.django_db
def test_a_di_still_within_the_delay_is_left_to_its_owner(file_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = file_di(proposed_days_ago=14)
    assert services.tickets_auto_close() == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSURE_PENDING and ticket.closed_at is None
    assert not ticket.events.filter(action=TicketEvent.Action.AUTO_CLOSED).exists()


@pytest.mark.django_db
def test_the_delay_is_a_setting(file_di, settings):
    """M3.5"""
    ticket = file_di(proposed_days_ago=4)
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 5
    assert services.tickets_auto_close() == 0
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 3
    assert services.tickets_auto_close() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


@pytest.mark.django_db
def test_closing_expired_dis_twice_closes_nothing_more(file_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = file_di(proposed_days_ago=30)
    assert services.tickets_auto_close() == 1
    closed_at = Ticket.objects.get(pk=ticket.pk).closed_at
    assert services.tickets_auto_close() == 0
    ticket.refresh_from_db()
    assert ticket.closed_at == closed_at
    assert ticket.events.filter(action=TicketEvent.Action.AUTO_CLOSED).count() == 1


@pytest.mark.django_db
def test_other_statuses_are_never_closed_automatically(file_di, agent, settings):
    """M3.5 M3.3"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    to_process = file_di(Status.TO_PROCESS)
    in_progress = file_di(Status.IN_PROGRESS)
    cancelled = file_di(Status.IN_PROGRESS)
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
def test_the_automatic_closure_sends_no_email(file_di, settings, mailoutbox, django_capture_on_commit_callbacks):
    """M3.5 M9"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    file_di(proposed_days_ago=16)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.tickets_auto_close()
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_command_prints_how_many_dis_it_closed(file_di, settings, capsys):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    file_di(proposed_days_ago=20)
    file_di(proposed_days_ago=20)
    file_di(proposed_days_ago=1)
    call_command("close_expired_dis")
    assert "2 DI(s) clôturée(s) automatiquement" in capsys.readouterr().out
    call_command("close_expired_dis")
    assert "0 DI(s) clôturée(s) automatiquement" in capsys.readouterr().out
    assert Ticket.objects.filter(status=Status.CLOSED).count() == 2


@pytest.mark.django_db
def test_the_periodic_task_closes_the_expired_dis(file_di, settings):
    """M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    ticket = file_di(proposed_days_ago=16)
    assert tasks.close_expired_dis() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
