"""The client's home starts with what they must do (M11.2): their DIs waiting for their answer,
their closures to validate with the date of automatic closure; then the establishment's tiles.
The DI list has « Mes DIs »."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from support import services
from support.models import Ticket
from testing.tickets import file_di, propose_closure, take

HOME = reverse("portal:home")
LIST = reverse("support:list")


@pytest.fixture
def todo(agent, colleague, support, settings):
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 15
    asked = take(file_di(agent, subject="Cotisations CNRACL"), support)
    services.ticket_reply(asked, acting_user=support, body="Quel matricule ?", question=True)
    closing = propose_closure(file_di(agent, subject="DSN refusée"), support)
    Ticket.objects.filter(pk=closing.pk).update(closure_proposed_at=timezone.now() - timedelta(days=5))
    quiet = take(file_di(agent, subject="Lenteurs"), support)
    services.ticket_reply(quiet, acting_user=support, body="Nous regardons.")
    theirs = take(file_di(colleague, subject="Question de la collègue"), support)
    services.ticket_reply(theirs, acting_user=support, body="Et chez vous ?", question=True)
    theirs_closing = propose_closure(file_di(colleague, subject="Clôture de la collègue"), support)
    return {"asked": asked, "closing": closing, "quiet": quiet, "theirs": theirs, "theirs_closing": theirs_closing}


def _section(body, title):
    start = body.index(title)
    return body[start : body.index("</ul>", start)]


def test_the_home_starts_with_the_answers_and_closures_the_client_owes(client, agent, todo):
    """M11.2"""
    client.force_login(agent)
    response = client.get(HOME)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("À faire") < body.index("Tableau de bord</h2>")  # before the tiles
    questions = _section(body, "Le support attend votre réponse")
    assert todo["asked"].number in questions and '#repondre"' in questions
    closures = _section(body, "Clôtures à valider")
    assert todo["closing"].number in closures and "#valider" in closures
    for absent in ("quiet", "theirs", "theirs_closing"):
        assert todo[absent].number not in body  # nothing waits for them, or it waits for a colleague


def test_a_closure_to_validate_shows_its_date_of_automatic_closure_and_the_days_left(client, agent, todo):
    """M11.2 M11.5"""
    client.force_login(agent)
    closures = _section(client.get(HOME).content.decode(), "Clôtures à valider")
    closing = Ticket.objects.get(pk=todo["closing"].pk)
    automatic = timezone.localtime(closing.automatic_closure_at)
    assert automatic == timezone.localtime(closing.closure_proposed_at) + timedelta(days=15)
    assert f"clôture automatique le {automatic:%d/%m/%Y}" in closures
    assert "encore 10 jours pour valider" in closures
    detail = client.get(reverse("support:detail", args=[closing.number])).content.decode()
    assert f"sera clôturée automatiquement le {automatic:%d/%m/%Y}" in detail
    assert "Clôture automatique le" in detail


def test_nothing_to_do_is_said_plainly(client, colleague, agent, todo):
    """M11.2"""
    services.ticket_post_message(todo["theirs"], acting_user=colleague, body="Voici.")
    services.ticket_cancel(todo["theirs_closing"], acting_user=colleague, reason="Réglé entre-temps.")
    client.force_login(colleague)
    body = client.get(HOME).content.decode()
    assert "Rien ne vous attend" in body and todo["asked"].number not in body


def test_the_client_home_runs_a_bounded_number_of_queries(client, agent, support, todo, django_assert_max_num_queries):
    """M11.2"""
    client.force_login(agent)
    with django_assert_max_num_queries(8) as few:
        assert client.get(HOME).status_code == 200
    for i in range(15):
        propose_closure(file_di(agent, subject=f"DI {i}"), support)
    with django_assert_max_num_queries(len(few)):
        body = client.get(HOME).content.decode()
    assert "Voir toutes mes clôtures à valider" in body  # ten shown, the rest one click away


def _list_numbers(response):
    return re.findall(r'<th scope="row"><a href="[^"]+">(DI-\d{4}-\d{6})</a>', response.content.decode())


def test_mes_dis_lists_only_the_dis_the_user_owns(client, agent, todo, django_assert_max_num_queries):
    """M11.2"""
    client.force_login(agent)
    everything = set(_list_numbers(client.get(LIST)))
    assert {todo["theirs"].number, todo["asked"].number} <= everything
    with django_assert_max_num_queries(8):
        response = client.get(LIST, {"mes": "1"})
    assert response.status_code == 200
    mine = set(_list_numbers(response))
    assert mine == {todo["asked"].number, todo["closing"].number, todo["quiet"].number}
    body = response.content.decode()
    assert "<h1>Mes DIs</h1>" in body and "3 DIs dont vous êtes propriétaire" in body
    assert set(_list_numbers(client.get(LIST, {"mes": "1", "statut": "closure_pending"}))) == {todo["closing"].number}


def test_the_list_offers_mes_dis_and_back(client, agent, todo):
    """M11.2"""
    client.force_login(agent)
    assert 'href="?mes=1">Mes DIs</a>' in client.get(LIST).content.decode()
    assert "Toutes les DIs de l'établissement" in client.get(LIST, {"mes": "1"}).content.decode()
