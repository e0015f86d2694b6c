"""Security headers and deployment checks (issue 5, item 5).

Every kind of response carries the same protective headers: HTML pages, private files
(attachments and downloads, whole or in part), error pages (400, 403, 404, 405, 500, CSRF) and
htmx fragments. Production settings add HSTS and secure cookies, pass ``check --deploy`` and
expose no debug or documentation endpoint; error pages are French and show no trace.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, override_settings
from django.urls import include, path, reverse

from support.models import Attachment
from testing.clients import CommitClient
from testing.downloads import publish
from testing.tickets import PDF, file_di, pdf

ROOT = Path(__file__).resolve().parents[1]


# --- A test-only URL configuration: the project's URLs plus views that fail on purpose ---------


def _boom(request):
    raise RuntimeError("échec volontaire du test")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("__test__/erreur/", _boom),
    path("__test__/interdit/", _forbidden),
    path("", include("config.urls")),
]
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"


# --- What every response must carry ---------------------------------------------------------------

CSP_REQUIRED = ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'")


def csp_directives(response):
    header = response.get("Content-Security-Policy", "")
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}, header


def assert_protected(response, where, *, private):
    directives, header = csp_directives(response)
    assert header, f"{where}: no Content-Security-Policy"
    for required in CSP_REQUIRED:
        assert required in header, f"{where}: CSP lacks {required}"
    assert "'unsafe-inline'" not in header and "'unsafe-eval'" not in header, f"{where}: {header}"
    for directive in ("script-src", "style-src"):
        sources = directives.get(directive, directives["default-src"])
        assert not {"*", "data:", "http:", "https:", "blob:"} & set(sources), f"{where}: {directive} {sources}"
    assert response.get("X-Content-Type-Options") == "nosniff", f"{where}: no nosniff"
    assert response.get("Referrer-Policy") == "same-origin", f"{where}: Referrer-Policy"
    assert response.get("X-Frame-Options") == "DENY", f"{where}: X-Frame-Options"
    if private:
        cache_control = response.get("Cache-Control", "")
        assert "no-store" in cache_control and "private" in cache_control, f"{where}: Cache-Control {cache_control!r}"


def signed_in(user):
    client = CommitClient()
    client.force_login(user)
    return client


@pytest.fixture
def ticket(agent):
    return file_di(agent, subject="Les bulletins ne s'éditent plus", description="Depuis ce matin.", files=[pdf()])


# --- HTML pages -------------------------------------------------------------------------------------

PUBLIC_PAGES = ["accounts:login", "accounts:password_reset", "accounts:account_request", "portal:liveness"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_carry_the_security_headers(client, name):
    """M10"""
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_protected(response, name, private=False)


@pytest.mark.django_db
def test_pages_load_no_third_party_asset(client):
    """M10"""
    body = client.get(reverse("accounts:login")).content.decode()
    for url in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert not url.startswith(("http://", "https://", "//")), url


CLIENT_PAGES = [
    "portal:home",
    "portal:news",
    "portal:help",
    "accounts:profile",
    "accounts:profile_edit",
    "support:create",
    "support:list",
    "collaborators:list",
    "collaborators:establishment",
    "downloads:list",
]


@pytest.mark.parametrize("name", CLIENT_PAGES)
def test_signed_in_pages_carry_the_security_headers_and_are_never_stored(agent, name):
    """M10"""
    response = signed_in(agent).get(reverse(name))
    assert response.status_code == 200
    assert_protected(response, name, private=True)


def test_di_desk_and_back_office_pages_are_never_stored(agent, support, vendor_admin, ticket):
    """M3.4 M8.1 M8.2 M10"""
    pages = [
        (agent, reverse("support:detail", args=[ticket.number])),
        (agent, reverse("support:cancel", args=[ticket.number])),
        (support, reverse("desk:list")),
        (support, reverse("desk:detail", args=[ticket.number])),
        (support, reverse("desk:satisfaction")),
        (vendor_admin, reverse("admin:index")),
        (vendor_admin, reverse("admin:support_ticket_change", args=[ticket.pk])),
    ]
    for user, url in pages:
        response = signed_in(user).get(url)
        assert response.status_code == 200, url
        assert_protected(response, url, private=True)


def test_htmx_fragments_carry_the_same_headers(agent, client):
    """M2.5 M10"""
    url = reverse("support:dashboard")
    fragment = signed_in(agent).get(url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert_protected(fragment, "dashboard fragment", private=True)
    expired = client.get(url, HTTP_HX_REQUEST="true")
    assert expired.status_code == 200 and "HX-Redirect" in expired
    assert_protected(expired, "dashboard fragment, session expired", private=False)


@pytest.mark.django_db
def test_static_files_carry_the_headers(client):
    """M10"""
    response = client.get("/static/portal/portal.css")
    assert response.status_code == 200
    assert_protected(response, "static file", private=False)


def test_the_lockout_page_carries_the_headers(client, agent, captcha):
    """M1.1 M10"""
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(
            reverse("accounts:login"), {"username": agent.email, "password": "mauvais", "captcha": captcha()}
        )
    assert response.status_code == 429
    assert_protected(response, "lockout", private=False)


# --- Files ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers,status",
    [({}, 200), ({"HTTP_RANGE": "bytes=0-9"}, 206), ({"HTTP_RANGE": "bytes=999999-"}, 416)],
    ids=["whole", "range", "unsatisfiable"],
)
def test_attachments_are_served_as_private_attachments_with_the_headers(agent, ticket, headers, status):
    """M3.4 M10"""
    attachment = Attachment.objects.get(ticket=ticket)
    response = signed_in(agent).get(reverse("support:attachment", args=[ticket.number, attachment.uuid]), **headers)
    assert response.status_code == status
    assert_protected(response, f"attachment {status}", private=True)
    if status != 416:
        assert response["Content-Disposition"].startswith("attachment;")
        b"".join(response.streaming_content)


@pytest.mark.parametrize("mode", ["django", "x-accel"])
def test_downloads_are_served_as_private_attachments_with_the_headers(agent, products, settings, mode):
    """M6 M10"""
    settings.FILE_SERVE_MODE = mode
    guide = publish(products["software"], "Guide", filename="guide.pdf", content=PDF)
    response = signed_in(agent).get(reverse("downloads:download", args=[guide.uuid]))
    assert response.status_code == 200
    assert_protected(response, f"download ({mode})", private=True)
    assert response["Content-Disposition"].startswith("attachment;")
    if mode == "django":
        b"".join(response.streaming_content)


# --- Error pages -------------------------------------------------------------------------------------------


def assert_french_error_page(response, status, title):
    body = response.content.decode()
    assert response.status_code == status
    assert '<html lang="fr"' in body and title in body, body[:300]
    for trace in ("Traceback", "RuntimeError", "échec volontaire", 'File "', "Request Method", "DEBUG = True"):
        assert trace not in body, f"{status}: the page shows « {trace} »"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_unexpected_error_is_a_french_500_without_trace_and_with_the_headers():
    """M10"""
    client = Client(raise_request_exception=False)
    response = client.get("/__test__/erreur/")
    assert_french_error_page(response, 500, "Erreur du serveur")
    assert_protected(response, "500", private=False)


@override_settings(ROOT_URLCONF=__name__)
def test_an_unexpected_error_of_a_signed_in_user_is_not_stored(agent):
    """M10"""
    client = Client(raise_request_exception=False)
    client.force_login(agent)
    response = client.get("/__test__/erreur/")
    assert_french_error_page(response, 500, "Erreur du serveur")
    assert_protected(response, "500 signed in", private=True)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_permission_denied_is_a_french_403_with_the_headers(client):
    """M10"""
    response = client.get("/__test__/interdit/")
    assert_french_error_page(response, 403, "Accès refusé")
    assert_protected(response, "403", private=False)


@pytest.mark.django_db
def test_an_unknown_page_is_a_french_404_with_the_headers(client):
    """M10"""
    response = client.get("/nexiste-pas/")
    assert_french_error_page(response, 404, "Page introuvable")
    assert_protected(response, "404", private=False)


def test_a_refusal_on_a_tenant_object_carries_the_headers(other_agent, ticket):
    """M3.4 M10"""
    response = signed_in(other_agent).get(reverse("support:detail", args=[ticket.number]))
    assert response.status_code == 404
    assert_protected(response, "404 on another establishment's DI", private=True)
    response = signed_in(other_agent).get(reverse("desk:list"))
    assert response.status_code == 403
    assert_protected(response, "403 on the desk", private=True)


@pytest.mark.django_db
def test_a_foreign_host_is_a_french_400_with_the_headers(client):
    """M10"""
    response = client.get(reverse("accounts:login"), HTTP_HOST="evil.example")
    assert_french_error_page(response, 400, "Requête invalide")
    assert_protected(response, "400", private=False)


def test_a_nul_byte_in_the_address_is_a_french_400_with_the_headers(agent):
    """M10"""
    response = signed_in(agent).get("/support/dis/", {"q": "a\x00b"})
    assert_french_error_page(response, 400, "Requête invalide")
    assert_protected(response, "400 NUL", private=True)


@pytest.mark.django_db
def test_a_wrong_method_carries_the_headers(client):
    """M10"""
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert_protected(response, "405", private=False)


@pytest.mark.django_db
def test_a_failed_csrf_check_is_a_french_403_with_the_headers():
    """M10"""
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "a@b.example", "password": "x"})
    assert response.status_code == 403
    assert_french_error_page(response, 403, "Formulaire expiré")
    assert "CSRF" not in response.content.decode()
    assert_protected(response, "CSRF 403", private=False)


def test_debug_is_off_and_no_debug_or_documentation_endpoint_is_mounted(vendor_admin):
    """M10"""
    client = signed_in(vendor_admin)  # the back office's own catch-all sends anonymous users to its login
    assert settings.DEBUG is False
    assert "django.contrib.admindocs" not in settings.INSTALLED_APPS
    for app in ("debug_toolbar", "django_extensions", "silk", "django_browser_reload"):
        assert app not in settings.INSTALLED_APPS
    for url in (
        "/__debug__/",
        "/back-office/doc/",
        "/admin/",
        "/media/",
        "/silk/",
        "/__reload__/",
        "/banc-essai/fixe/",  # the benchmark's views: only under bench.server_settings
    ):
        response = client.get(url)
        assert response.status_code == 404, url


# --- Production settings (a fresh process with ESPACE_PRODUCTION=1) ----------------------------------

PRODUCTION_ENV = {
    "ESPACE_PRODUCTION": "1",
    "SECRET_KEY": "only-for-tests-" + "abcdefghijklmnopqrstuvwxyz0123456789" * 2,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/espace_clients",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp://127.0.0.1:25",
    "ALLOWED_HOSTS": "espaceclients.example",
    "SITE_URL": "https://espaceclients.example",
}


def production(args, **overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", *PRODUCTION_ENV)
    }
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="config.settings", **overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_passes_with_production_settings():
    """M10"""
    result = production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_if_debug_is_turned_on_in_production():
    """M10"""
    result = production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], DEBUG="1")
    assert result.returncode != 0 and "security.W018" in result.stdout + result.stderr


# Requests served in a fresh production process; none touches the database.
PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(raise_request_exception=False, HTTP_HOST="espaceclients.example")
out = {
    "settings": {
        name: getattr(settings, name, None)
        for name in (
            "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
            "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
            "SECURE_CONTENT_TYPE_NOSNIFF", "X_FRAME_OPTIONS",
        )
    },
    "apps": list(settings.INSTALLED_APPS),
}
plain = client.get("/aide/")
out["http"] = [plain.status_code, plain.get("Location")]
out["health_http"] = [client.get("/sante/").status_code, client.get("/sante/pret/").status_code]
secure = client.get("/sante/", secure=True)
out["https"] = [secure.status_code, secure.get("Strict-Transport-Security")]
proxied = client.get("/sante/", HTTP_X_FORWARDED_PROTO="https")
out["proxied"] = [proxied.status_code, proxied.get("Strict-Transport-Security")]
login = client.get("/connexion/", secure=True)
cookie = login.cookies.get(settings.CSRF_COOKIE_NAME)
out["csrf_cookie"] = {"secure": bool(cookie and cookie["secure"]), "samesite": cookie and cookie["samesite"]}
out["cookie_names"] = [settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_DOMAIN, settings.CSRF_COOKIE_DOMAIN]
out["cookie_path"] = cookie and cookie["path"]
out["login_headers"] = {k: login.get(k) for k in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")}
out["pages"] = {}
for path in (
    "/__debug__/", "/admin/", "/admin/doc/", "/media/", "/static/../config/settings.py", "/nexiste-pas/",
    "/banc-essai/fixe/", "/banc-essai/une-ligne/1/",
):
    response = client.get(path, secure=True)
    out["pages"][path] = [response.status_code, response.content.decode(errors="replace")]
doc = client.get("/back-office/doc/", secure=True)
out["back_office_doc"] = [doc.status_code, doc.get("Location")]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    # Production serves hashed static files: collect them first, as the deployment does.
    static_root = str(tmp_path_factory.mktemp("static"))
    collected = production(["manage.py", "collectstatic", "--noinput", "-v", "0"], STATIC_ROOT=static_root)
    assert collected.returncode == 0, collected.stderr
    result = production(["-c", PROBE], STATIC_ROOT=static_root)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_turns_debug_off_and_cookies_secure(probe):
    """M10"""
    values = probe["settings"]
    assert values["DEBUG"] is False
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert probe["csrf_cookie"] == {"secure": True, "samesite": "Lax"}


def test_asvs_3_3_1_production_cookies_are_host_prefixed(probe):
    """M10 (ASVS 3.3.1): __Host- names, Secure, Path=/, no Domain"""
    assert probe["cookie_names"] == ["__Host-sessionid", "__Host-csrftoken", None, None]
    assert probe["cookie_path"] == "/"


def test_production_sends_hsts_over_https_and_redirects_plain_http(probe):
    """M10"""
    assert probe["http"] == [301, "https://espaceclients.example/aide/"]
    # The health checks answer over plain HTTP (container healthchecks, load balancers): M16.1.
    assert probe["health_http"][0] == 200 and probe["health_http"][1] in (200, 503)
    status, hsts = probe["https"]
    assert status == 200 and hsts == "max-age=31536000; includeSubDomains; preload"
    assert probe["proxied"] == probe["https"]
    headers = probe["login_headers"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["Referrer-Policy"] == "same-origin"


def test_production_mounts_no_debug_documentation_or_media_endpoint(probe):
    """M10"""
    assert "django.contrib.admindocs" not in probe["apps"]
    for app in ("debug_toolbar", "django_extensions", "silk", "django_browser_reload"):
        assert app not in probe["apps"]
    # Anonymous users are sent to the back office's login by its catch-all, as for any unknown
    # back-office address; signed in, it is a 404 (test_debug_is_off_and_no_debug_…).
    status, location = probe["back_office_doc"]
    assert status == 302 and location.endswith("?next=/back-office/doc/")
    for url, (status, body) in probe["pages"].items():
        assert status == 404, url
        assert '<html lang="fr"' in body and "Page introuvable" in body, url
        assert "Traceback" not in body and "Using the URLconf" not in body, url


def test_the_policy_is_the_one_django_csp_builds_and_follows_the_settings(agent, settings):
    """M10: the policy built once per settings (core.middleware.CSPMiddleware) is django-csp's"""
    from csp.utils import build_policy

    client = signed_in(agent)
    assert client.get(reverse("portal:home"))["Content-Security-Policy"] == build_policy()
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    response = client.get(reverse("portal:home"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Content-Security-Policy-Report-Only"] == build_policy(report_only=True)
    assert "img-src 'self'" in response["Content-Security-Policy-Report-Only"]


def test_a_signed_in_page_carries_django_s_never_cache_headers_exactly(agent):
    """M10: the headers written directly are the ones add_never_cache_headers writes"""
    from django.http import HttpResponse
    from django.utils.cache import add_never_cache_headers, patch_cache_control

    expected = HttpResponse()
    add_never_cache_headers(expected)
    patch_cache_control(expected, private=True)
    response = signed_in(agent).get(reverse("portal:home"))
    assert response["Cache-Control"] == expected["Cache-Control"]
    assert response["Expires"][-3:] == "GMT" and len(response["Expires"]) == len(expected["Expires"])
