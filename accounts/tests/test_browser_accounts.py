"""The accounts pages in a real browser: the ALTCHA widget solved by Chromium, e-mailed links,
accessibility (axe-core, phone width) and the strict Content-Security-Policy.

Debian's Chromium is driven through Playwright (see testing/browser.py); the portal runs in live_server.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import AccountRequest, User
from news.models import NewsItem
from testing.browser import (
    CSP_MESSAGE,
    PHONE,
    assert_accessible,
    assert_no_horizontal_overflow,
    fill_login_form,
    log_in,
    sign_in_with_cookie,
    solve_captcha_widget,
    url,
)
from testing.personas import PASSWORD

NEW_PASSWORD = "une phrase de passe assez longue"


# --- M1.1 Connexion ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_with_the_real_captcha_then_logout(page, live_server, agent):
    """M1.1"""
    page.goto(url(live_server, "accounts:login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    fill_login_form(page, agent.email, PASSWORD)

    expect(page).to_have_url(url(live_server, "portal:home"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Alice")
    header = page.get_by_role("navigation", name="Barre d’en-tête")
    expect(header.get_by_role("link", name="Tableau de bord")).to_be_visible()
    expect(header.get_by_role("link", name="Mon profil")).to_be_visible()
    expect(header.get_by_role("button", name="Déconnexion")).to_be_visible()

    header.get_by_role("button", name="Déconnexion").click()
    expect(page).to_have_url(url(live_server, "accounts:login"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.goto(url(live_server, "portal:home"))  # the session is really over
    expect(page).to_have_url(re.compile(re.escape(url(live_server, "accounts:login")) + r"\?next="))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_flow_raises_no_csp_violation(page, live_server, agent, browser_problems):
    """M1.1 (strict Content-Security-Policy: the captcha works without 'unsafe-inline')"""
    response = page.goto(url(live_server, "accounts:login"))
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "script-src 'self'" in policy and "style-src 'self'" in policy

    fill_login_form(page, agent.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Alice")
    page.get_by_role("button", name="Déconnexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.get_by_role("checkbox", name="Je ne suis pas un robot")).to_be_visible()  # the widget has run

    assert browser_problems == {"csp": [], "console_errors": [], "page_errors": []}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_csp_violations_would_be_seen(page, live_server, browser_problems):
    """M1.1 (the CSP check above is not blind: an inline style is refused and reported)"""
    page.goto(url(live_server, "accounts:login"))
    with page.expect_console_message(lambda message: bool(CSP_MESSAGE.search(message.text))):
        page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>body { color: red; }</style>')")
    assert any("style-src" in problem for problem in browser_problems["csp"])


# --- M1.2 Mot de passe oublié -----------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_forgotten_password_then_login_with_the_new_one(page, live_server, agent, settings):
    """M1.2"""
    settings.SITE_URL = live_server.url  # the e-mailed link points at this server
    page.goto(url(live_server, "accounts:login"))
    page.get_by_role("link", name="Mot de passe oublié").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe oublié")
    page.get_by_label("Adresse mail").fill(agent.email)
    solve_captcha_widget(page)
    page.get_by_role("button", name="Soumettre la demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande enregistrée")

    assert [message.to for message in mail.outbox] == [[agent.email]]
    link = re.search(r"http://\S+/mot-de-passe/\S+/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    page.get_by_label("Nouveau mot de passe").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe enregistré")

    page.get_by_role("link", name="Se connecter").click()
    fill_login_form(page, agent.email, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Bonjour Alice")


# --- M1.3 Demande ou mise à jour de compte ----------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_account_request_is_filed(page, live_server, vendor_admin):
    """M1.3"""
    page.goto(url(live_server, "accounts:login"))
    page.get_by_role("link", name="Demande ou mise à jour de compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande ou mise à jour de compte")
    page.get_by_label("Mise à jour d'un compte existant").check()
    page.get_by_role("textbox", name="Nom", exact=True).fill("Nouveau")
    page.get_by_label("Prénom").fill("Nina")
    page.get_by_label("Adresse mail").fill("Nina.Nouveau@Gamma.example")
    page.get_by_label("Téléphone").fill("04 72 00 00 01")
    page.get_by_label("Établissement").fill("Clinique Gamma")
    page.get_by_label("Fonction").fill("Responsable paie")
    page.get_by_label("Objet de la demande").fill("Je change d'établissement au 1er du mois.")
    solve_captcha_widget(page)
    page.get_by_role("button", name="Envoyer la demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demande envoyée")

    request = AccountRequest.objects.get()
    assert (request.kind, request.status) == (AccountRequest.Kind.UPDATE, AccountRequest.Status.PENDING)
    assert (request.last_name, request.first_name, request.email) == ("Nouveau", "Nina", "nina.nouveau@gamma.example")
    assert (request.phone, request.establishment_name, request.function) == (
        "04 72 00 00 01",
        "Clinique Gamma",
        "Responsable paie",
    )
    assert [message.to for message in mail.outbox] == [[vendor_admin.email]]


# --- M2.3 Mon profil --------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_profile_phone_is_changed(page, live_server, agent):
    """M2.3"""
    log_in(page, live_server, agent.email)
    page.get_by_role("navigation", name="Barre d’en-tête").get_by_role("link", name="Mon profil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon profil")
    page.get_by_role("link", name="Modifier ses informations et/ou le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Modifier ses informations et/ou le mot de passe")
    page.get_by_label("Téléphone").fill("04 72 12 34 56")
    page.get_by_role("button", name="Enregistrer les informations").click()

    expect(page).to_have_url(url(live_server, "accounts:profile"))
    expect(page.get_by_role("status")).to_have_text("Vos informations ont été enregistrées.")
    phone = page.locator("dl.sheet dt", has_text="Téléphone").locator("xpath=following-sibling::dd[1]")
    expect(phone).to_have_text("04 72 12 34 56")
    assert User.objects.get(pk=agent.pk).phone == "04 72 12 34 56"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_profile_errors_are_all_announced_with_their_field(page, live_server, client, agent):
    """M2.3 (every error of a field is part of the input's accessible description)"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(url(live_server, "accounts:profile_edit"))
    password = page.get_by_label("Nouveau mot de passe", exact=True)
    password.fill("123")
    page.get_by_label("Confirmation du nouveau mot de passe").fill("123")
    page.get_by_role("button", name="Enregistrer les informations").click()

    expect(page.get_by_role("alert")).to_contain_text("Le formulaire contient 2 erreurs")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(
        re.compile(r"Au moins 12 caractères.*trop court.*trop courant.*entièrement numérique")
    )
    assert_accessible(page)


# --- Accessibility ----------------------------------------------------------------------

PAGES = [
    pytest.param("accounts:login", False, id="login"),
    pytest.param("accounts:password_reset", False, id="password_reset"),
    pytest.param("accounts:account_request", False, id="account_request"),
    pytest.param("portal:home", True, id="home"),
    pytest.param("accounts:profile", True, id="profile"),
    pytest.param("accounts:profile_edit", True, id="profile_edit"),
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name, signed_in", PAGES)
def test_page_is_accessible_on_desktop_and_phone(page, live_server, client, agent, name, signed_in):
    """M1.1 M1.2 M1.3 M2.1 M2.3 (RGAA: axe-core finds nothing serious; no sideways scrolling at 375 px)"""
    if signed_in:
        NewsItem.objects.create(
            title="Mise à jour de la paie de janvier : nouvelles rubriques de cotisations", body="Détails."
        )
        sign_in_with_cookie(page, live_server, client, agent)
    page.goto(url(live_server, name))
    expect(page).to_have_url(url(live_server, name))
    assert_accessible(page)

    page.set_viewport_size(PHONE)
    page.reload()
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    if page.locator("altcha-widget").count():  # the ticked, « Vérifié » state too
        solve_captcha_widget(page)
        assert_no_horizontal_overflow(page)
        assert_accessible(page)
