"""« Double authentification » from « Mon profil »: set up, recovery codes, regenerate, disable."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Event
from testing.personas import PASSWORD
from testing.twofactor import VERIFY, code_for, enrol, fresh_code, password_step, setup_key

MANAGE = reverse("twofactor:manage")
SETUP = reverse("twofactor:setup")
QR = reverse("twofactor:qr_code")
CODES = reverse("twofactor:codes")
REGENERATE = reverse("twofactor:regenerate")
DISABLE = reverse("twofactor:disable")


def test_profile_shows_the_state_and_a_link(client, agent):
    """M2.3 M10 (2FA)"""
    client.force_login(agent)
    body = client.get(reverse("accounts:profile")).content.decode()
    assert "Double authentification" in body and "Non activée" in body and MANAGE in body
    page = client.get(MANAGE).content.decode()
    assert "Activer la double authentification" in page and "obligatoire" not in page


def test_setup_shows_a_qr_code_and_a_text_key_then_ten_codes_once(client, est_admin):
    """M10 (2FA enrolment)"""
    client.force_login(est_admin)
    body = client.get(SETUP).content.decode()
    assert f'src="{QR}"' in body and 'alt="QR code' in body and "Code de vérification" in body
    key = setup_key(client)
    assert setup_key(client) == key  # the same secret until it is confirmed

    image = client.get(QR)
    assert image["Content-Type"] == "image/svg+xml" and "no-store" in image["Cache-Control"]
    svg = image.content.decode()
    assert svg.startswith("<?xml") and "<path" in svg
    assert "style" not in svg and "<script" not in svg  # nothing the CSP would refuse

    wrong = client.post(SETUP, {"code": "12345"})
    assert "Saisissez les 6 chiffres" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=est_admin).exists()

    response = client.post(SETUP, {"code": code_for(key)})
    assert response.status_code == 302 and response.url == CODES
    device = TOTPDevice.objects.get(user=est_admin)
    assert device.confirmed and device.key == key
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id

    page = client.get(CODES).content.decode()
    codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", page)
    assert "Codes de secours" in page and len(set(codes)) == 10
    assert {code.replace("-", "") for code in codes} == set(StaticToken.objects.values_list("token", flat=True))
    again = client.get(CODES)
    assert again.url == MANAGE  # shown once
    assert not any(code in client.get(MANAGE).content.decode() for code in codes)

    event = Event.objects.get(action="2fa_enabled")
    assert event.actor == est_admin and event.data == {}
    assert mail.outbox[-1].subject == "Double authentification activée" and mail.outbox[-1].to == [est_admin.email]


def test_the_code_confirming_the_setup_cannot_log_in(client, est_admin, captcha):
    """M10 (2FA: a TOTP code serves once)"""
    client.force_login(est_admin)
    key = setup_key(client)
    code = code_for(key)
    client.post(SETUP, {"code": code})
    client.logout()
    password_step(client, captcha, est_admin)
    assert "Code incorrect" in client.post(VERIFY, {"code": code}).content.decode()


def test_a_wrong_setup_code_is_refused(client, agent):
    """M10 (2FA enrolment)"""
    client.force_login(agent)
    key = setup_key(client)
    wrong = "000000" if code_for(key) != "000000" else "111111"
    body = client.post(SETUP, {"code": wrong}).content.decode()
    assert "Ce code ne correspond pas" in body
    assert not TOTPDevice.objects.exists() and not Event.objects.filter(action="2fa_enabled").exists()


def test_any_client_profile_may_enrol(client, agent):
    """M10 (2FA is voluntary for client profiles other than administrators)"""
    client.force_login(agent)
    key = setup_key(client)
    assert client.post(SETUP, {"code": code_for(key)}).url == CODES


def test_an_enrolled_account_does_not_restart_the_setup(client, est_admin):
    """M10 (2FA: changing phone goes through « Désactiver », which asks password and code)"""
    enrol(est_admin)
    client.force_login(est_admin)
    assert client.get(SETUP).url == MANAGE
    assert client.get(QR).status_code == 404


@pytest.mark.django_db
def test_the_pages_need_a_login(client):
    """M10"""
    for url in (MANAGE, SETUP, QR, CODES, REGENERATE, DISABLE):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_manage_page_shows_the_state(client, est_admin):
    """M10 (2FA)"""
    enrol(est_admin)
    client.force_login(est_admin)
    body = client.get(MANAGE).content.decode()
    assert "Activée le" in body and "Codes de secours restants" in body and "<dd>10</dd>" in body
    assert "Générer de nouveaux codes de secours" in body and "Désactiver la double authentification" in body


def test_regenerating_codes_asks_password_and_code_and_voids_the_old_ones(client, est_admin):
    """M10 (2FA recovery codes)"""
    _key, old_codes = enrol(est_admin)
    client.force_login(est_admin)
    body = client.get(REGENERATE).content.decode()
    assert "Mot de passe actuel" in body and "Code de vérification" in body

    wrong_password = client.post(REGENERATE, {"current_password": "nope", "code": fresh_code(est_admin)})
    assert "Le mot de passe actuel est incorrect." in wrong_password.content.decode()
    assert client.post(REGENERATE, {"current_password": PASSWORD, "code": ""}).status_code == 200
    assert set(StaticToken.objects.values_list("token", flat=True)) == {c.replace("-", "") for c in old_codes}

    response = client.post(REGENERATE, {"current_password": PASSWORD, "code": fresh_code(est_admin)})
    assert response.url == CODES
    new_codes = re.findall(r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", client.get(CODES).content.decode())
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert set(StaticToken.objects.values_list("token", flat=True)) == {c.replace("-", "") for c in new_codes}
    assert Event.objects.filter(action="2fa_recovery_codes_regenerated", actor=est_admin).exists()


def test_disabling_asks_password_and_code_then_login_needs_no_code(client, est_admin, captcha):
    """M10 (2FA)"""
    _key, codes = enrol(est_admin)
    client.force_login(est_admin)
    wrong = client.post(DISABLE, {"current_password": PASSWORD, "code": "999999"})
    assert wrong.status_code == 200 and TOTPDevice.objects.exists()
    response = client.post(DISABLE, {"current_password": PASSWORD, "code": codes[3]})  # a recovery code serves too
    assert response.url == MANAGE
    assert not TOTPDevice.objects.exists() and not StaticToken.objects.exists()
    event = Event.objects.get(action="2fa_disabled")
    assert event.actor == est_admin and event.data == {"by_admin": False}
    assert mail.outbox[-1].subject == "Double authentification désactivée"
    client.logout()
    assert password_step(client, captcha, est_admin).url == reverse("portal:home")


def test_wrong_passwords_and_codes_on_the_confirm_form_are_limited(client, est_admin, settings):
    """M10 (2FA brute force from a stolen session)"""
    settings.TWO_FACTOR_MAX_ATTEMPTS = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    enrol(est_admin)
    client.force_login(est_admin)
    client.post(DISABLE, {"current_password": "nope-1", "code": "000001"})
    client.post(DISABLE, {"current_password": PASSWORD, "code": "000002"})
    client.post(DISABLE, {"current_password": PASSWORD, "code": "000003"})
    response = client.post(DISABLE, {"current_password": PASSWORD, "code": fresh_code(est_admin)})
    assert "Trop de codes incorrects" in response.content.decode()
    assert TOTPDevice.objects.exists()


def test_codes_in_the_audit_log_never(client, est_admin, captcha):
    """M10 (no secret in the event log)"""
    key, codes = enrol(est_admin)
    password_step(client, captcha, est_admin)
    client.post(VERIFY, {"code": "000000"})
    client.post(VERIFY, {"code": codes[0]})
    dump = repr(list(Event.objects.values()))
    assert key not in dump and not any(code in dump or code.replace("-", "") in dump for code in codes)
