"""Production cookie names with the __Host- prefix, and browsers carried over (issue 12, item 5)."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

HOST_NAMES = {
    "SESSION_COOKIE_NAME": "__Host-sessionid",
    "CSRF_COOKIE_NAME": "__Host-csrftoken",
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


@pytest.fixture
def host_cookies(settings):
    for name, value in HOST_NAMES.items():
        setattr(settings, name, value)


def legacy_session(user):
    """A browser signed in before the upgrade: its session under the old cookie name."""
    old = Client()
    old.force_login(user)  # under Django's default names (the test settings)
    key = old.cookies["sessionid"].value
    browser = Client()
    browser.cookies["sessionid"] = key
    return browser, key


def assert_host_cookie(cookie):
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]


def test_asvs_3_3_1_a_signed_in_browser_keeps_its_session_under_the_new_name(agent, settings):
    """M10 (ASVS 3.3.1)"""
    browser, key = legacy_session(agent)
    for name, value in HOST_NAMES.items():
        setattr(settings, name, value)
    response = browser.get(reverse("accounts:profile"))
    assert response.status_code == 200 and agent.email in response.content.decode()
    assert response.cookies["__Host-sessionid"].value == key
    assert_host_cookie(response.cookies["__Host-sessionid"])
    assert response.cookies["sessionid"].value == "" and response.cookies["sessionid"]["max-age"] == 0
    # The next request sends the new cookie only, and is still signed in.
    assert "sessionid" not in browser.cookies or browser.cookies["sessionid"].value == ""
    assert browser.get(reverse("accounts:profile")).status_code == 200


def test_asvs_3_3_1_an_expired_legacy_session_is_dropped_cleanly(agent, settings):
    """M10 (ASVS 3.3.1)"""
    browser, key = legacy_session(agent)
    Session.objects.filter(session_key=key).delete()
    for name, value in HOST_NAMES.items():
        setattr(settings, name, value)
    response = browser.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert response.cookies["__Host-sessionid"].value == ""  # nothing carried over: deleted
    assert response.cookies["sessionid"]["max-age"] == 0


@pytest.mark.django_db
def test_asvs_3_3_1_a_form_opened_before_the_upgrade_still_posts(settings):
    """M10 (ASVS 3.3.1): the CSRF secret is carried to __Host-csrftoken"""
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("accounts:password_reset"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    for name, value in HOST_NAMES.items():
        setattr(settings, name, value)
    response = browser.post(reverse("accounts:password_reset"), {"csrfmiddlewaretoken": token, "email": "x@y.example"})
    assert response.status_code == 200  # the form again (no captcha), not the 403 of a failed CSRF check
    assert "captcha" in response.content.decode()
    assert_host_cookie(response.cookies["__Host-csrftoken"])
    assert response.cookies["csrftoken"]["max-age"] == 0


@pytest.mark.django_db
def test_asvs_3_3_1_new_visitors_get_only_host_prefixed_cookies(client, host_cookies, agent, captcha):
    """M10 (ASVS 3.3.1)"""
    from testing.personas import PASSWORD

    page = client.get(reverse("accounts:login"))
    assert set(page.cookies) == {"__Host-csrftoken"}
    assert_host_cookie(page.cookies["__Host-csrftoken"])
    response = client.post(
        reverse("accounts:login"), {"username": agent.email, "password": PASSWORD, "captcha": captcha()}
    )
    assert response.status_code == 302
    assert_host_cookie(response.cookies["__Host-sessionid"])
    assert "sessionid" not in response.cookies
