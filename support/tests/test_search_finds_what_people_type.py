"""Search finds what people type (M11.6): a DI number finds that DI whatever its status; a text
search with the closed DIs hidden says how many closed DIs also match, with a link to show them;
accents and case are ignored on SQLite as on PostgreSQL (« conges » finds « congés »)."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from core.folding import fold
from establishments.models import Establishment
from support import services
from support.models import Ticket
from testing.tickets import close_with_survey, file_di, numbers, take

LIST = reverse("support:list")
DESK = reverse("desk:list")


def _client_numbers(response):
    return re.findall(r'<th scope="row"><a href="[^"]+">(DI-\d{4}-\d{6})</a>', response.content.decode())


@pytest.fixture
def dis(agent, support):
    leave = file_di(agent, subject="Report des congés annuels", description="Un agent en arrêt maladie.")
    closed = close_with_survey(
        file_di(agent, subject="Congés bonifiés", description="Calcul des congés d'un agent ultramarin."),
        support,
        ratings=[4, 4, 4],
    )
    cancelled = file_di(agent, subject="CONGÉS de formation", description="Demande annulée.")
    services.ticket_cancel(cancelled, acting_user=agent, reason="Doublon")
    other = file_di(agent, subject="Imprimante bloquée", description="Rien ne sort.")
    return {"leave": leave, "closed": closed, "cancelled": cancelled, "other": other}


@pytest.mark.parametrize("typed", ["{number}", "{lower}", "{serial}"])
def test_a_number_finds_its_di_in_the_client_list_even_closed(client, agent, dis, typed):
    """M11.6"""
    number = dis["closed"].number
    query = typed.format(number=number, lower=number.lower(), serial=int(number.split("-")[2]))
    client.force_login(agent)
    assert _client_numbers(client.get(LIST, {"q": query})) == [number]  # the list hides closed DIs by default
    assert _client_numbers(client.get(LIST, {"q": query, "statut": "to_process"})) == [number]


def test_a_number_finds_its_di_at_the_desk_even_closed(client, support, dis):
    """M11.6"""
    client.force_login(support)
    for query in (dis["closed"].number, dis["cancelled"].number.lower()):
        response = client.get(DESK, {"q": query})  # « DIs ouvertes » by default
        assert numbers(response) == [Ticket.objects.get(number=query.upper()).number]


@pytest.mark.parametrize("typed", ["conges", "CONGES", "Congés", "congés annuels", "report conges"])
def test_accents_and_case_are_ignored_in_the_client_list(client, agent, dis, typed):
    """M11.6: on SQLite (folded at query time) as on PostgreSQL (the fr_unaccent configuration)"""
    client.force_login(agent)
    shown = _client_numbers(client.get(LIST, {"q": typed, "clotures": "1"}))
    assert dis["leave"].number in shown and dis["other"].number not in shown


def test_accents_and_case_are_ignored_at_the_desk_messages_included(client, support, agent, dis):
    """M11.6"""
    take(dis["other"], support)
    services.ticket_post_message(dis["other"], acting_user=agent, body="Le pilote de l'IMPRIMANTE a été réinstallé.")
    client.force_login(support)
    assert numbers(client.get(DESK, {"q": "reinstalle"})) == [dis["other"].number]
    assert dis["leave"].number in numbers(client.get(DESK, {"q": "CONGES"}))


def test_the_client_list_says_how_many_closed_dis_also_match_with_a_link(client, agent, dis):
    """M11.6"""
    client.force_login(agent)
    response = client.get(LIST, {"q": "conges"})
    body = response.content.decode()
    assert _client_numbers(response) == [dis["leave"].number]
    assert "2 DIs clôturées ou annulées correspondent aussi à « conges »." in body
    link = re.search(
        r'correspondent aussi à « conges ».</span>|correspondent aussi[^<]*<a href="([^"]+)">', body
    ).group(1)
    shown = _client_numbers(client.get(LIST + link.replace("&amp;", "&")))
    assert set(shown) == {dis["leave"].number, dis["closed"].number, dis["cancelled"].number}
    assert "correspondent aussi" not in client.get(LIST, {"q": "imprimante"}).content.decode()


def test_the_desk_says_how_many_closed_dis_also_match_with_a_link(client, support, dis):
    """M11.6"""
    client.force_login(support)
    response = client.get(DESK, {"q": "conges"})
    body = response.content.decode()
    assert numbers(response) == [dis["leave"].number]
    assert "2 DIs clôturées ou annulées correspondent aussi à cette recherche." in body
    link = re.search(r'cette recherche\. <a href="([^"]+)">Les afficher', body).group(1).replace("&amp;", "&")
    assert set(numbers(client.get(DESK + link))) == {dis[k].number for k in ("leave", "closed", "cancelled")}


def test_the_searches_run_a_bounded_number_of_queries(client, agent, support, dis, django_assert_max_num_queries):
    """M11.6"""
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        assert client.get(LIST, {"q": "conges"}).status_code == 200
    client.force_login(support)
    with django_assert_max_num_queries(12):
        assert client.get(DESK, {"q": "conges"}).status_code == 200


def test_the_desks_establishment_filter_ignores_accents(client, support, agent, other_agent, dis):
    """M11.6"""
    beta = file_di(other_agent, subject="Paie de l'EHPAD")
    client.force_login(support)
    assert numbers(client.get(DESK, {"etablissement": "beta"})) == [beta.number]
    assert beta.number not in numbers(client.get(DESK, {"etablissement": "alpha"}))


def test_fold_drops_accents_ligatures_and_case():
    """M11.6"""
    assert fold("Congés ŒUVRE Bêta Straße À") == "conges oeuvre beta strasse a"
    assert fold(None) is None


def test_the_folded_lookup_escapes_like_wildcards(est_a, est_b):
    """M11.6 M10: a « % » or « _ » typed is looked for, not a wildcard"""
    Establishment.objects.filter(pk=est_a.pk).update(name="Mairie 100 % verte")
    assert list(Establishment.objects.filter(name__fcontains="100 %").values_list("pk", flat=True)) == [est_a.pk]
    assert not Establishment.objects.filter(name__fcontains="%").exclude(pk=est_a.pk).exists()
    assert not Establishment.objects.filter(name__fcontains="_").exists()
    assert Establishment.objects.filter(name__fcontains="BÊTA").get() == est_b


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the function registered on SQLite connections")
def test_sqlite_connections_fold_with_the_same_function(db):
    """M11.6"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT espace_fold(%s)", ["Congés Œuvre"])
        assert cursor.fetchone()[0] == "conges oeuvre"
