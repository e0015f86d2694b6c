"""Forms that keep what was typed (M11.9): a refused « Déposer une DI », a refused message of the
owner and a refused reply of the desk show a summary at the top — an alert that takes the focus
and links to each field in error — keep the text typed, and name each file chosen that the
browser cannot keep, to be chosen again; in a browser the summary has the focus and its links lead
to the fields."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from support.models import Attachment, Message, Ticket
from testing.browser import NO_PROBLEMS, assert_accessible, sign_in_with_cookie
from testing.tickets import contract_of, file_di, pdf, take, text_file


def _summary(body):
    """The error summary of the page: its markup, from its opening tag to the end of its list."""
    found = re.search(r'<div class="form-errors"[^>]*>.*?</ul>', body, re.S)
    assert found, "no error summary on the page"
    return found.group(0)


def test_a_refused_di_shows_a_focused_summary_linking_to_the_field_and_names_the_files(client, agent, est_a):
    """M11.9"""
    client.force_login(agent)
    response = client.post(
        reverse("support:create"),
        {
            "contract": contract_of(est_a).pk,
            "subject": "",
            "description": "Le bouton « Éditer » ne répond plus.",
            "files": [pdf("capture écran.pdf"), text_file("journal.txt")],
        },
    )
    body = response.content.decode()
    summary = _summary(body)
    assert response.status_code == 200 and not Ticket.objects.exists()
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "data-error-summary" in summary
    assert "Le formulaire contient une erreur" in summary
    assert 'href="#id_subject">Objet : Ce champ est obligatoire.</a>' in summary
    assert (
        'href="#id_files">Pièces jointes : fichiers à choisir à nouveau (capture écran.pdf, journal.txt)</a>' in summary
    )
    assert "Le bouton « Éditer » ne répond plus." in body  # the text typed is kept
    notice = re.search(r'<div class="notice notice-warning files-dropped".*?</div>', body, re.S).group(0)
    assert "Ces 2 fichiers n'ont pas été joints : choisissez-les à nouveau" in notice
    assert "<li>capture écran.pdf</li>" in notice and "<li>journal.txt</li>" in notice


def test_a_valid_di_shows_no_summary(client, agent, est_a):
    """M11.9"""
    client.force_login(agent)
    response = client.get(reverse("support:create"))
    assert "data-error-summary" not in response.content.decode()
    assert "files-dropped" not in response.content.decode()


def test_a_refused_message_of_the_owner_links_to_its_text_and_names_the_file(client, agent):
    """M11.9"""
    ticket = file_di(agent)
    client.force_login(agent)
    response = client.post(
        reverse("support:message", args=[ticket.number]), {"message-body": "", "message-files": [pdf("facture.pdf")]}
    )
    body = response.content.decode()
    summary = _summary(body)
    assert response.status_code == 200 and not Message.objects.filter(ticket=ticket).exists()
    assert 'href="#id_message-body">Message : Ce champ est obligatoire.</a>' in summary
    assert "fichier à choisir à nouveau (facture.pdf)" in summary
    assert "Ce fichier n'a pas été joint : choisissez-le à nouveau" in body and "<li>facture.pdf</li>" in body


def test_a_refused_reply_of_the_desk_links_to_its_text_and_names_the_file(client, agent, support):
    """M11.9"""
    ticket = take(file_di(agent), support)
    client.force_login(support)
    response = client.post(
        reverse("desk:reply", args=[ticket.number]), {"reponse-body": "", "reponse-files": [pdf("correctif.pdf")]}
    )
    body = response.content.decode()
    summary = _summary(body)
    assert response.status_code == 200
    assert re.search(r'href="#id_reponse-body">[^<]+ : Ce champ est obligatoire\.</a>', summary)
    assert "fichier à choisir à nouveau (correctif.pdf)" in summary
    assert "<li>correctif.pdf</li>" in body
    assert not Attachment.objects.filter(ticket=ticket, original_name="correctif.pdf").exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_a_browser_the_summary_has_the_focus_and_leads_to_the_field(
    page, live_server, client, agent, tmp_path, browser_problems
):
    """M11.9"""
    chosen = tmp_path / "capture.pdf"
    chosen.write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("support:create"))
    page.get_by_label("Contrat").select_option(value=str(contract_of(agent.establishment).pk))
    page.get_by_label("Description").fill("Les bulletins ne s'impriment plus.")
    page.get_by_label("Pièces jointes").set_input_files(str(chosen))
    page.get_by_role("button", name="Soumettre la DI").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(page.locator(".files-dropped")).to_contain_text("capture.pdf")
    expect(page.get_by_label("Description")).to_have_value("Les bulletins ne s'impriment plus.")
    assert_accessible(page)
    summary.get_by_role("link", name=re.compile("^Objet")).click()
    expect(page.get_by_label("Objet")).to_be_focused()

    page.get_by_label("Objet").fill("Impression des bulletins")
    page.get_by_label("Pièces jointes").set_input_files(str(chosen))
    page.get_by_role("button", name="Soumettre la DI").click()
    expect(page.get_by_text("a été enregistrée")).to_be_visible()
    ticket = Ticket.objects.get(subject="Impression des bulletins")
    assert [a.original_name for a in ticket.attachments.all()] == ["capture.pdf"]
    assert browser_problems == NO_PROBLEMS
