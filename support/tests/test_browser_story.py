"""The whole life of a DI in a real browser, told by its two sides at once: the agent of the
establishment files it, the software support person takes it, asks a question, proposes closure,
and the agent answers and validates the closure with the satisfaction questionnaire.

Two Chromium contexts (two real sessions) on one live_server; the e-mails are read from the
outbox as they are sent (inline, after each commit). Each distinct page is checked with axe-core,
and both consoles are watched for Content-Security-Policy violations.
"""

import re
from itertools import cycle
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from support.models import Status, SurveyQuestion, Ticket
from testing.browser import NO_PROBLEMS, assert_accessible, sign_in_with_cookie, watch
from testing.tickets import PDF

SUBJECT = "Bulletins de paie non générés"
RATINGS = ["5 — Très satisfait", "4 — Satisfait", "3 — Moyennement satisfait"]


def open_session(new_context, live_server, user):
    """A browser context holding a real session of ``user`` (opened by its own test client, so
    that logging the other persona in does not end this one), watched for console problems."""
    page = new_context().new_page()
    sign_in_with_cookie(page, live_server, Client(), user)
    return page, watch(page)


def sheet_value(page, term):
    """The <dd> of a « term » in the DI's sheet (<dl class="sheet">)."""
    term_cell = page.locator("dl.sheet > dt").filter(has_text=re.compile(rf"^\s*{re.escape(term)}\s*$"))
    return term_cell.locator("xpath=following-sibling::dd[1]")


def list_row(page, number):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=number, exact=True))


