"""The status-count trigger under concurrent opposite transitions (M16.5): many transactions, each
on its own connection, move DIs of one establishment from « A traiter » to « En cours » and back at
the same time; none deadlocks and the counters end exact."""

import threading

import pytest
from django.db import OperationalError, connection, transaction
from django.db.models import Count

from support.models import Status, StatusCount, Ticket
from testing.tickets import file_di

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]

THREADS = 8
ROUNDS = 60


def counted(establishment_id):
    rows = Ticket.objects.filter(establishment_id=establishment_id).values_list("status").annotate(n=Count("pk"))
    return dict(rows.order_by())


def kept(establishment_id):
    return dict(
        StatusCount.objects.filter(establishment_id=establishment_id, count__gt=0).values_list("status", "count")
    )


def test_opposite_transitions_at_once_never_deadlock_and_keep_exact_counts(agent, est_a):
    """M16.5"""
    tickets = [file_di(agent, subject=f"DI {k}") for k in range(THREADS * 2)]
    # Half start « En cours »: each thread moves one DI forward while it moves another back.
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[1::2]]).update(status=Status.IN_PROGRESS)
    start = threading.Barrier(THREADS)
    deadlocks, errors = [], []

    def flip(pks):
        try:
            start.wait(timeout=30)
            for _ in range(ROUNDS):
                for pk in pks:
                    try:
                        with transaction.atomic():
                            current = Ticket.objects.select_for_update().values_list("status", flat=True).get(pk=pk)
                            target = Status.IN_PROGRESS if current == Status.TO_PROCESS else Status.TO_PROCESS
                            Ticket.objects.filter(pk=pk).update(status=target)
                    except OperationalError as exc:
                        (deadlocks if "deadlock" in str(exc) else errors).append(exc)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    pairs = [[tickets[2 * k].pk, tickets[2 * k + 1].pk] for k in range(THREADS)]
    threads = [threading.Thread(target=flip, args=(pair,)) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    assert deadlocks == [], f"{len(deadlocks)} deadlock(s)"
    assert errors == []
    assert kept(est_a.pk) == counted(est_a.pk)
    assert sum(kept(est_a.pk).values()) == len(tickets)
