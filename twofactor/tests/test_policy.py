"""Who must use 2FA: the vendor's staff always, client administrators when the setting says so.

The test settings turn enforcement off (other tests open sessions with force_login); these tests
turn it on, as it is everywhere else."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from audit.models import Event
from testing.personas import PASSWORD
from testing.twofactor import code_for, enrol, fresh_code, log_in_with_code, password_step, setup_key

HOME = reverse("portal:home")
SETUP = reverse("twofactor:setup")
BACK_OFFICE = reverse("admin:index")


@pytest.fixture(autouse=True)
def enforced(settings):
    settings.TWO_FACTOR_ENFORCED = True


def test_enforcement_is_on_outside_the_test_settings():
    """M10 (2FA)"""
    from config import settings as real_settings

    assert real_settings.TWO_FACTOR_ENFORCED is True
    assert real_settings.TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS is False


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_without_2fa_reach_only_the_enrolment(client, persona, request):
    """M10 (2FA required for vendor staff)"""
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for url in (HOME, reverse("accounts:profile"), reverse("desk:list"), BACK_OFFICE):
        response = client.get(url)
        assert response.status_code == 302 and response.url == SETUP, url
    body = client.get(SETUP).content.decode()
    assert "obligatoire pour votre profil" in body
    assert client.get(reverse("twofactor:qr_code")).status_code == 200
    htmx = client.get(HOME, headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == SETUP
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert SESSION_KEY not in client.session


def test_vendor_staff_logging_in_are_sent_to_enrolment_then_reach_the_portal(client, support, captcha):
    """M10 (2FA required for vendor staff)"""
    assert password_step(client, captcha, support).url == HOME
    assert client.get(HOME).url == SETUP
    key = setup_key(client)
    assert client.post(SETUP, {"code": code_for(key)}).url == reverse("twofactor:codes")
    assert client.get(reverse("desk:list")).status_code == 200


def test_the_back_office_needs_a_verified_session(client, vendor_admin, captcha):
    """M10 (2FA: back office)"""
    enrol(vendor_admin)
    client.force_login(vendor_admin)  # a session opened without the code
    response = client.get(BACK_OFFICE)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert SESSION_KEY not in client.session
    response = log_in_with_code(client, captcha, vendor_admin, next_url=BACK_OFFICE)
    assert response.url == BACK_OFFICE
    assert client.get(BACK_OFFICE).status_code == 200


def test_a_session_opened_before_enrolment_is_ended(client, agent):
    """M10 (2FA: enabling it ends the sessions that did not give a code)"""
    from django.test import Client

    other_device = Client()
    other_device.force_login(agent)
    assert other_device.get(HOME).status_code == 200
    enrol(agent)
    response = other_device.get(HOME)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert SESSION_KEY not in other_device.session


def test_client_administrators_may_but_need_not_enrol_by_default(client, est_admin, agent):
    """M10 (2FA available to client administrators)"""
    for user in (est_admin, agent):
        client.force_login(user)
        assert client.get(HOME).status_code == 200


def test_the_setting_requires_2fa_of_client_administrators_only(client, est_admin, agent, settings):
    """M10 (TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS)"""
    settings.TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS = True
    client.force_login(est_admin)
    assert client.get(HOME).url == SETUP
    assert "obligatoire pour votre profil" in client.get(reverse("twofactor:manage")).content.decode()
    client.force_login(agent)
    assert client.get(HOME).status_code == 200


def test_a_required_account_that_disables_2fa_sets_up_a_new_phone_at_once(client, support, captcha):
    """M10 (2FA: changing phone)"""
    enrol(support)
    log_in_with_code(client, captcha, support)
    response = client.post(reverse("twofactor:disable"), {"current_password": PASSWORD, "code": fresh_code(support)})
    assert response.url == SETUP
    assert client.get(HOME).url == SETUP
    assert Event.objects.filter(action="2fa_disabled").count() == 1


def test_health_checks_stay_reachable(client, support):
    """M10"""
    client.force_login(support)
    assert client.get(reverse("portal:liveness")).status_code == 200


def test_the_back_office_login_form_is_the_portals(client, agent):
    """M1.1 M10 (no login form without captcha, lockout and code)"""
    response = client.get(reverse("back_office_login") + "?next=/back-office/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:login") + "?next=/back-office/"
    assert client.get(BACK_OFFICE).url.startswith("/back-office/login/")
    client.force_login(agent)
    refused = client.get(reverse("back_office_login") + "?next=/back-office/")
    assert refused.status_code == 403
