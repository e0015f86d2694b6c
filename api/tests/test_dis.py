"""The DIs through the API (M15.1): the same scoped reads and services as the pages."""

import pytest
from django.core import mail

from support.models import Message, Status, Ticket
from testing.api import api_client
from testing.tickets import contract_of, file_di, pdf, propose_closure, ratings, take

pytestmark = pytest.mark.django_db


def test_it_lists_the_establishments_dis_and_nothing_of_the_other(agent, other_agent):
    """M15.1"""
    own = file_di(agent, subject="Bulletins bloqués")
    file_di(other_agent, subject="Secret de Bêta")
    body = api_client(agent).get("/api/v1/dis/").json()
    assert [row["number"] for row in body["resultats"]] == [own.number]
    assert body["resultats"][0]["contract"]["reference"] == "CT-1-SW"


def test_its_list_pages_with_a_cursor(agent):
    """M15.1"""
    numbers = {file_di(agent, subject=f"DI {i}").number for i in range(3)}
    client = api_client(agent)
    first = client.get("/api/v1/dis/?taille=2").json()
    assert len(first["resultats"]) == 2 and first["suivant"] and "curseur=" in first["suivant"]
    second = client.get(first["suivant"]).json()
    assert {row["number"] for row in first["resultats"] + second["resultats"]} == numbers
    assert second["suivant"] is None


def test_its_list_takes_the_pages_filters(agent, colleague):
    """M15.1"""
    mine = file_di(agent, subject="Impression des bulletins")
    file_di(colleague, subject="Congés payés")
    client = api_client(agent)
    assert [r["number"] for r in client.get("/api/v1/dis/?q=bulletins").json()["resultats"]] == [mine.number]
    assert [r["number"] for r in client.get("/api/v1/dis/?mes=true").json()["resultats"]] == [mine.number]
    assert client.get("/api/v1/dis/?statut=closed").json()["resultats"] == []


def test_a_bad_filter_is_a_french_error_in_the_stable_shape(agent):
    """M15.1"""
    response = api_client(agent).get("/api/v1/dis/?statut=nimporte")
    assert response.status_code == 400
    error = response.json()["erreur"]
    assert error["code"] == "validation" and "statut" in error["champs"]


def test_a_client_reads_a_di_without_the_internal_notes(agent, support):
    """M15.1"""
    ticket = take(file_di(agent), support)
    Message.objects.create(ticket=ticket, author=support, body="Note secrète", kind=Message.Kind.INTERNAL)
    body = api_client(agent).get(f"/api/v1/dis/{ticket.number}/").json()
    assert body["status"] == Status.IN_PROGRESS and "owner_message" in body["actions"]
    assert "Note secrète" not in str(body)
    assert "Note secrète" in str(api_client(support).get(f"/api/v1/dis/{ticket.number}/").json())


def test_another_establishments_di_is_not_found(agent, other_agent):
    """M15.1"""
    theirs = file_di(other_agent)
    response = api_client(agent).get(f"/api/v1/dis/{theirs.number}/")
    assert response.status_code == 404
    assert response.json() == {"erreur": {"code": "introuvable", "message": "DI introuvable"}}


