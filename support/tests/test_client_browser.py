"""The client's DI pages in a real browser: the software fieldset, the htmx dashboard refresh,
double-click on a row, accessibility (axe-core, phone width) and the strict CSP."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from support import services
from support.models import Status, Ticket
from testing.browser import NO_PROBLEMS, PHONE, assert_accessible, assert_no_horizontal_overflow, sign_in_with_cookie
from testing.tickets import file_di, propose_closure, take

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filing_a_di_shows_the_software_fieldset_only_for_software(
    page, live_server, client, agent, browser_problems, tmp_path
):
    """M3.1 M10"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("support:create"))
    assert_accessible(page)
    software = page.get_by_role("group", name="Complément pour un contrat logiciel")
    expect(software).to_be_visible()  # nothing chosen yet: shown, with its explanation
    page.get_by_label("Contrat").select_option(label="Juridem — CT-1-JUR")
    expect(software).to_be_hidden()
    page.get_by_label("Contrat").select_option(label="Indeline — CT-1-SW")
    expect(software).to_be_visible()
    page.get_by_label("Objet").fill("Export impossible")
    page.get_by_label("Description").fill("Le fichier d'export est vide.")
    page.get_by_label("Module concerné").fill("Paie")
    capture = tmp_path / "capture.pdf"
    capture.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.get_by_label("Pièces jointes").set_input_files(str(capture))
    page.get_by_role("button", name="Soumettre la DI").click()
    ticket = Ticket.objects.get()
    expect(page.get_by_role("status")).to_contain_text(f"Votre {ticket.number} a été enregistrée")
    expect(page.get_by_role("link", name="capture.pdf")).to_be_visible()
    assert ticket.module == "Paie"
    assert browser_problems == NO_PROBLEMS


def test_the_dashboard_link_refreshes_the_tiles_in_place(page, live_server, client, agent, browser_problems):
    """M2.2 M2.5"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("portal:home"))
    tile = page.get_by_role("link", name="A traiter")
    expect(tile).to_contain_text("0")
    assert_accessible(page)
    file_di(agent)
    with page.expect_response(lambda r: reverse("support:dashboard") in r.url):
        page.get_by_role("navigation", name="Barre d’en-tête").get_by_role("link", name="Tableau de bord").click()
    expect(tile).to_contain_text("1")
    assert page.url == live_server.url + reverse("portal:home")  # refreshed in place, no navigation
    tile.click()
    expect(page).to_have_url(live_server.url + reverse("support:list") + "?statut=to_process")
    assert browser_problems == NO_PROBLEMS


def test_the_list_opens_a_di_on_double_click_and_fits_a_phone(
    page, live_server, client, agent, support, browser_problems
):
    """M3.2 M10"""
    awaited = take(file_di(agent, subject="Question en attente"), support)
    services.ticket_reply(awaited, acting_user=support, body="Quelle version ?", question=True)
    file_di(agent, subject="Autre demande")
    sign_in_with_cookie(page, live_server, client, agent)
    for viewport in (None, PHONE):
        if viewport:
            page.set_viewport_size(viewport)
        page.goto(live_server.url + reverse("support:list"))
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
    expect(page.get_by_title("En attente de votre réponse")).to_be_visible()
    page.get_by_role("cell", name="Question en attente").dblclick()
    expect(page).to_have_url(live_server.url + reverse("support:detail", args=[awaited.number]))
    expect(page.get_by_text("Le support attend votre réponse")).to_be_visible()
    assert_accessible(page)
    assert browser_problems == NO_PROBLEMS


def test_validating_the_closure_in_the_browser(page, live_server, client, agent, support, browser_problems):
    """M3.5 M10"""
    ticket = propose_closure(file_di(agent), support)
    sign_in_with_cookie(page, live_server, client, agent)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("support:detail", args=[ticket.number]))
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    for group in page.locator("#valider fieldset fieldset").all():
        group.get_by_label("4 — Satisfait").check()
    page.get_by_role("button", name="Valider la clôture").click()
    expect(page.get_by_role("status")).to_contain_text("est validée")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert browser_problems == NO_PROBLEMS
