"""The desk's tools (M11.4): a DI filed on behalf of a client who phoned, re-routed to another
team or contract, answered with a « Réponse type », a duplicate merged into another DI."""

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from establishments.models import Contract
from support import services, workflow
from support.models import Attachment, CannedReply, Message, Status, Team, Ticket, TicketEvent
from support.services import TransitionRefused
from testing.personas import make_user
from testing.tickets import close_with_survey, contract_of, file_di, pdf, take, text_file

# --- Filing on behalf of a client who phoned ---------------------------------------------------


def on_behalf_data(owner, **fields):
    return {
        "owner": owner.pk,
        "contract": contract_of(owner.establishment).pk,
        "subject": "Bulletins bloqués (appel)",
        "description": "Le client a appelé : l'édition des bulletins échoue.",
        "module": "Paie",
        "version": "2026.4",
        "environment": "production",
        **fields,
    }


def test_support_files_a_di_for_a_client_who_phoned(client, support, agent, est_a):
    """M11.4"""
    teammate = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    client.force_login(support)
    url = reverse("desk:file_on_behalf", args=[est_a.pk])
    page = client.get(url).content.decode()
    assert "Pour le compte de" in page and agent.full_name in page and "CT-1-SW" in page
    assert "CT-1-OLD" not in page  # only contracts in force
    response = client.post(url, on_behalf_data(agent, files=[pdf("capture.pdf")]))
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == reverse("desk:detail", args=[ticket.number])
    assert (ticket.owner, ticket.author, ticket.status, ticket.team) == (agent, support, Status.TO_PROCESS, "software")
    assert ticket.attachments.get().original_name == "capture.pdf"
    event = TicketEvent.objects.get(ticket=ticket)
    assert event.actor == support and event.to_user == agent and "pour" in event.note
    acknowledgement = next(m for m in mail.outbox if m.to == [agent.email])
    assert ticket.number in acknowledgement.body and "À la suite de votre appel" in acknowledgement.body
    team = [m for m in mail.outbox if "Nouvelle DI" in m.subject]
    assert [m.to for m in team] == [[teammate.email]]  # the team, not the person who filed it
    client.force_login(agent)
    detail = client.get(reverse("support:detail", args=[ticket.number])).content.decode()
    assert "Déposée par" in detail and support.full_name in detail


def test_filing_on_behalf_refuses_another_establishments_client_or_contract(support, agent, other_agent, est_b):
    """M11.4 M10"""
    with pytest.raises(ValidationError):
        services.ticket_create_on_behalf(
            acting_user=support, owner=agent, contract=contract_of(est_b), subject="x", description="y"
        )
    inactive = make_user("parti@alpha.example", agent.establishment, is_active=False)
    with pytest.raises(ValidationError):
        services.ticket_create_on_behalf(
            acting_user=support, owner=inactive, contract=contract_of(agent.establishment), subject="x", description="y"
        )
    with pytest.raises(TransitionRefused):
        services.ticket_create_on_behalf(
            acting_user=other_agent,
            owner=agent,
            contract=contract_of(agent.establishment),
            subject="x",
            description="y",
        )
    assert not Ticket.objects.exists()


def test_the_on_behalf_form_offers_only_that_establishments_people(client, support, agent, other_agent, est_a):
    """M11.4 M10"""
    client.force_login(support)
    url = reverse("desk:file_on_behalf", args=[est_a.pk])
    response = client.post(url, {**on_behalf_data(agent), "owner": other_agent.pk})
    assert (
        response.status_code == 200
        and "Choisissez un compte actif de l&#x27;établissement." in response.content.decode()
    )
    assert 'value="Bulletins bloqués (appel)"' in response.content.decode()  # nothing typed is lost
    assert not Ticket.objects.exists()
    assert client.get(reverse("desk:file_on_behalf", args=[99999])).status_code == 404


# --- Re-routing --------------------------------------------------------------------------------


@pytest.fixture
def taken(agent, support):
    return take(file_di(agent, subject="Question mal orientée"), support)


def test_rerouting_to_the_legal_contract_hands_the_di_to_the_legal_team(client, support, legal_support, agent, taken):
    """M11.4"""
    client.force_login(support)
    legal = contract_of(agent.establishment, "JUR")
    response = client.post(
        reverse("desk:reroute", args=[taken.number]), {"reorienter-contract": legal.pk, "reorienter-team": ""}
    )
    assert response.status_code == 302
    taken.refresh_from_db()
    assert (taken.contract, taken.team, taken.status, taken.assignee) == (legal, Team.LEGAL, Status.TO_PROCESS, None)
    event = TicketEvent.objects.filter(ticket=taken, action="rerouted").get()
    assert event.actor == support and "Support logiciel → Support juridique" in event.note and "CT-1-JUR" in event.note
    to_team = next(m for m in mail.outbox if m.to == [legal_support.email])
    assert "réorienté" in to_team.body and f"/guichet/dis/{taken.number}/" in to_team.body
    to_owner = next(m for m in mail.outbox if m.to == [agent.email])
    assert "support juridique" in to_owner.body and f"/support/dis/{taken.number}/" in to_owner.body
    assert taken.number in {t.number for t in Ticket.objects.filter(team=Team.LEGAL, status=Status.TO_PROCESS)}


