"""Downloading a DI's attachments (SPEC M3.4, M10; STYLE « Files »)."""

import uuid

import pytest
from django.urls import reverse

from support import services
from testing.tickets import PDF, file_di, pdf, take


def url(ticket, attachment):
    return reverse("support:attachment", args=[ticket.number, attachment.uuid])


@pytest.fixture
def ticket(agent):
    return file_di(agent, files=[pdf("écran d'erreur.pdf")])


@pytest.fixture
def attachment(ticket):
    return ticket.attachments.get()


def test_it_downloads_with_safe_headers(client, agent, ticket, attachment):
    """M3.4 M10"""
    client.force_login(agent)
    response = client.get(url(ticket, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%C3%A9cran%20d%27erreur.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["colleague", "est_admin", "support", "vendor_admin"])
def test_the_establishment_and_the_vendor_may_download(client, request, persona, ticket, attachment):
    """M3.4 M8.1"""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(ticket, attachment)).status_code == 200


def test_another_establishment_gets_404(client, other_agent, ticket, attachment):
    """M10"""
    client.force_login(other_agent)
    assert client.get(url(ticket, attachment)).status_code == 404


def test_an_attachment_is_reached_only_through_its_own_di(client, agent, attachment):
    """M10"""
    other_ticket = file_di(agent, subject="Autre DI")
    client.force_login(agent)
    assert client.get(url(other_ticket, attachment)).status_code == 404
    assert client.get(reverse("support:attachment", args=[other_ticket.number, uuid.uuid4()])).status_code == 404


def test_an_internal_notes_attachment_is_404_for_clients_but_not_for_support(client, agent, ticket, support):
    """M8.1 M10"""
    take(ticket, support)
    note = services.ticket_add_internal_note(
        ticket, acting_user=support, body="Capture interne", files=[pdf("interne.pdf")]
    )
    internal = note.attachments.get()
    client.force_login(agent)
    assert client.get(url(ticket, internal)).status_code == 404
    client.force_login(support)
    assert client.get(url(ticket, internal)).status_code == 200


def test_a_missing_file_is_404_not_500(client, agent, ticket, attachment):
    """M10"""
    attachment.file.delete(save=False)
    client.force_login(agent)
    assert client.get(url(ticket, attachment)).status_code == 404


def test_anonymous_is_sent_to_login(client, ticket, attachment):
    """M1.1 M10"""
    response = client.get(url(ticket, attachment))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_each_attachment_download_is_recorded_in_the_security_log(client, agent):
    """M3.4 M10"""
    from audit.models import Event

    ticket = file_di(agent, files=[pdf("bilan.pdf")])
    attachment = ticket.attachments.get()
    client.force_login(agent)
    response = client.get(reverse("support:attachment", args=[ticket.number, attachment.uuid]))
    assert response.status_code == 200
    event = Event.objects.get(action="attachment_download")
    assert event.actor == agent and event.establishment == agent.establishment
    assert event.target == f"{ticket.number} · bilan.pdf"
