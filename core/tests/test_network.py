"""The client's address behind the reverse proxy (core.network.client_address): believed from
X-Forwarded-For only when the connection comes from a trusted proxy, and then only the entry the
proxy wrote; the lockout and the security log use it."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.auth import budget_key
from audit.models import Event
from audit.services import client_ip
from core.network import client_address
from testing.personas import PASSWORD

PROXY = "10.0.0.5"
LOGIN = reverse("accounts:login")


def request(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PROXY_COUNT = 1
    return settings


def test_without_a_trusted_proxy_the_connection_is_the_client_whatever_it_forwards(settings):
    """M16.2: with no proxy configured, X-Forwarded-For is ignored"""
    settings.TRUSTED_PROXIES = []
    assert client_address(request("198.51.100.4", "203.0.113.9")) == "198.51.100.4"
    assert client_address(request("198.51.100.4")) == "198.51.100.4"


def test_through_the_trusted_proxy_the_client_is_the_entry_the_proxy_appended(behind_nginx):
    """M16.2: nginx appends the client's address ($proxy_add_x_forwarded_for); what the client
    itself wrote to the left is not taken"""
    assert client_address(request(PROXY, "198.51.100.4")) == "198.51.100.4"
    assert client_address(request(PROXY, "203.0.113.9, 198.51.100.4")) == "198.51.100.4"
    assert client_address(request(PROXY, '"unclosed, 1.2.3.4, 198.51.100.4')) == "198.51.100.4"
    assert client_address(request(PROXY, "2001:db8::1")) == "2001:db8::1"


def test_a_client_that_is_not_the_trusted_proxy_cannot_choose_its_address(behind_nginx):
    """M16.2: an X-Forwarded-For sent straight to the application server is ignored"""
    assert client_address(request("198.51.100.4", "203.0.113.9")) == "198.51.100.4"
    assert client_address(request("10.0.0.6", "203.0.113.9")) == "10.0.0.6"


def test_trusted_proxies_may_be_networks_and_ipv4_mapped(settings):
    """M16.2"""
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "fd00::/8"]
    assert client_address(request("10.0.0.77", "198.51.100.4")) == "198.51.100.4"
    assert client_address(request("::ffff:10.0.0.77", "198.51.100.4")) == "198.51.100.4"
    assert client_address(request("fd00::3", "198.51.100.4")) == "198.51.100.4"
    assert client_address(request("10.0.1.1", "198.51.100.4")) == "10.0.1.1"


def test_two_proxies_take_the_address_the_first_one_saw(settings):
    """M16.2: a load balancer, then nginx: PROXY_COUNT=2 takes the entry the load balancer wrote"""
    settings.TRUSTED_PROXIES = [PROXY]
    settings.PROXY_COUNT = 2
    # client → load balancer (appends the client) → nginx (appends the load balancer) → portal
    assert client_address(request(PROXY, "203.0.113.9, 198.51.100.4, 10.0.0.2")) == "198.51.100.4"
    # A chain shorter than the proxies configured names nobody: the connection is kept.
    assert client_address(request(PROXY, "198.51.100.4")) == PROXY


def test_a_malformed_entry_from_the_proxy_falls_back_to_the_connection(behind_nginx):
    """M16.2"""
    assert client_address(request(PROXY, "not-an-address")) == PROXY
    assert client_address(request(PROXY, "   ")) == PROXY


def test_the_security_log_and_the_login_budget_use_the_same_address(behind_nginx):
    """M16.2: one function answers for the lockout key and the security log"""
    req = request(PROXY, "203.0.113.9, 198.51.100.4")
    assert client_ip(req) == "198.51.100.4"
    assert budget_key(req, "a@b.fr") == budget_key(request("198.51.100.4"), "a@b.fr")
    assert budget_key(req, "a@b.fr") != budget_key(request(PROXY, "198.51.100.5"), "a@b.fr")


@pytest.mark.django_db
def test_a_client_is_locked_out_by_its_own_address_not_the_proxys(behind_nginx, client, agent, captcha):
    """M16.2: five failures from one client behind the proxy lock that client and that identifier
    only; another client behind the same proxy still signs in; the log shows the real addresses"""
    settings = behind_nginx
    attacker = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    statuses = []
    for attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        # The attacker changes what it writes itself: the proxy's entry still names it.
        spoof = {**attacker, "HTTP_X_FORWARDED_FOR": f"192.0.2.{attempt}, 198.51.100.66"}
        data = {"username": agent.email, "password": "mauvais-mot-de-passe", "captcha": captcha()}
        statuses.append(client.post(LOGIN, data, **spoof).status_code)
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429, 429]

    owner = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    data = {"username": agent.email, "password": PASSWORD, "captcha": captcha()}
    assert client.post(LOGIN, data, **owner).status_code == 302
    failures = Event.objects.filter(action="login_failed")
    assert set(failures.values_list("ip_address", flat=True)) == {"198.51.100.66"}
    assert Event.objects.get(action="login_succeeded").ip_address == "198.51.100.7"
