"""2FA in a real browser: enrolment from « Mon profil » (QR code image, text key, recovery codes),
then a login with the captcha and the code; axe-core on each page, at desktop and phone width, and
no Content-Security-Policy violation."""

from base64 import b32decode

import pytest
from playwright.sync_api import expect

from testing.browser import (
    NO_PROBLEMS,
    PHONE,
    assert_accessible,
    assert_no_horizontal_overflow,
    fill_login_form,
    sign_in_with_cookie,
    url,
)
from testing.personas import PASSWORD
from testing.twofactor import code_for, fresh_code


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_enrol_then_log_in_with_the_code(page, live_server, client, est_admin, browser_problems):
    """M2.3 M10 (2FA, accessibility, CSP)"""
    sign_in_with_cookie(page, live_server, client, est_admin)
    page.goto(url(live_server, "accounts:profile"))
    page.get_by_role("link", name="Gérer la double authentification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Double authentification")
    assert_accessible(page)
    page.get_by_role("link", name="Activer la double authentification").click()

    image = page.get_by_role("img", name="QR code à scanner avec votre application d’authentification")
    expect(image).to_be_visible()
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0  # the SVG loaded
    assert_accessible(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    key = b32decode(page.locator("code.totp-key").inner_text().replace(" ", "")).hex()
    page.get_by_label("Code de vérification").fill(code_for(key))
    page.get_by_role("button", name="Activer la double authentification").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Codes de secours")
    expect(page.locator("ol.recovery-codes li")).to_have_count(10)
    assert_accessible(page)

    page.get_by_role("button", name="Déconnexion").click()
    fill_login_form(page, est_admin.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Double authentification")
    assert_accessible(page)
    page.get_by_label("Code de vérification").fill("000000" if fresh_code(est_admin) != "000000" else "111111")
    page.get_by_role("button", name="Vérifier").click()
    expect(page.locator(".field .error", has_text="Code incorrect ou expiré")).to_be_visible()
    assert_accessible(page)
    page.wait_for_timeout(1200)  # django-otp's delay after a wrong code
    page.get_by_label("Code de vérification").fill(fresh_code(est_admin))
    page.get_by_role("button", name="Vérifier").click()
    expect(page).to_have_url(url(live_server, "portal:home"))

    assert browser_problems == NO_PROBLEMS
