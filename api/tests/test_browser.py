"""The open platform's pages in Chromium: accessible on desktop and phone, no CSP violation (M15.2,
M15.4, M15.3, M15.1)."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from testing.browser import NO_PROBLEMS, check_page, sign_in_with_cookie

pytestmark = pytest.mark.browser


def test_a_personal_token_is_made_and_revoked_from_my_profile(page, live_server, client, agent, browser_problems):
    """M15.2"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("accounts:profile"))
    page.get_by_role("link", name="Mes jetons d'API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jetons d'API")
    check_page(page)
    page.get_by_label("Nom du jeton").fill("Tableau interne")
    page.get_by_label("Autoriser l'écriture").check()
    page.get_by_role("button", name="Créer le jeton").click()
    expect(page.get_by_role("textbox", name="Jeton « Tableau interne »")).to_have_value(
        re.compile(r"^ec_[0-9a-f]{12}_")
    )
    check_page(page)
    page.get_by_role("button", name="Révoquer le jeton « Tableau interne »").click()
    expect(page.get_by_role("cell", name="Révoqué")).to_be_visible()
    assert browser_problems == NO_PROBLEMS


def test_the_vendor_administrators_pages_are_accessible(page, live_server, client, vendor_admin, browser_problems):
    """M15.4 M15.3 M15.2"""
    sign_in_with_cookie(page, live_server, client, vendor_admin)
    for name, heading in (
        ("webhooks:list", "Webhooks"),
        ("referential:import", "Import du référentiel"),
        ("tokens:integration", "Jetons d'intégration"),
    ):
        page.goto(live_server.url + reverse(name))
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_page(page)
    assert browser_problems == NO_PROBLEMS


def test_the_api_documentation_page_renders_from_the_portal(page, live_server, client, agent, browser_problems):
    """M15.1"""
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live_server.url + reverse("api:docs"))
    expect(page.get_by_text("Espace Clients — API").first).to_be_visible()
    expect(page.get_by_text("/api/v1/dis/", exact=True).first).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requested), requested  # no CDN
    assert browser_problems == NO_PROBLEMS