def sent(since=0):
    """(recipient, subject) of the e-mails sent since the ``since``-th one."""
    return [(message.to, message.subject) for message in mail.outbox[since:]]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_complete_story_of_a_di_from_filing_to_validated_closure(new_context, live_server, agent, support, settings):
    """M3.1 M3.4 M3.5 M8.1 M9 M11.10"""
    settings.SITE_URL = live_server.url  # the e-mailed links point at this server
    if not SurveyQuestion.objects.filter(is_active=True).exists():  # transactional tests flush the seeded ones
        SurveyQuestion.objects.bulk_create(
            SurveyQuestion(position=i, text=text)
            for i, text in enumerate(["Délai de réponse ?", "Qualité de la solution ?", "Amabilité ?"], start=1)
        )
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    agent_page, agent_problems = open_session(new_context, live_server, agent)
    desk_page, desk_problems = open_session(new_context, live_server, support)
    list_url = live_server.url + reverse("support:list")

    # 1. The agent files the DI from the side menu, with a PDF attached.
    agent_page.goto(live_server.url + reverse("portal:home"))
    menu = agent_page.get_by_role("navigation", name="Menu principal")
    create_link = menu.get_by_role("link", name="Déposer une DI")
    support_entry = menu.locator("summary").filter(has_text=re.compile(r"^\s*Support\s*$"))
    if create_link.is_visible():  # open by default on the home page: fold it first, to unfold it
        support_entry.click()
        expect(create_link).to_be_hidden()
    support_entry.click()
    expect(create_link).to_be_visible()
    create_link.click()
    expect(agent_page).to_have_url(live_server.url + reverse("support:create"))
    expect(agent_page.get_by_role("heading", level=1)).to_have_text("Déposer une DI")
    assert_accessible(agent_page)
    agent_page.get_by_label("Contrat").select_option(label="Indeline — CT-1-SW")
    expect(agent_page.get_by_role("group", name="Complément pour un contrat logiciel")).to_be_visible()
    agent_page.get_by_label("Objet").fill(SUBJECT)
    agent_page.get_by_label("Description").fill("Le traitement de paie s'arrête sur une erreur 42.")
    agent_page.get_by_label("Module concerné").fill("Paie")
    agent_page.get_by_label("Version", exact=True).fill("5.2")
    agent_page.get_by_label("Pièces jointes").set_input_files(
        {"name": "releve.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    agent_page.get_by_role("button", name="Soumettre la DI").click()

    expect(agent_page.get_by_role("status")).to_contain_text(re.compile(r"Votre DI-\S+ a été enregistrée"))
    ticket = Ticket.objects.get()
    number = ticket.number
    detail_url = live_server.url + reverse("support:detail", args=[number])
    desk_url = live_server.url + reverse("desk:detail", args=[number])
    expect(agent_page).to_have_url(detail_url)
    expect(agent_page.get_by_role("status")).to_have_text(f"Votre {number} a été enregistrée.")
    expect(agent_page.get_by_role("heading", level=1)).to_have_text(f"{number} — {SUBJECT}")
    expect(sheet_value(agent_page, "Numéro")).to_have_text(number)
    expect(sheet_value(agent_page, "Statut")).to_have_text("A traiter")
    expect(sheet_value(agent_page, "Module concerné")).to_have_text("Paie")
    expect(agent_page.get_by_role("link", name="releve.pdf")).to_be_visible()
    assert_accessible(agent_page)  # detail, « A traiter »
    assert (ticket.status, ticket.owner, ticket.team, ticket.version) == (Status.TO_PROCESS, agent, "software", "5.2")
    assert sent() == [
        ([support.email], f"[{number}] Nouvelle DI de Centre Hospitalier Alpha : {SUBJECT}"),  # the software team
        ([agent.email], f"[{number}] Votre DI est enregistrée : {SUBJECT}"),  # the acknowledgement (M11.10)
    ]
    assert desk_url in mail.outbox[0].body and detail_url in mail.outbox[1].body

    agent_page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Voir les DIs de mon établissement"
    ).click()
    expect(agent_page).to_have_url(list_url)
    row = list_row(agent_page, number)
    expect(row).to_contain_text("A traiter")
    expect(row.get_by_title("En attente de votre réponse")).to_have_count(0)
    assert_accessible(agent_page)  # list

    # 2. Support finds the DI on the desk, takes it, downloads the PDF and asks a question.
    desk_page.goto(live_server.url + reverse("portal:home"))
    desk_page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Guichet support").click()
    expect(desk_page).to_have_url(live_server.url + reverse("desk:list"))
    expect(desk_page.get_by_role("heading", level=1)).to_have_text("Guichet support")
    desk_row = list_row(desk_page, number)
    expect(desk_row).to_contain_text(SUBJECT)
    expect(desk_row).to_contain_text("Centre Hospitalier Alpha")
    expect(desk_row).to_contain_text("Non attribuée")
    assert_accessible(desk_page)  # desk list
    desk_row.get_by_role("link", name=number, exact=True).click()
    expect(desk_page).to_have_url(desk_url)
    expect(sheet_value(desk_page, "Statut")).to_have_text("A traiter")
    assert_accessible(desk_page)  # desk detail, « A traiter »

    desk_page.get_by_role("button", name="Prendre en charge").click()
    expect(desk_page.get_by_role("status")).to_have_text("Vous avez pris la DI en charge.")
    expect(sheet_value(desk_page, "Statut")).to_have_text("En cours")
    expect(sheet_value(desk_page, "Support")).to_have_text("Sam Support")
    expect(desk_page.get_by_role("button", name="Prendre en charge")).to_have_count(0)
    assert_accessible(desk_page)  # desk detail, « En cours »

    with desk_page.expect_download() as download_info:
        desk_page.get_by_role("link", name="releve.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "releve.pdf"
    assert Path(download.path()).read_bytes() == PDF

    reply = desk_page.get_by_role("group", name="Répondre")
    reply.get_by_role("textbox", name="Réponse", exact=True).fill("Quel est le message exact affiché à l'écran ?")
    reply.get_by_label("Question au demandeur").check()
    reply.get_by_role("button", name="Répondre").click()
    expect(desk_page.get_by_role("status")).to_have_text("Votre question a été envoyée au demandeur.")
    expect(sheet_value(desk_page, "Statut")).to_have_text("En cours — en attente de la réponse du demandeur")
    assert_accessible(desk_page)  # desk detail, awaiting the owner
    assert sent(2) == [([agent.email], f"[{number}] Le support attend votre réponse : {SUBJECT}")]
    assert f"{detail_url}#repondre" in mail.outbox[2].body

    # 3. The agent sees the marker, opens the DI by double-click and answers.
    agent_page.reload()
    row = list_row(agent_page, number)
    expect(row).to_contain_text("En cours")
    expect(row).to_contain_text("Sam Support")
    expect(row.get_by_title("En attente de votre réponse")).to_be_visible()
    assert_accessible(agent_page)  # list with the marker
    row.get_by_role("cell", name=SUBJECT).dblclick()
    expect(agent_page).to_have_url(detail_url)
    expect(agent_page.get_by_text("Le support attend votre réponse")).to_be_visible()
    expect(agent_page.locator(".thread")).to_contain_text("Quel est le message exact affiché à l'écran ?")
    assert_accessible(agent_page)  # detail, awaiting the owner
    answer = agent_page.get_by_role("region", name="Ajouter un message")
    answer.get_by_role("textbox", name="Message", exact=True).fill("« Erreur 42 : période non clôturée ».")
    answer.get_by_role("button", name="Envoyer").click()
    expect(agent_page.get_by_role("status")).to_have_text("Votre message a été envoyé au support.")
    expect(agent_page.get_by_text("Le support attend votre réponse")).to_have_count(0)
    expect(agent_page.locator(".thread")).to_contain_text("« Erreur 42 : période non clôturée ».")
    assert sent(3) == [([support.email], f"[{number}] Nouveau message du demandeur : {SUBJECT}")]

    agent_page.goto(list_url)
    row = list_row(agent_page, number)
    expect(row).to_contain_text("En cours")
    expect(row.get_by_title("En attente de votre réponse")).to_have_count(0)

    # 4. Support reads the answer and proposes closure (a confirmation dialog guards it).
    desk_page.reload()
    expect(desk_page.locator(".thread")).to_contain_text("« Erreur 42 : période non clôturée ».")
    expect(sheet_value(desk_page, "Statut")).to_have_text("En cours")
    closure = desk_page.get_by_role("group", name="Proposer la clôture")
    closure.get_by_label("Message de clôture").fill("Clôturez la période de mars puis relancez le traitement.")
    dialogs = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    desk_page.once("dialog", accept)
    closure.get_by_role("button", name="Proposer la clôture").click()
    expect(desk_page.get_by_role("status")).to_have_text("La clôture a été proposée au demandeur.")
    assert dialogs == ["Proposer la clôture de cette DI au demandeur ?"]
    expect(sheet_value(desk_page, "Statut")).to_have_text("Clôture à valider")
    assert_accessible(desk_page)  # desk detail, « Clôture à valider »
    assert sent(4) == [([agent.email], f"[{number}] Clôture proposée, à valider : {SUBJECT}")]

    # 5. The agent validates the closure with the questionnaire.
    agent_page.goto(detail_url)
    expect(sheet_value(agent_page, "Statut")).to_have_text("Clôture à valider")
    expect(agent_page.locator(".thread")).to_contain_text("Clôturez la période de mars puis relancez le traitement.")
    assert_accessible(agent_page)  # detail, « Clôture à valider »
    survey = agent_page.get_by_role("group", name="Questionnaire de satisfaction")
    for question, rating in zip(questions, cycle(RATINGS)):
        survey.get_by_role("group", name=question.text, exact=True).get_by_label(rating, exact=True).check()
    survey.get_by_label("Commentaire").fill("Réponse rapide et claire, merci.")
    agent_page.get_by_role("button", name="Valider la clôture").click()
    expect(agent_page.get_by_role("status")).to_have_text(
        f"La clôture de la {number} est validée. Merci pour vos réponses."
    )
    expect(sheet_value(agent_page, "Statut")).to_have_text("Clôturée")
    expect(agent_page.get_by_role("button", name="Valider la clôture")).to_have_count(0)
    expect(agent_page.get_by_role("button", name="Envoyer")).to_have_count(0)
    assert_accessible(agent_page)  # detail, « Clôturée »

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.assignee == support and not ticket.awaiting_owner
    assert ticket.survey.respondent == agent and ticket.survey.comment == "Réponse rapide et claire, merci."
    expected = {q.pk: int(rating[0]) for q, rating in zip(questions, cycle(RATINGS))}
    assert {answer.question_id: answer.rating for answer in ticket.survey.answers.all()} == expected
    assert len(mail.outbox) == 5  # validating the closure asks nobody to act: no e-mail

    agent_page.goto(list_url)
    expect(agent_page.locator("table.ticket-list caption")).to_contain_text("hors DIs clôturées")
    expect(list_row(agent_page, number)).to_have_count(0)
    agent_page.get_by_role("link", name="Afficher les DIs clôturées").click()
    row = list_row(agent_page, number)
    expect(row).to_contain_text("Clôturée")
    expect(agent_page.get_by_role("link", name="Masquer les DIs clôturées")).to_be_visible()
    assert_accessible(agent_page)  # list with the closed DIs

    assert agent_problems == NO_PROBLEMS and desk_problems == NO_PROBLEMS
