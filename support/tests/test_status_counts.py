"""DIs per establishment and status: the dashboard's tiles and the client list's totals (M3.2,
M2.1; M10: no count of the establishment's DIs per page). On PostgreSQL a trigger keeps
``support.StatusCount``; on SQLite the DIs are counted. Both must give the same figures."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from support import services
from support.access import status_counts_for
from support.models import Status, StatusCount, Ticket
from testing.tickets import file_di, take

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")


def _counted(establishment_id):
    rows = Ticket.objects.filter(establishment_id=establishment_id).values_list("status").annotate(n=Count("pk"))
    return dict(rows.order_by())


@pytest.fixture
def dis(agent, other_agent, support):
    first = file_di(agent, subject="Première")
    second = take(file_di(agent, subject="Deuxième"), support)
    third = file_di(agent, subject="Troisième")
    services.ticket_cancel(third, acting_user=agent, reason="Plus utile.")
    file_di(other_agent, subject="Chez l'autre")
    return {"first": first, "second": second, "third": third}


def test_the_counts_follow_filing_taking_and_cancelling(agent, other_agent, dis):
    """M2.1 M3.2 M10"""
    assert status_counts_for(agent) == {Status.TO_PROCESS: 1, Status.IN_PROGRESS: 1, Status.CANCELLED: 1}
    assert status_counts_for(other_agent) == {Status.TO_PROCESS: 1}


@postgresql_only
def test_the_trigger_follows_every_write_even_outside_the_services(agent, est_a, est_b, dis):
    """M10: a change of status, of establishment, a bulk update and a deletion."""
    Ticket.objects.filter(pk=dis["first"].pk).update(status=Status.CLOSED)
    Ticket.objects.filter(establishment=est_a).update(awaiting_owner=True)  # no status change: nothing to do
    Ticket.objects.filter(pk=dis["second"].pk).update(establishment=est_b)
    Ticket.objects.filter(pk=dis["third"].pk).delete()
    for establishment in (est_a, est_b):
        kept = dict(StatusCount.objects.filter(establishment=establishment, count__gt=0).values_list("status", "count"))
        assert kept == _counted(establishment.pk)


@postgresql_only
def test_pages_read_the_counters_instead_of_counting_the_dis(client, agent, dis):
    """M2.1 M3.2 M10"""
    client.force_login(agent)
    for url in (reverse("portal:home"), reverse("support:list") + "?clotures=1"):
        with CaptureQueriesContext(connection) as page:
            assert client.get(url).status_code == 200
        counting = [q["sql"] for q in page.captured_queries if "COUNT(" in q["sql"].upper()]
        assert counting == [], url


def test_the_list_total_matches_what_it_lists(client, agent, dis):
    """M3.2"""
    client.force_login(agent)
    assert "2 DIs de Centre Hospitalier Alpha" in client.get(reverse("support:list")).content.decode()
    body = client.get(reverse("support:list"), {"clotures": "1"}).content.decode()
    assert "3 DIs de Centre Hospitalier Alpha" in body
    body = client.get(reverse("support:list"), {"statut": "cancelled"}).content.decode()
    assert "1 DI de Centre Hospitalier Alpha" in body
