"""Behind a real nginx: Debian's nginx, run as an ordinary process with the shipped configuration
(deploy/nginx/espace-clients.conf, paths and ports substituted), in front of two gunicorn instances
of the portal and its threaded upload server (the compose file's commands), on PostgreSQL and Redis,
with local files served through X-Accel-Redirect.

Clients connect from distinct loopback addresses (127.0.0.5, 127.0.0.6…): nginx sees each one, and
only nginx (127.0.0.1, the TRUSTED_PROXIES) may tell the portal who the client is. Runs when
DATABASE_URL names PostgreSQL and nginx is installed (``make nginx``, part of ``make test``).
"""

import hashlib
import os
import re
import subprocess
import sys
import time

import pytest
import requests
from requests.adapters import HTTPAdapter

from testing import nginx as nginx_support
from testing.twofactor import code_for
from tools.fleet import COMPOSE, Fleet, compose_command, free_port, solve_from_page, wait_for

DATABASE_URL = os.environ.get("DATABASE_URL", "")
MIB = 1024 * 1024
CERTIFICATE = []  # the test's self-signed certificate, once made

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(not DATABASE_URL.startswith("postgres"), reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.skipif(nginx_support.NGINX is None, reason="needs Debian's nginx: make nginx"),
]


class FromAddress(HTTPAdapter):
    """Connections leave from one loopback address, as a distinct client would."""

    def __init__(self, address):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Visitor:
    """A browser at one address, talking to nginx over HTTPS (checking the test's certificate)."""

    def __init__(self, base, address, ca=None):
        self.base = base
        self.ca = ca or CERTIFICATE[0]
        self.session = requests.Session()
        adapter = FromAddress(address)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def request(self, method, path, headers=None, **kwargs):
        # nginx passes Host without the test's port ($host), as on 443: the Referer says the same.
        headers = {"Referer": "https://127.0.0.1/", **(headers or {})}
        return self.session.request(
            method, self.base + path, headers=headers, allow_redirects=False, timeout=60, verify=self.ca, **kwargs
        )

    def csrf(self, page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    def log_in(self, email, password="demo-Espace-2026"):
        page = self.get("/connexion/")
        data = {
            "csrfmiddlewaretoken": self.csrf(page),
            "username": email,
            "password": password,
            "captcha": solve_from_page(page),
        }
        return self.post("/connexion/", data=data)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proxy")
    fleet = Fleet(tmp, DATABASE_URL, s3=False)
    fleet.env.update(
        {
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "1",
            "FILE_SERVE_MODE": "x-accel",
            "TRUSTED_PROXIES": "127.0.0.1",
            "PROXY_COUNT": "1",
        }
    )
    proxy = None
    try:
        fleet.manage("collectstatic", "--noinput")
        fleet.manage(*COMPOSE["services"]["migrate"]["command"][2:])
        fleet.load_demo()
        port_a, _ = fleet.start_web("web-a")
        port_b, _ = fleet.start_web("web-b")
        uploads_port = free_port()
        fleet.start("uploads", compose_command("uploads", bind=f"127.0.0.1:{uploads_port}", workers="1"))
        wait_for(
            lambda: requests.get(f"http://127.0.0.1:{uploads_port}/sante/", timeout=5).status_code == 200,
            what="uploads",
        )
        cert, key = nginx_support.self_signed_certificate(tmp)
        CERTIFICATE[:] = [str(cert)]
        (tmp / "nginx").mkdir(exist_ok=True)
        proxy = nginx_support.Nginx(
            tmp / "nginx",
            http_port=free_port(),
            https_port=free_port(),
            portal=[f"127.0.0.1:{port_a}", f"127.0.0.1:{port_b}"],
            uploads=f"127.0.0.1:{uploads_port}",
            objects=f"127.0.0.1:{free_port()}",
            files_root=fleet.env["MEDIA_ROOT"],
            cert=cert,
            key=key,
        )
        proxy.start()
        yield {
            "fleet": fleet,
            "nginx": proxy,
            "https": f"https://127.0.0.1:{proxy.https_port}",
            "http": f"http://127.0.0.1:{proxy.http_port}",
            "web": [port_a, port_b],
            "uploads": uploads_port,
        }
    finally:
        if proxy is not None:
            proxy.stop()
        fleet.close()


def query(site, sql, *params):
    import psycopg

    with psycopg.connect(site["fleet"].env["DATABASE_URL"]) as conn:
        return conn.execute(sql, params).fetchall()


def upstreams_of(site, path, at_least=1):
    """The upstream addresses nginx used for the requests to ``path`` (its access log, which nginx
    writes once a request is over: waited for)."""
    deadline = time.monotonic() + 10
    while True:
        log = (site["nginx"].tmp / "logs" / "upstream.log").read_text()
        found = [line.split(" ", 1)[1] for line in log.splitlines() if line.split(" ", 1)[0] == path]
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


# --- HTTPS -------------------------------------------------------------------------------------------


def test_plain_http_is_redirected_and_https_answers_with_hsts(site):
    """M16.1 M16.2: nginx sends http:// to https://; behind it the portal knows the request is
    secure from X-Forwarded-Proto and answers with HSTS; straight to gunicorn without that header
    the portal itself redirects"""
    visitor = Visitor(site["http"], "127.0.0.5")
    redirected = visitor.get("/connexion/?suivant=1")
    assert redirected.status_code == 301
    assert redirected.headers["Location"] == "https://127.0.0.1/connexion/?suivant=1"

    page = Visitor(site["https"], "127.0.0.5").get("/connexion/")
    assert page.status_code == 200 and "Se connecter" in page.text
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "secure" in page.headers["Set-Cookie"].lower()

    direct = requests.get(f"http://127.0.0.1:{site['web'][0]}/connexion/", allow_redirects=False, timeout=10)
    assert direct.status_code == 301 and direct.headers["Location"].startswith("https://")


def test_the_compose_healthcheck_passes_against_the_production_server(site):
    """M16.1: the web service's healthcheck command, run as compose would (port substituted)"""
    command = COMPOSE["services"]["web"]["healthcheck"]["test"]
    script = command[3].replace("127.0.0.1:8000", f"127.0.0.1:{site['web'][0]}")
    result = subprocess.run(
        [sys.executable, "-c", script], env=site["fleet"].env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr


def test_both_instances_serve_behind_the_proxy(site):
    """M16.1: the upstream holds the two gunicorn instances and nginx spreads requests over them"""
    visitor = Visitor(site["https"], "127.0.0.5")
    for _ in range(6):
        assert visitor.get("/sante/").status_code == 200
    used = set(upstreams_of(site, "/sante/", at_least=6))
    assert used == {f"127.0.0.1:{port}" for port in site["web"]}


# --- Files -------------------------------------------------------------------------------------------


def test_a_download_is_handed_to_nginx_which_answers_ranges(site):
    """M16.1: X-Accel-Redirect after the portal's check; nginx serves the bytes and the Range"""
    visitor = Visitor(site["https"], "127.0.0.5")
    assert visitor.log_in("agent@ch-demo.example").status_code == 302
    listing = visitor.get("/telechargements/")
    assert listing.status_code == 200, listing.text[:3000]
    link = re.search(r'href="(/telechargements/[0-9a-f-]{36}/)"', listing.text).group(1)
    uuid = link.strip("/").rsplit("/", 1)[1]
    (name, size, sha256) = query(site, "SELECT file, size, sha256 FROM downloads_downloadfile WHERE uuid = %s", uuid)[0]
    stored = (site["fleet"].tmp / "files" / name).read_bytes()

    whole = visitor.get(link)
    assert whole.status_code == 200 and whole.content == stored and len(stored) == size
    assert hashlib.sha256(whole.content).hexdigest() == sha256
    assert whole.headers["Content-Disposition"].startswith("attachment")
    assert "X-Accel-Redirect" not in whole.headers

    part = visitor.get(link, headers={"Range": "bytes=10-29"})
    assert part.status_code == 206 and part.content == stored[10:30]
    assert part.headers["Content-Range"] == f"bytes 10-29/{size}"

    # The internal location cannot be asked for directly.
    assert visitor.get("/fichiers-proteges/" + name).status_code == 404
    assert Visitor(site["https"], "127.0.0.6").get(link).status_code == 302  # not signed in: the login


# --- Request sizes -----------------------------------------------------------------------------------


def test_an_upload_beyond_the_portals_limits_gets_the_french_413_page(site):
    """M16.1: larger than a DI's five attachments: nginx refuses it before any worker sees it"""
    visitor = Visitor(site["https"], "127.0.0.5")
    assert visitor.log_in("agent@ch-demo.example").status_code == 302
    form = visitor.get("/support/deposer/")
    assert form.status_code == 200 and "X-Request-ID" in form.headers
    body = {"csrfmiddlewaretoken": visitor.csrf(form), "subject": "Trop gros"}
    response = visitor.post("/support/deposer/", data=body, files={"files": ("video.pdf", b"\0" * (56 * MIB))})
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("text/html")
    assert '<html lang="fr">' in response.text and "Envoi trop volumineux" in response.text
    assert "X-Request-ID" not in response.headers  # nginx answered: the portal tags every response


def test_a_large_package_is_streamed_to_the_upload_server_and_published(site):
    """M16.1: 60 MiB (beyond the portal's 55 MiB) on the back office's upload location reaches the
    threaded upload server, which stores it whole"""
    admin = Visitor(site["https"], "127.0.0.5")
    assert admin.log_in("superviseur@cegape.example").status_code == 302
    verify = admin.get("/double-authentification/verification/")
    from demo.twofactor import demo_key

    sent = admin.post(
        "/double-authentification/verification/",
        data={"csrfmiddlewaretoken": admin.csrf(verify), "code": code_for(demo_key())},
    )
    assert sent.status_code == 302, sent.text[:500]
    form = admin.get("/back-office/downloads/downloadfile/add/")
    assert form.status_code == 200, form.status_code
    product = re.search(r'<option value="(\d+)"[^>]*>Winpaie', form.text).group(1)
    content = os.urandom(MIB) * 60
    data = {
        "csrfmiddlewaretoken": admin.csrf(form),
        "product": product,
        "name": "Paquet volumineux",
        "version": "9.9",
        "published_on": time.strftime("%d/%m/%Y"),
        "description": "Envoyé par le test du proxy.",
        "is_published": "on",
    }
    started = time.monotonic()
    saved = admin.post("/back-office/downloads/downloadfile/add/", data=data, files={"upload": ("paquet.zip", content)})
    assert saved.status_code == 302, saved.text[:2000]
    assert time.monotonic() - started < 120
    rows = query(site, "SELECT size, sha256 FROM downloads_downloadfile WHERE name = %s", "Paquet volumineux")
    assert rows == [(len(content), hashlib.sha256(content).hexdigest())]
    assert (
        upstreams_of(site, "/back-office/downloads/downloadfile/add/", at_least=2)[-1] == f"127.0.0.1:{site['uploads']}"
    )


# --- The client's address ------------------------------------------------------------------------------


def test_the_real_client_is_locked_out_and_logged_not_the_proxy(site):
    """M16.2: five wrong passwords from 127.0.0.5 (which also forges X-Forwarded-For) lock that
    address and identifier; the owner at 127.0.0.6 still signs in through the same nginx; the
    security log shows each client's own address"""
    email = "agent2@ch-demo.example"
    attacker = Visitor(site["https"], "127.0.0.5")
    statuses = []
    for attempt in range(6):
        page = attacker.get("/connexion/")
        data = {
            "csrfmiddlewaretoken": attacker.csrf(page),
            "username": email,
            "password": "mauvais-mot-de-passe",
            "captcha": solve_from_page(page),
        }
        forged = {"X-Forwarded-For": f"198.51.100.{attempt}"}
        statuses.append(attacker.post("/connexion/", data=data, headers=forged).status_code)
    assert statuses == [200, 200, 200, 200, 429, 429]

    owner = Visitor(site["https"], "127.0.0.6")
    assert owner.log_in(email).status_code == 302
    events = query(
        site,
        "SELECT action, host(ip_address) FROM audit_event WHERE target = %s ORDER BY id",
        email,
    )
    failed = {ip for action, ip in events if action == "login_failed"}
    assert failed == {"127.0.0.5"}
    assert ("login_succeeded", "127.0.0.6") in events
    assert not {ip for _action, ip in events} & {"127.0.0.1", *(f"198.51.100.{k}" for k in range(6))}


def test_a_forwarded_address_from_a_client_that_is_not_the_proxy_is_ignored(site):
    """M16.2: straight to gunicorn from 127.0.0.7, claiming to be someone else: the portal records
    the connection's own address"""
    direct = Visitor(f"http://127.0.0.1:{site['web'][1]}", "127.0.0.7")
    headers = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "198.51.100.77",
        "Referer": f"https://127.0.0.1:{site['web'][1]}/",
    }
    page = direct.get("/connexion/", headers=headers)
    assert page.status_code == 200
    data = {
        "csrfmiddlewaretoken": direct.csrf(page),
        "username": "referent@ch-demo.example",
        "password": "mauvais-mot-de-passe",
        "captcha": solve_from_page(page),
    }
    # Over plain HTTP the client keeps its Secure CSRF cookie to itself: it is sent by hand.
    headers["Cookie"] = f"__Host-csrftoken={page.cookies['__Host-csrftoken']}"
    assert direct.post("/connexion/", data=data, headers=headers).status_code == 200
    events = query(
        site,
        "SELECT host(ip_address) FROM audit_event WHERE target = %s AND action = 'login_failed'",
        "referent@ch-demo.example",
    )
    assert events == [("127.0.0.7",)]


# --- Guessing through the proxy (issue 12, item 1) ----------------------------------------------------


def guess(site, address, email, password="mauvais-mot-de-passe"):
    """One login try from ``address`` with a fresh browser; returns the answer."""
    visitor = Visitor(site["https"], address)
    page = visitor.get("/connexion/")
    data = {
        "csrfmiddlewaretoken": visitor.csrf(page),
        "username": email,
        "password": password,
        "captcha": solve_from_page(page),
    }
    return visitor.post("/connexion/", data=data)


def outcome(response):
    if response.status_code == 302:
        return "in"
    if response.status_code == 429:
        return "slowed"
    if "vérification plus longue" in response.text:
        return "harder"
    assert "Identifiant ou mot de passe incorrect" in response.text, response.text[:2000]
    return "incorrect"


def test_m1_1_one_account_guessed_from_twenty_addresses_is_slowed_its_owner_still_gets_in(site):
    """M1.1 M16.2 (issue 12: 20 wrong passwords from 20 addresses in 6 s were all tried): each
    address is known through nginx's X-Forwarded-For; the account's counter sees them all"""
    email = "agent@ehpad-demo.example"
    laptop = Visitor(site["https"], "127.0.0.30")
    assert laptop.log_in(email).status_code == 302  # the owner's usual browser, before the attack
    assert laptop.post("/deconnexion/", data={"csrfmiddlewaretoken": laptop.csrf(laptop.get("/"))}).status_code == 302

    started = time.monotonic()
    outcomes = [outcome(guess(site, f"127.0.0.{10 + i}", email)) for i in range(20)]
    elapsed = time.monotonic() - started
    tried = outcomes.count("incorrect")
    assert outcomes[:5] == ["incorrect"] * 5
    assert tried <= 9 and outcomes.count("slowed") >= 10, (outcomes, f"{elapsed:.1f} s")

    # A new browser with the right password waits like the guesses; the owner's usual one gets in.
    assert outcome(guess(site, "127.0.0.31", email, "demo-Espace-2026")) == "slowed"
    assert laptop.log_in(email).status_code == 302

    events = query(
        site,
        "SELECT action, host(ip_address) FROM audit_event WHERE target = %s ORDER BY id",
        email,
    )
    slowed_from = {ip for action, ip in events if action == "login_throttled"}
    assert slowed_from and slowed_from <= {f"127.0.0.{10 + i}" for i in range(20)} | {"127.0.0.31"}
    assert ("login_succeeded", "127.0.0.30") in events
    print(f"{tried} of 20 passwords tried in {elapsed:.1f} s: {outcomes}")


def test_m1_1_one_address_trying_many_accounts_is_slowed_not_its_neighbours(site):
    """M1.1 M16.2 (issue 12: one address tried 30 accounts in 9 s without a slowdown)"""
    outcomes = [outcome(guess(site, "127.0.0.40", f"personne{i}@ch-demo.example")) for i in range(15)]
    assert outcomes[:11] == ["incorrect"] * 11 and set(outcomes[11:]) == {"slowed"}, outcomes
    assert outcome(guess(site, "127.0.0.41", "personne0@ch-demo.example")) == "incorrect"
    slowed = query(
        site,
        "SELECT DISTINCT host(ip_address) FROM audit_event WHERE action = 'login_throttled' AND target LIKE 'personne%%'",
    )
    assert slowed == [("127.0.0.40",)]


# --- Headers through the proxy (issue 12, items 5, 6, 7) ------------------------------------------------


def test_asvs_3_3_1_cookies_are_host_prefixed_behind_the_proxy(site):
    """M10 M16.1 (ASVS 3.3.1)"""
    visitor = Visitor(site["https"], "127.0.0.8")
    page = visitor.get("/connexion/")
    assert "__Host-csrftoken" in page.cookies and "csrftoken" not in page.cookies
    assert visitor.log_in("referent@ch-demo.example").status_code == 302
    names = {cookie.name: cookie for cookie in visitor.session.cookies}
    assert {"__Host-sessionid", "__Host-csrftoken", "__Host-appareil"} <= set(names)
    for cookie in names.values():
        assert cookie.secure and cookie.path == "/" and not cookie.domain_specified


def test_asvs_12_5_2_a_download_handed_to_nginx_is_sandboxed(site):
    """M6 M16.1 (ASVS 12.5.2): nginx adds the sandbox the portal's headers lose across X-Accel"""
    visitor = Visitor(site["https"], "127.0.0.9")
    assert visitor.log_in("agent@ch-demo.example").status_code == 302
    link = re.search(r'href="(/telechargements/[0-9a-f-]{36}/)"', visitor.get("/telechargements/").text).group(1)
    whole = visitor.get(link)
    assert whole.status_code == 200 and whole.headers["Content-Disposition"].startswith("attachment")
    policy = whole.headers["Content-Security-Policy"]
    assert "sandbox" in policy and "frame-ancestors 'none'" in policy
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    part = visitor.get(link, headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and "sandbox" in part.headers["Content-Security-Policy"]


@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE"])
def test_asvs_14_5_1_unused_methods_are_refused_by_nginx_and_by_gunicorn(site, method):
    """M10 M16.1 (ASVS 14.5.1; issue 12: TRACE was answered 200 by gunicorn)"""
    through_proxy = Visitor(site["https"], "127.0.0.11").request(method, "/connexion/")
    assert through_proxy.status_code == 405
    direct = requests.request(
        method, f"http://127.0.0.1:{site['web'][0]}/connexion/", headers={"X-Forwarded-Proto": "https"}, timeout=10
    )
    assert direct.status_code == 405 and direct.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert "Méthode non autorisée" in direct.text
