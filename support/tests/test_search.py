"""Searching DIs and bounded counts (SPEC M3.2, M8.1; M10: fast at a national scale).

On PostgreSQL the search is full-text in French with accents folded; on SQLite each word must
appear. The tests below hold on both, except those marked for PostgreSQL.
"""

import re

import pytest
from django.db import connection
from django.urls import reverse

from support import selectors, services
from support.models import Status, Ticket
from support.search import number_candidates
from testing.tickets import file_di, numbers, take

LIST = reverse("support:list")
DESK = reverse("desk:list")
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search in French is PostgreSQL's"
)


def _client_numbers(response):
    return re.findall(r'<th scope="row"><a href="[^"]+">(DI-\d{4}-\d{6})</a>', response.content.decode())


@pytest.fixture
def dis(agent, other_agent, support):
    printer = file_di(agent, subject="Imprimante bloquée", description="Le pilote refuse les bulletins.")
    export = file_di(agent, subject="Export comptable", description="Les écritures sont rejetées par le comptable.")
    other = file_di(other_agent, subject="Imprimante en panne", description="Rien ne sort.")
    take(export, support)
    services.ticket_add_internal_note(export, acting_user=support, body="Voir le ticket éditeur sur la DSN.")
    services.ticket_reply(export, acting_user=support, body="Le correctif de la nomenclature arrive.")
    return {"printer": printer, "export": export, "other": other}


def test_the_client_search_finds_words_of_the_subject_and_the_description(client, agent, dis):
    """M3.2"""
    client.force_login(agent)
    assert _client_numbers(client.get(LIST, {"q": "imprimante"})) == [dis["printer"].number]
    assert _client_numbers(client.get(LIST, {"q": "pilote"})) == [dis["printer"].number]
    assert _client_numbers(client.get(LIST, {"q": "écritures rejetées"})) == [dis["export"].number]


def test_the_client_search_stays_in_the_establishment_and_out_of_the_messages(client, agent, dis):
    """M3.2 M10"""
    client.force_login(agent)
    assert dis["other"].number not in client.get(LIST, {"q": "imprimante"}).content.decode()
    assert _client_numbers(client.get(LIST, {"q": "DSN"})) == []


@pytest.mark.parametrize("typed", ["{number}", "{lower}", "{year}-{serial}", "{serial}"])
def test_a_number_is_found_however_it_is_typed(client, agent, dis, typed):
    """M3.2"""
    number = dis["printer"].number
    year, serial = number.split("-")[1:]
    query = typed.format(number=number, lower=number.lower(), year=year, serial=int(serial))
    assert number in number_candidates(query)
    client.force_login(agent)
    assert dis["printer"].number in _client_numbers(client.get(LIST, {"q": query}))


def test_the_desk_search_reads_every_message_internal_notes_included(client, support, dis):
    """M8.1"""
    client.force_login(support)
    assert numbers(client.get(DESK, {"statut": "toutes", "q": "nomenclature"})) == [dis["export"].number]
    assert numbers(client.get(DESK, {"statut": "toutes", "q": "DSN"})) == [dis["export"].number]
    assert set(numbers(client.get(DESK, {"statut": "toutes", "q": "imprimante"}))) == {
        dis["printer"].number,
        dis["other"].number,
    }


@postgresql_only
def test_the_search_ignores_accents_and_inflections(client, agent, support, dis):
    """M3.2 M8.1"""
    client.force_login(agent)
    assert _client_numbers(client.get(LIST, {"q": "IMPRIMANTES bloquees"})) == [dis["printer"].number]
    assert _client_numbers(client.get(LIST, {"q": "ecriture rejetee"})) == [dis["export"].number]
    client.force_login(support)
    assert numbers(client.get(DESK, {"statut": "toutes", "q": "correctifs"})) == [dis["export"].number]


@postgresql_only
def test_the_search_reads_the_query_as_a_search_engine_does(client, agent, dis):
    """M3.2"""
    client.force_login(agent)
    assert set(_client_numbers(client.get(LIST, {"q": "pilote or écritures"}))) == {
        dis["printer"].number,
        dis["export"].number,
    }
    assert _client_numbers(client.get(LIST, {"q": "imprimante -pilote"})) == []


