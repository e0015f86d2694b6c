"""« Collaborateurs » and « Etablissement » in a real browser (SPEC M4.1, M4.3, M4.4, M5):
deactivate → reassign from « Demande A Reaffecter » → reactivate, with axe-core on each page."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from support.models import Ticket
from testing.browser import NO_PROBLEMS, check_page, sign_in_with_cookie, url
from testing.tickets import file_di


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_deactivate_then_reassign_from_demande_a_reaffecter_then_reactivate(
    page,
    live_server,
    client,
    est_admin,
    agent,
    colleague,
    referent,
    browser_problems,
):
    """M4.1 M4.3 M4.4"""
    first = file_di(colleague, subject="Bulletins de mars non édités")
    second = file_di(colleague, kind="JUR", subject="Durée du préavis d'un contractuel")
    sign_in_with_cookie(page, live_server, client, est_admin)
    page.on("dialog", lambda dialog: dialog.accept())  # « Désactiver » asks for confirmation

    # The list; a double-click on a row opens the sheet.
    page.goto(url(live_server, "collaborators:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Collaborateurs")
    row = page.locator("tr", has=page.get_by_role("link", name="Camille Collègue"))
    expect(row.locator("td.count")).to_have_text("2")
    check_page(page)
    row.locator("td.email").dblclick()
    expect(page).to_have_url(url(live_server, "collaborators:detail", colleague.pk))
    expect(page.get_by_role("heading", level=1)).to_have_text("Camille Collègue")
    check_page(page)

    # « Désactiver »: the account is off, its DIs pass to « Demande A Reaffecter ».
    page.get_by_role("button", name="Désactiver").click()
    expect(page.locator(".messages")).to_contain_text("Le compte de Camille Collègue est désactivé")
    expect(page.locator("dl.sheet")).to_contain_text("Désactivé")
    expect(page.get_by_role("button", name="Désactiver")).to_have_count(0)
    expect(page.get_by_role("button", name="Activer")).to_be_visible()
    page.goto(url(live_server, "support:detail", first.number))
    expect(page.locator("dl.sheet")).to_contain_text("Demande A Reaffecter")

    # « Demande A Reaffecter »: one checked DI to Alice, then all the others to Rémi.
    page.goto(url(live_server, "collaborators:list"))
    expect(page.locator(".unassigned-line")).to_contain_text("2 DIs ouvertes en attente de réaffectation")
    page.get_by_role("link", name="Demande A Reaffecter").click()
    expect(page).to_have_url(url(live_server, "collaborators:unassigned"))
    check_page(page)
    page.get_by_label(f"Réaffecter la {second.number}").check()
    page.get_by_label("Nouveau propriétaire").select_option(label="Alice Agent (Agent d'établissement)")
    page.get_by_role("button", name="Réaffecter").click()
    expect(page.locator(".messages")).to_contain_text("1 DI a été réaffectée à Alice Agent")
    page.get_by_label(re.compile(r"Toutes les DIs ouvertes \(1\)")).check()
    page.get_by_label("Nouveau propriétaire").select_option(label="Rémi Référent (Référent technique)")
    page.get_by_role("button", name="Réaffecter").click()
    expect(page.locator(".messages")).to_contain_text("1 DI a été réaffectée à Rémi Référent")
    expect(page.locator(".unassigned-line")).to_contain_text("Aucune DI ouverte n'attend de réaffectation.")
    assert dict(Ticket.objects.values_list("number", "owner")) == {first.number: referent.pk, second.number: agent.pk}
    page.goto(url(live_server, "support:detail", first.number))
    expect(page.locator("dl.sheet")).to_contain_text("Rémi Référent")

    # « Activer »: login comes back, the DIs stay with their new owners.
    page.goto(url(live_server, "collaborators:detail", colleague.pk))
    page.get_by_role("button", name="Activer").click()
    expect(page.locator(".messages")).to_contain_text("Le compte de Camille Collègue est réactivé")
    expect(page.get_by_role("button", name="Désactiver")).to_be_visible()
    assert User.objects.get(pk=colleague.pk).is_active
    assert not Ticket.objects.filter(owner=colleague).exists()

    assert browser_problems == NO_PROBLEMS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_reassign_form_errors_are_announced(page, live_server, client, est_admin, colleague):
    """M4.3 (a rejected form keeps the ticked DIs and names its errors)"""
    ticket = file_di(colleague)
    sign_in_with_cookie(page, live_server, client, est_admin)
    page.goto(url(live_server, "collaborators:detail", colleague.pk))
    page.get_by_label(f"Réaffecter la {ticket.number}").check()
    page.get_by_role("button", name="Réaffecter").click()
    expect(page.locator(".form-errors")).to_contain_text("Le formulaire contient une erreur")
    expect(page.locator("#reassign-form")).to_contain_text("Choisissez le collaborateur à qui confier les DIs.")
    expect(page.get_by_label(f"Réaffecter la {ticket.number}")).to_be_checked()
    check_page(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["agent", "est_admin"])
def test_the_establishment_sheet_is_accessible(page, live_server, client, persona, request, colleague):
    """M5"""
    user = request.getfixturevalue(persona)
    sign_in_with_cookie(page, live_server, client, user)
    page.goto(url(live_server, "collaborators:establishment"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Centre Hospitalier Alpha")
    expect(page.locator("table.contract-list")).to_contain_text("Expiré")
    check_page(page)
    page.get_by_role("link", name="Camille Collègue").click()
    expect(page).to_have_url(url(live_server, "collaborators:detail", colleague.pk))
