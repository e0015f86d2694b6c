"""The login of an account with 2FA: password (and captcha), then « Code de vérification »."""

import threading

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from audit.models import Event
from testing.clients import solve_captcha
from testing.personas import PASSWORD, make_user
from testing.twofactor import VERIFY, code_for, enrol, fresh_code, log_in_with_code, password_step

HOME = reverse("portal:home")


@pytest.fixture
def no_otp_delay(settings):
    """Without django-otp's growing delay between wrong codes (tested on its own below)."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def test_right_password_alone_does_not_log_in_an_enrolled_account(client, est_admin, captcha):
    """M1.1 M10 (2FA)"""
    enrol(est_admin)
    response = password_step(client, captcha, est_admin)
    assert response.status_code == 302 and response.url == VERIFY
    assert SESSION_KEY not in client.session
    assert client.get(HOME).status_code == 302
    body = client.get(VERIFY).content.decode()
    assert "Code de vérification" in body and "Vérifier" in body
    assert not Event.objects.filter(action="login_succeeded").exists()


def test_right_code_completes_the_login_and_follows_the_local_next(client, est_admin, captcha):
    """M1.1 M10 (2FA)"""
    enrol(est_admin)
    response = log_in_with_code(client, captcha, est_admin, next_url=reverse("accounts:profile"))
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    assert client.session[SESSION_KEY] == str(est_admin.pk)
    assert client.session[DEVICE_ID_SESSION_KEY]  # the session is verified
    assert client.get(reverse("accounts:profile")).status_code == 200
    event = Event.objects.get(action="login_succeeded")
    assert event.actor == est_admin and event.data == {"second_factor": "TOTPDevice"}


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_next_off_site_is_not_followed_after_the_code(client, est_admin, captcha, target):
    """M1.1 M10 (open redirect)"""
    enrol(est_admin)
    response = log_in_with_code(client, captcha, est_admin, next_url=target)
    assert response.url == HOME


def test_the_session_key_changes_at_each_step(client, est_admin, captcha):
    """M10 (session fixation)"""
    enrol(est_admin)
    client.get(reverse("accounts:login"))
    client.session.save()
    first = client.session.session_key
    password_step(client, captcha, est_admin)
    second = client.session.session_key
    client.post(VERIFY, {"code": fresh_code(est_admin)})
    assert len({first, second, client.session.session_key}) == 3


def test_a_code_serves_only_once(client, est_admin, captcha):
    """M10 (2FA)"""
    key, _codes = enrol(est_admin)
    code = fresh_code(est_admin)
    password_step(client, captcha, est_admin)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.logout()
    other = Client()
    password_step(other, captcha, est_admin)
    response = other.post(VERIFY, {"code": code})
    assert response.status_code == 200 and "Code incorrect" in response.content.decode()


def test_a_recovery_code_logs_in_once_and_says_how_many_are_left(client, est_admin, captcha):
    """M10 (2FA recovery codes)"""
    _key, codes = enrol(est_admin)
    password_step(client, captcha, est_admin)
    response = client.post(VERIFY, {"code": codes[0].upper().replace("-", " ")}, follow=True)
    assert response.redirect_chain[-1][0] == HOME
    assert "Il vous en reste 9" in response.content.decode()
    event = Event.objects.get(action="recovery_code_used")
    assert event.data == {"left": 9} and codes[0] not in str(event.data) + event.target
    client.logout()
    password_step(client, captcha, est_admin)
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200 and SESSION_KEY not in client.session


def test_wrong_codes_are_counted_then_the_account_is_locked(client, est_admin, captcha, settings, no_otp_delay):
    """M1.1 M10 (2FA brute force)"""
    settings.TWO_FACTOR_MAX_ATTEMPTS = 3
    key, _codes = enrol(est_admin)
    wrong = "000000" if code_for(key) != "000000" else "111111"
    password_step(client, captcha, est_admin)
    first = client.post(VERIFY, {"code": wrong})
    assert "Il vous reste 2 essais" in first.content.decode()
    assert "Il vous reste 1 essai." in client.post(VERIFY, {"code": wrong}).content.decode()
    locked = client.post(VERIFY, {"code": wrong})
    assert locked.status_code == 429 and "Trop de codes incorrects" in locked.content.decode()
    assert Event.objects.filter(action="2fa_failed", target=est_admin.email).count() == 3
    # Back to the start: even the right password and the right code wait for the cool-off.
    assert client.get(VERIFY).url == reverse("accounts:login")
    password_step(client, captcha, est_admin)
    assert client.post(VERIFY, {"code": fresh_code(est_admin)}).status_code == 429
    assert SESSION_KEY not in client.session


def test_wrong_codes_of_one_account_do_not_lock_another(client, est_admin, referent, captcha, settings, no_otp_delay):
    """M10 (2FA brute force)"""
    settings.TWO_FACTOR_MAX_ATTEMPTS = 2
    enrol(est_admin)
    enrol(referent)
    password_step(client, captcha, est_admin)
    for _ in range(2):
        client.post(VERIFY, {"code": "abcdefgh"})
    other = Client()
    assert log_in_with_code(other, captcha, referent).status_code == 302


def test_a_quick_retry_waits_for_django_otps_delay_without_costing_a_try(client, est_admin, captcha):
    """M10 (2FA brute force: each wrong code doubles the wait before the next one)"""
    key, _codes = enrol(est_admin)
    password_step(client, captcha, est_admin)
    wrong = "000000" if code_for(key) != "000000" else "111111"
    client.post(VERIFY, {"code": wrong})
    response = client.post(VERIFY, {"code": code_for(key, steps=1)})
    body = response.content.decode()
    assert response.status_code == 200 and "patientez" in body
    assert Event.objects.filter(action="2fa_failed").count() == 1


def test_the_code_page_without_a_password_step_goes_back_to_login(client, db):
    """M1.1"""
    assert client.get(VERIFY).url == reverse("accounts:login")
    assert client.post(VERIFY, {"code": "123456"}).url == reverse("accounts:login")


def test_the_password_step_expires(client, est_admin, captcha, settings):
    """M10 (2FA)"""
    enrol(est_admin)
    password_step(client, captcha, est_admin)
    settings.TWO_FACTOR_PENDING_SECONDS = -1
    response = client.post(VERIFY, {"code": fresh_code(est_admin)})
    assert response.url == reverse("accounts:login") and SESSION_KEY not in client.session


def test_a_password_change_meanwhile_voids_the_password_step(client, est_admin, captcha):
    """M10 (2FA)"""
    enrol(est_admin)
    password_step(client, captcha, est_admin)
    est_admin.set_password("une autre phrase de passe")
    est_admin.save()
    response = client.post(VERIFY, {"code": fresh_code(est_admin)})
    assert response.url == reverse("accounts:login") and SESSION_KEY not in client.session


def test_a_deactivated_account_cannot_finish_with_its_code(client, est_admin, referent, captcha):
    """M1.1 M4.4"""
    enrol(referent)
    password_step(client, captcha, referent)
    referent.is_active = False
    referent.save()
    assert client.post(VERIFY, {"code": fresh_code(referent)}).url == reverse("accounts:login")
    assert SESSION_KEY not in client.session


def test_accounts_without_2fa_log_in_as_before(client, agent, captcha):
    """M1.1"""
    response = password_step(client, captcha, agent)
    assert response.status_code == 302 and response.url == HOME


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_cannot_exceed_the_limit(settings, est_a, no_otp_delay):
    """M10 (2FA brute force: 20 codes at once, at most TWO_FACTOR_MAX_ATTEMPTS are checked; PostgreSQL)"""
    if connection.vendor != "postgresql":
        pytest.skip("parallel requests need PostgreSQL (SQLite serialises writers)")
    from twofactor import services

    settings.TWO_FACTOR_MAX_ATTEMPTS = 5
    user = make_user("admin2@alpha.example", est_a, "admin")
    key, _codes = enrol(user)
    wrong = "000000" if code_for(key) != "000000" else "111111"
    clients = []
    for _ in range(20):
        c = Client()
        c.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD, "captcha": solve_captcha()})
        clients.append(c)
    checked = []
    original = services.second_factor_check

    def counting(*args, **kwargs):
        checked.append(1)
        return original(*args, **kwargs)

    services.second_factor_check = counting
    barrier = threading.Barrier(len(clients))
    statuses = []

    def attempt(c):
        barrier.wait()
        statuses.append(c.post(VERIFY, {"code": wrong}).status_code)
        connections.close_all()

    try:
        threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        services.second_factor_check = original
    assert len(checked) <= 5, f"{len(checked)} codes checked for a limit of 5"
    assert statuses.count(429) >= 15