def test_hostile_search_text_is_only_searched_for(client, agent, support, dis):
    """M10"""
    client.force_login(agent)
    for query in ["'); DROP TABLE support_ticket; --", "a & | ! ( ) :*", '"""', "\\", "or"]:
        assert client.get(LIST, {"q": query}).status_code == 200
    client.force_login(support)
    assert client.get(DESK, {"q": "') OR 1=1 --"}).status_code == 200


def test_desk_counts_stop_at_the_cap_and_say_so(client, support, agent, monkeypatch):
    """M8.1 M10"""
    for i in range(4):
        file_di(agent, subject=f"DI {i}")
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    client.force_login(support)
    body = client.get(DESK).content.decode()
    assert "plus de 3" in body
    assert "Plus de 3 DIs correspondent à ces critères" in body
    monkeypatch.setattr(selectors, "COUNT_CAP", 10)
    body = client.get(DESK).content.decode()
    assert "4 DIs correspondent à ces critères." in body and "plus de" not in body


def test_the_desk_list_runs_a_bounded_number_of_queries(client, support, agent, django_assert_max_num_queries):
    """M8.1 M10"""
    for i in range(30):
        file_di(agent, subject=f"DI {i}")
    client.force_login(support)
    with django_assert_max_num_queries(10):
        assert client.get(DESK, {"statut": "toutes", "q": "DI"}).status_code == 200


def test_the_client_list_runs_a_bounded_number_of_queries(client, agent, django_assert_max_num_queries):
    """M3.2 M10"""
    for i in range(30):
        file_di(agent, subject=f"DI {i}")
    client.force_login(agent)
    with django_assert_max_num_queries(10):
        assert client.get(LIST, {"clotures": "1", "page": "2"}).status_code == 200


@postgresql_only
def test_the_messages_words_follow_their_edits_and_deletions(client, support, dis):
    """M8.1: the DI's copy of its messages' words (a trigger) stays true."""
    from support.models import Message

    client.force_login(support)
    note = Message.objects.get(ticket=dis["export"], body__contains="DSN")
    note.body = "Voir le ticket éditeur sur la paie."
    note.save()
    assert numbers(client.get(DESK, {"statut": "toutes", "q": "DSN"})) == []
    assert numbers(client.get(DESK, {"statut": "toutes", "q": "paie"})) == [dis["export"].number]
    note.delete()
    assert numbers(client.get(DESK, {"statut": "toutes", "q": "paie"})) == []
    assert numbers(client.get(DESK, {"statut": "toutes", "q": "nomenclature"})) == [dis["export"].number]


def test_a_desk_search_is_paged_and_counted_from_one_read_of_its_matches(client, support, agent, monkeypatch):
    """M8.1 M10: SearchPaginator, page by page, past the end, and past the cap."""
    filed = [file_di(agent, subject=f"Relance numéro {i}") for i in range(30)]
    file_di(agent, subject="Autre chose")
    client.force_login(support)
    params = {"statut": "toutes", "tri": "anciennete", "q": "relance"}
    first = client.get(DESK, params)
    assert "30 DIs correspondent à ces critères." in first.content.decode()
    assert numbers(first) == [ticket.number for ticket in filed[:25]]
    second = client.get(DESK, {**params, "page": "2"})
    assert numbers(second) == [ticket.number for ticket in filed[25:]]
    assert numbers(client.get(DESK, {**params, "page": "9"})) == numbers(second)
    assert numbers(client.get(DESK, {**params, "page": "x"})) == numbers(first)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    assert "Plus de 3 DIs correspondent à ces critères" in client.get(DESK, params).content.decode()