def test_rerouting_writes_the_team_s_and_the_owner_s_emails_together(
    support, legal_support, agent, taken, django_capture_on_commit_callbacks
):
    """M11.4 M10: two e-mails, one job for the worker"""
    from notifications.models import OutgoingEmail

    legal = contract_of(agent.establishment, "JUR")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.ticket_reroute(taken, acting_user=support, contract=legal, team=Team.LEGAL)
    rerouted = OutgoingEmail.objects.filter(template__startswith="ticket_rerouted")
    assert sorted(e.to for e in rerouted) == sorted([legal_support.email, agent.email])
    assert [c.__qualname__ for c in callbacks].count("_write.<locals>.<lambda>") == 1


def test_rerouting_to_another_contract_of_the_same_team_keeps_the_person_in_charge(support, agent, products, taken):
    """M11.4"""
    other = Contract.objects.create(
        establishment=agent.establishment,
        product=products["software2"],
        reference="CT-1-WIN",
        start_date=date(2024, 1, 1),
    )
    services.ticket_reroute(taken, acting_user=support, contract=other, team=Team.SOFTWARE)
    taken.refresh_from_db()
    assert (taken.contract, taken.team, taken.status, taken.assignee) == (
        other,
        Team.SOFTWARE,
        Status.IN_PROGRESS,
        support,
    )
    with pytest.raises(ValidationError):  # nothing would change
        services.ticket_reroute(taken, acting_user=support, contract=other, team=Team.SOFTWARE)


def test_rerouting_refuses_another_establishments_or_an_ended_contract(support, agent, est_b, taken):
    """M11.4 M10"""
    for contract in (contract_of(est_b, "JUR"), contract_of(agent.establishment, "OLD")):
        with pytest.raises(ValidationError):
            services.ticket_reroute(taken, acting_user=support, contract=contract, team=Team.LEGAL)
    taken.refresh_from_db()
    assert taken.team == Team.SOFTWARE


def test_only_the_dis_team_may_reroute_it(legal_support, agent, taken):
    """M11.4"""
    assert not workflow.can("reroute", legal_support, taken)
    with pytest.raises(TransitionRefused):
        services.ticket_reroute(
            taken, acting_user=legal_support, contract=contract_of(agent.establishment, "JUR"), team="legal"
        )


# --- « Réponses types » ------------------------------------------------------------------------


@pytest.fixture
def canned(db):
    return {
        "capture": CannedReply.objects.create(
            team=Team.SOFTWARE,
            title="Demande de capture",
            body="Bonjour [demandeur], la DI [numéro] : une capture ?\n[support]",
        ),
        "retired": CannedReply.objects.create(team=Team.SOFTWARE, title="Ancienne réponse", body="…", is_active=False),
        "legal": CannedReply.objects.create(team=Team.LEGAL, title="Pièces juridiques", body="Joignez l'arrêté."),
    }


def test_the_reply_form_offers_the_teams_canned_replies(client, support, taken, canned, agent):
    """M11.4"""
    client.force_login(support)
    body = client.get(reverse("desk:detail", args=[taken.number])).content.decode()
    assert "Demande de capture" in body
    assert "Ancienne réponse" not in body and "Pièces juridiques" not in body
    filled = f"Bonjour {agent.full_name}, la DI {taken.number} : une capture ?\n{support.full_name}"
    assert f'<template data-canned-reply="{canned["capture"].pk}">{filled}</template>' in body


def test_a_canned_reply_starts_the_reply_and_is_edited_before_sending(client, support, taken, canned, agent):
    """M11.4: without the page's script, « Insérer dans la réponse » reloads the page with it"""
    client.force_login(support)
    url = reverse("desk:detail", args=[taken.number])
    body = client.get(url, {"reponse_type": canned["capture"].pk}).content.decode()
    assert f"Bonjour {agent.full_name}, la DI {taken.number} : une capture ?" in body.split('id="id_reponse-body"')[1]
    assert client.get(url, {"reponse_type": canned["legal"].pk}).status_code == 200  # another team's: ignored
    edited = f"Bonjour {agent.full_name}, pouvez-vous joindre une capture de l'écran Paie ?"
    client.post(reverse("desk:reply", args=[taken.number]), {"reponse-body": edited})
    assert Message.objects.filter(ticket=taken, body=edited, kind="message").exists()