def test_a_client_files_a_di_with_an_attachment(agent, support):
    """M15.1"""
    response = api_client(agent).post(
        "/api/v1/dis/",
        {
            "contract": contract_of(agent.establishment).pk,
            "subject": "Export impossible",
            "description": "Le bouton ne répond pas.",
            "files": [pdf()],
        },
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.owner == agent and ticket.attachments.count() == 1
    assert any(ticket.number in m.subject for m in mail.outbox)  # the service's e-mails


def test_filing_on_another_establishments_contract_is_refused_on_its_field(agent, est_b):
    """M15.1"""
    response = api_client(agent).post(
        "/api/v1/dis/",
        {"contract": contract_of(est_b).pk, "subject": "x", "description": "y"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "contract" in response.json()["erreur"]["champs"]
    assert not Ticket.objects.exists()


def test_the_owner_answers_refuses_then_validates_closure(agent, support):
    """M15.1"""
    ticket = take(file_di(agent), support)
    client = api_client(agent)
    answered = client.post(f"/api/v1/dis/{ticket.number}/messages/", {"body": "Toujours bloqué."}, "application/json")
    assert answered.status_code == 200 and answered.json()["messages"][-1]["body"] == "Toujours bloqué."
    propose_closure(ticket, support)
    refused = client.post(f"/api/v1/dis/{ticket.number}/cloture/refuser/", {"body": "Non."}, "application/json")
    assert refused.json()["status"] == Status.IN_PROGRESS
    propose_closure(ticket, support)
    validated = client.post(
        f"/api/v1/dis/{ticket.number}/cloture/valider/",
        {"ratings": {str(k): v for k, v in ratings(5).items()}, "comment": "Merci"},
        "application/json",
    )
    assert validated.status_code == 200, validated.json()
    assert validated.json()["status"] == Status.CLOSED


def test_the_owner_cancels_a_di(agent):
    """M15.1"""
    ticket = file_di(agent)
    response = api_client(agent).post(
        f"/api/v1/dis/{ticket.number}/annuler/", {"reason": "Doublon"}, "application/json"
    )
    assert response.json()["status"] == Status.CANCELLED


def test_an_action_the_workflow_refuses_is_a_403_with_its_reason(agent, colleague):
    """M15.1"""
    ticket = file_di(agent)
    response = api_client(colleague).post(f"/api/v1/dis/{ticket.number}/annuler/", {"reason": "x"}, "application/json")
    assert response.status_code == 403
    assert "Annuler la DI" in response.json()["erreur"]["message"]
    ticket.refresh_from_db()
    assert ticket.status == Status.TO_PROCESS


def test_an_attachment_is_downloaded_through_its_di(agent, other_agent):
    """M15.1"""
    ticket = file_di(agent, files=[pdf()])
    url = api_client(agent).get(f"/api/v1/dis/{ticket.number}/").json()["attachments"][0]["url"]
    response = api_client(agent).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert api_client(other_agent).get(url).status_code == 404


def test_the_support_takes_replies_and_proposes_closure(agent, support):
    """M15.1"""
    ticket = file_di(agent)
    client = api_client(support)
    assert client.post(f"/api/v1/guichet/dis/{ticket.number}/prendre/").json()["status"] == Status.IN_PROGRESS
    reply = client.post(f"/api/v1/guichet/dis/{ticket.number}/repondre/", {"body": "Voici"}, "application/json")
    assert reply.json()["messages"][-1]["body"] == "Voici"
    proposed = client.post(
        f"/api/v1/guichet/dis/{ticket.number}/proposer-cloture/", {"body": "Corrigé"}, "application/json"
    )
    assert proposed.json()["status"] == Status.CLOSURE_PENDING


def test_the_desk_lists_with_its_filters(agent, other_agent, support):
    """M15.1"""
    a = file_di(agent)
    b = file_di(other_agent)
    client = api_client(support)
    assert {r["number"] for r in client.get("/api/v1/guichet/dis/").json()["resultats"]} == {a.number, b.number}
    rows = client.get("/api/v1/guichet/dis/?etablissement=beta").json()["resultats"]
    assert [r["number"] for r in rows] == [b.number]


def test_a_client_is_refused_the_desk(agent):
    """M15.1"""
    ticket = file_di(agent)
    response = api_client(agent).post(f"/api/v1/guichet/dis/{ticket.number}/prendre/")
    assert response.status_code == 403
    assert response.json()["erreur"]["message"] == "Cette page est réservée au personnel de l'éditeur."


def test_the_support_files_a_di_for_a_client(agent, support):
    """M15.1"""
    response = api_client(support).post(
        "/api/v1/guichet/dis/",
        {
            "owner": agent.pk,
            "contract": contract_of(agent.establishment).pk,
            "subject": "Appel",
            "description": "Par téléphone",
        },
        "application/json",
    )
    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.owner == agent and ticket.author == support


def test_an_anonymous_call_is_a_401_in_french(db):
    """M15.1"""
    response = api_client().get("/api/v1/dis/")
    assert response.status_code == 401
    assert response.json()["erreur"]["code"] == "non_authentifie"


def test_the_schema_and_its_documentation_page_are_served_by_the_portal(agent):
    """M15.1"""
    schema = api_client(agent).get("/api/v1/schema/?format=json")
    assert schema.status_code == 200 and b"/api/v1/dis/" in schema.content
    docs = api_client(agent).get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar" in html and "cdn" not in html.lower()


def test_an_unknown_address_or_a_nul_byte_is_a_json_error(agent):
    """M15.1"""
    client = api_client(agent)
    unknown = client.get("/api/v1/nulle-part/")
    assert unknown.status_code == 404 and unknown.json()["erreur"]["code"] == "introuvable"
    nul = client.get("/api/v1/dis/?q=a%00b")
    assert nul.status_code == 400 and nul.json()["erreur"]["code"] == "requete_invalide"
