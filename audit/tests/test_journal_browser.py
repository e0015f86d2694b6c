"""« Journal de sécurité » in a real browser: filters by keyboard, axe-core finds nothing serious,
and the table does not push the page sideways on a phone (SPEC M10)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from audit.services import record
from testing.browser import check_page, sign_in_with_cookie


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_administrator_reads_and_filters_the_journal(page, live_server, client, est_admin, agent, browser_problems):
    """M10"""
    record("login_succeeded", actor=agent, target=agent.email)
    record("role_changed", actor=est_admin, target=agent.email, old="agent", new="referent")
    sign_in_with_cookie(page, live_server, client, est_admin)
    page.goto(live_server.url + reverse("audit:journal"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal de sécurité")
    check_page(page)
    page.get_by_label("Événement", exact=True).select_option(label="Profil modifié")
    page.get_by_role("button", name="Filtrer").press("Enter")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Agent d'établissement → Référent technique")
    page.get_by_label("Du", exact=True).fill("2000-01-02")
    page.get_by_label("Au", exact=True).fill("2000-01-01")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("alert")).to_contain_text("La date de début doit précéder la date de fin.")
    check_page(page)