def test_canned_replies_are_kept_in_the_back_office_in_french(client, vendor_admin, canned):
    """M11.4"""
    client.force_login(vendor_admin)
    body = client.get(reverse("admin:support_cannedreply_changelist")).content.decode()
    assert "Réponses types" in body and "Demande de capture" in body
    add = client.get(reverse("admin:support_cannedreply_add")).content.decode()
    for label in ("Équipe", "Titre", "Texte", "Ordre", "Proposée", "[demandeur]"):
        assert label in add
    response = client.post(
        reverse("admin:support_cannedreply_add"),
        {
            "team": "legal",
            "title": "Délai de réponse",
            "body": "Nous revenons vers vous sous 48 h.",
            "position": 1,
            "is_active": "on",
        },
    )
    assert response.status_code == 302 and CannedReply.objects.filter(title="Délai de réponse").exists()


# --- Merging a duplicate -------------------------------------------------------------------------


@pytest.fixture
def pair(agent, colleague, support):
    kept = take(file_di(agent, subject="Bulletins bloqués"), support)
    services.ticket_reply(kept, acting_user=support, body="Nous regardons.")
    duplicate = file_di(colleague, subject="Bulletins qui ne sortent pas", files=[pdf("ecran.pdf")])
    services.ticket_post_message(
        duplicate, acting_user=colleague, body="Toujours bloqué.", files=[text_file("log.txt")]
    )
    mail.outbox.clear()
    return kept, duplicate


def test_merging_moves_messages_and_attachments_and_cancels_the_duplicate_with_a_link(
    client, support, pair, agent, colleague
):
    """M11.4"""
    kept, duplicate = pair
    client.force_login(support)
    response = client.post(reverse("desk:merge", args=[duplicate.number]), {"fusion-target": kept.number})
    assert response.status_code == 302 and response.url == reverse("desk:detail", args=[kept.number])
    duplicate.refresh_from_db()
    kept.refresh_from_db()
    assert duplicate.status == Status.CANCELLED and duplicate.merged_into == kept and duplicate.closed_at
    assert kept.status == Status.IN_PROGRESS
    assert Message.objects.filter(ticket=kept, body="Toujours bloqué.").exists()
    assert {a.original_name for a in Attachment.objects.filter(ticket=kept)} == {"ecran.pdf", "log.txt"}
    assert not Attachment.objects.filter(ticket=duplicate).exists()
    summary = Message.objects.get(ticket=kept, kind="merged")
    assert duplicate.number in summary.body and duplicate.description in summary.body
    assert summary.attachments.get().original_name == "ecran.pdf"
    assert Message.objects.get(ticket=duplicate, kind="merged").body.startswith("Cette DI a été fusionnée")
    assert {m.to[0] for m in mail.outbox} == {agent.email, colleague.email}
    assert all(kept.number in m.body and duplicate.number in m.subject for m in mail.outbox)
    # Both DIs show the link, on the desk and to the client.
    desk = client.get(reverse("desk:detail", args=[kept.number])).content.decode()
    assert f'href="{reverse("desk:detail", args=[duplicate.number])}"' in desk
    client.force_login(colleague)
    page = client.get(reverse("support:detail", args=[duplicate.number])).content.decode()
    assert (
        "Cette DI a été fusionnée dans la <a" in page
        and f'href="{reverse("support:detail", args=[kept.number])}"' in page
    )
    attachment = Attachment.objects.get(original_name="log.txt")
    assert client.get(reverse("support:attachment", args=[kept.number, attachment.uuid])).status_code == 200


def test_a_merged_message_is_found_by_the_desk_search_on_the_kept_di(client, support, pair):
    """M11.4 M11.6"""
    kept, duplicate = pair
    services.ticket_merge(duplicate, acting_user=support, target=kept)
    client.force_login(support)
    response = client.get(reverse("desk:list"), {"q": "Toujours bloqué", "statut": "ouvertes"})
    assert [t.number for t in response.context["page"].object_list] == [kept.number]


def test_a_duplicate_merges_only_into_another_open_di_of_its_establishment(client, support, pair, other_agent):
    """M11.4 M10"""
    kept, duplicate = pair
    elsewhere = file_di(other_agent, subject="Autre établissement")
    closed = close_with_survey(file_di(duplicate.owner, subject="Close"), support, ratings=[5, 5, 5])
    for target in (elsewhere, closed, duplicate):
        with pytest.raises(ValidationError):
            services.ticket_merge(duplicate, acting_user=support, target=target)
    client.force_login(support)
    response = client.post(reverse("desk:merge", args=[duplicate.number]), {"fusion-target": elsewhere.number})
    assert (
        response.status_code == 200
        and "Aucune DI de cet établissement ne porte ce numéro." in response.content.decode()
    )
    duplicate.refresh_from_db()
    assert duplicate.status == Status.TO_PROCESS and duplicate.merged_into is None


def test_only_the_team_may_merge(legal_support, pair):
    """M11.4"""
    kept, duplicate = pair
    with pytest.raises(TransitionRefused):
        services.ticket_merge(duplicate, acting_user=legal_support, target=kept)
