"""Public forms are rate limited per client address and per address typed; e-mails per recipient
are capped (issue 12, item 3)."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import AccountRequest
from testing.personas import make_user

LOGIN = reverse("accounts:login")
RESET = reverse("accounts:password_reset")
ACCOUNT_REQUEST = reverse("accounts:account_request")


def assert_french_429(response):
    assert response.status_code == 429
    body = response.content.decode()
    assert '<html lang="fr"' in body and "Trop de demandes" in body and "réessayez dans" in body
    assert 0 < int(response["Retry-After"]) <= 3600


def account_request(captcha, email, **extra):
    data = {
        "kind": "create",
        "last_name": "Durand",
        "first_name": "Louise",
        "email": email,
        "establishment_name": "CH Alpha",
        "function": "RH",
        "message": "Arrivée.",
        "captcha": captcha(),
    }
    return data


def test_fifteen_resets_for_one_person_send_three_e_mails(client, agent, captcha):
    """M1.2 M10 (issue 12: 15 requests had sent 15 e-mails)"""
    statuses = [
        client.post(RESET, {"email": agent.email, "captcha": captcha()}, REMOTE_ADDR=f"192.0.2.{i}").status_code
        for i in range(15)
    ]
    assert statuses == [302] * 3 + [429] * 12
    assert len([m for m in mail.outbox if m.to == [agent.email]]) == 3
    assert_french_429(client.post(RESET, {"email": agent.email.upper(), "captcha": captcha()}))


@pytest.mark.django_db
def test_the_per_address_limit_of_resets_answers_429_whatever_the_address_typed(client, captcha, settings):
    """M1.2 M10"""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password_reset_address": (4, 3600)}
    statuses = [
        client.post(RESET, {"email": f"personne{i}@nulle-part.example", "captcha": captcha()}).status_code
        for i in range(6)
    ]
    assert statuses == [302] * 4 + [429] * 2
    assert client.get(RESET).status_code == 200  # the page itself: limited by challenges only


def test_unsolved_captchas_never_use_up_a_persons_reset_quota(client, agent, captcha):
    """M1.2 M10: counted per address typed only once the captcha is solved"""
    for i in range(10):
        client.post(RESET, {"email": agent.email, "captcha": "faux"}, REMOTE_ADDR=f"198.51.100.{i}")
    assert client.post(RESET, {"email": agent.email, "captcha": captcha()}).status_code == 302
    assert [m.to for m in mail.outbox] == [[agent.email]]


def test_a_flood_of_account_requests_is_refused_per_address(client, captcha, vendor_admin):
    """M1.3 M10 (issue 12: 12 requests had sent 12 e-mails to the administrators)"""
    statuses = [
        client.post(ACCOUNT_REQUEST, account_request(captcha, f"l{i}@alpha.example")).status_code for i in range(12)
    ]
    assert statuses == [302] * 10 + [429] * 2
    assert AccountRequest.objects.count() == 10
    assert len([m for m in mail.outbox if m.to == [vendor_admin.email]]) == 5  # never more than a few an hour
    assert_french_429(client.post(ACCOUNT_REQUEST, account_request(captcha, "autre@alpha.example")))


@pytest.mark.django_db
def test_account_requests_for_one_address_typed_are_limited(client, captcha):
    """M1.3 M10"""
    statuses = [
        client.post(
            ACCOUNT_REQUEST, account_request(captcha, "louise@alpha.example"), REMOTE_ADDR=f"192.0.2.{i}"
        ).status_code
        for i in range(5)
    ]
    assert statuses == [302] * 3 + [429] * 2


def test_administrators_get_a_few_notices_an_hour_the_rest_wait_in_the_back_office(
    client, captcha, vendor_admin, est_a
):
    """M1.3 M10: from many addresses, past the cap no e-mail, every request kept"""
    second = make_user("admin2@editeur.example", None, role="vendor_admin")
    for i in range(12):
        response = client.post(
            ACCOUNT_REQUEST, account_request(captcha, f"l{i}@alpha.example"), REMOTE_ADDR=f"192.0.2.{i}"
        )
        assert response.status_code == 302
    assert AccountRequest.objects.count() == 12
    for admin in (vendor_admin, second):
        assert len([m for m in mail.outbox if m.to == [admin.email]]) == 5


@pytest.mark.django_db
def test_login_challenges_are_limited_per_address(client, settings):
    """M1.1 M10: each login page hands out a captcha challenge"""
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "challenge_address": (10, 600)}
    statuses = [client.get(LOGIN).status_code for _ in range(12)]
    assert statuses == [200] * 10 + [429] * 2
    # One line in the security log for the flood, not one per request refused.
    from audit.models import Event

    assert Event.objects.filter(action="public_form_rate_limited").count() == 1
    assert_french_429(client.post(LOGIN, {"username": "a@b.example", "password": "x", "captcha": "y"}))
    assert client.get(LOGIN, REMOTE_ADDR="192.0.2.99").status_code == 200  # another address