def test_a_client_search_is_paged_and_counted_in_one_query(client, agent, other_agent, django_assert_num_queries):
    """M3.2 M10: the page and its total from one read of the matches, past the end the last page."""
    filed = [file_di(agent, subject=f"Relance numéro {i}") for i in range(30)]
    file_di(agent, subject="Autre chose")
    file_di(other_agent, subject="Relance d'un autre établissement")
    with django_assert_num_queries(3):  # the page and its total; its contracts; its people
        page = selectors.client_ticket_page(agent, 1, search=" relance ", sort="date")
    assert [t.number for t in page] == [t.number for t in filed[:25]] and page.paginator.count == 30
    second = selectors.client_ticket_page(agent, 2, search="relance", sort="date")
    assert [t.number for t in second] == [t.number for t in filed[25:]]
    past = selectors.client_ticket_page(agent, 9, search="relance", sort="date")
    assert (past.number, [t.number for t in past]) == (2, [t.number for t in filed[25:]])
    assert list(selectors.client_ticket_page(agent, 3, search="introuvable")) == []
    client.force_login(agent)
    assert _client_numbers(client.get(LIST, {"q": "relance", "tri": "-date", "page": "2"})) == [
        t.number for t in reversed(filed[:5])
    ]


def test_the_default_client_search_counts_the_finished_matches_in_the_same_query(
    agent, colleague, other_agent, django_assert_num_queries
):
    """M11.6 M10: with the open DIs listed, the page, its total and « N DIs clôturées ou annulées
    correspondent aussi » come from one read of the matches; the finished rows are never listed."""
    filed = [file_di(agent, subject=f"Relance numéro {i}") for i in range(27)]
    finished = [file_di(agent, subject=f"Relance close {i}") for i in range(4)] + [
        file_di(colleague, subject="Relance annulée d'un collègue")
    ]
    Ticket.objects.filter(pk__in=[t.pk for t in finished[:3]]).update(status=Status.CLOSED)
    Ticket.objects.filter(pk__in=[t.pk for t in finished[3:]]).update(status=Status.CANCELLED)
    Ticket.objects.filter(pk=file_di(other_agent, subject="Relance ailleurs").pk).update(status=Status.CLOSED)
    with django_assert_num_queries(3):  # the page, its total and the finished ones; contracts; people
        page = selectors.client_ticket_page(agent, 1, search="relance", sort="date")
    assert [t.number for t in page] == [t.number for t in filed[:25]]
    assert (page.paginator.count, page.finished_matches) == (27, 5)
    second = selectors.client_ticket_page(agent, 2, search="relance", sort="date")  # 2 open rows, then closed
    assert [t.number for t in second] == [t.number for t in filed[25:]] and second.finished_matches == 5
    past = selectors.client_ticket_page(agent, 4, search="relance", sort="-date")  # only finished rows there
    assert (past.number, [t.number for t in past]) == (2, [t.number for t in reversed(filed[:2])])
    only_closed = selectors.client_ticket_page(agent, 1, search="close")
    assert (list(only_closed), only_closed.paginator.count, only_closed.finished_matches) == ([], 0, 4)
    mine = selectors.client_ticket_page(agent, 1, search="relance", mine=True)
    assert (mine.paginator.count, mine.finished_matches) == (27, 4)
    shown = selectors.client_ticket_page(agent, 1, search="relance", show_closed=True)
    assert (shown.paginator.count, shown.finished_matches) == (32, 0)
    number = selectors.client_ticket_page(agent, 1, search=finished[0].number)
    assert ([t.number for t in number], number.finished_matches) == ([finished[0].number], 0)


@postgresql_only
def test_a_client_search_of_words_runs_its_prepared_query(agent, dis, monkeypatch):
    """M3.2 M10: learned once per sort, then run with the new words (never through the ORM);
    a number-shaped search keeps the ORM's query with its number condition."""

    def through_the_orm(values, using):
        raise AssertionError("the client search went through the ORM")

    monkeypatch.setattr(selectors._CLIENT_SEARCH, "_unprepared", through_the_orm)
    monkeypatch.setattr(selectors._CLIENT_SEARCH_OPEN_FIRST, "_unprepared", through_the_orm)
    for words, expected in [("imprimante", "printer"), ("écritures rejetées", "export"), ("pilote", "printer")]:
        page = selectors.client_ticket_page(agent, 1, search=words, show_closed=True)
        assert [t.number for t in page] == [dis[expected].number]
        page = selectors.client_ticket_page(agent, 1, search=words)  # the open ones, the finished counted
        assert ([t.number for t in page], page.finished_matches) == ([dis[expected].number], 0)
    number = dis["export"].number
    assert [t.number for t in selectors.client_ticket_page(agent, 1, search=number)] == [number]
