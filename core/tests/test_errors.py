"""Errors reported to Sentry without personal data (M16.7): a real sentry_sdk client with the
portal's scrubbing, a transport that keeps the events in memory (no network)."""

import json

import pytest
import sentry_sdk
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import path
from sentry_sdk.transport import Transport

from core.errors import FILTERED, init_sentry
from testing.production import run_in_production

PASSWORD = "Mot-de-passe-tres-secret-42"
TOKEN = "ckq7x-0123456789abcdef0123456789abcdef"
BODY = "Bonjour, voici le contenu confidentiel du message"
ATTACHMENT = b"%PDF-1.4 contenu-de-la-piece-jointe-confidentielle"
ADDRESS = "jeanne.martin@ch-exemple.fr"
SESSION = "sessionvaleursecrete0123456789"
CSRF = "csrfvaleursecrete0123456789abcdefABCDEF0123456789abcdef"


class CapturingTransport(Transport):
    """Keeps every envelope; sends nothing anywhere."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)

    def events(self):
        return [item.payload.json for env in self.envelopes for item in env.items if item.type == "event"]


def failing_view(request):
    """A view that fails with secrets in its local variables, as a real bug would."""
    password = request.POST.get("password")
    email_body = request.POST.get("body")
    upload = request.FILES.get("piece")
    attachment_content = upload.read() if upload else b""
    reset_token = TOKEN
    recipient = ADDRESS
    raise RuntimeError(f"échec de l'envoi à {recipient}")  # noqa: B018 (the locals above are the point)
    return HttpResponse(password + email_body + reset_token + str(attachment_content))


def logging_view(request):
    import logging

    logging.getLogger("espace.test").error("Échec pour %s avec le jeton %s", ADDRESS, TOKEN)
    return HttpResponse("ok")


urlpatterns = [path("boum/", failing_view), path("journal/", logging_view)]


@pytest.fixture
def sentry():
    transport = CapturingTransport()
    init_sentry("https://clef@sentry.example.invalid/1", environment="test", transport=transport)
    yield transport
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: reporting off again for the tests that follow


def everything(transport):
    return json.dumps([item.payload.json for env in transport.envelopes for item in env.items], ensure_ascii=False)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_unhandled_error_reaches_sentry_without_secrets_or_personal_data(sentry):
    """M16.7: passwords, tokens, session and CSRF cookies, e-mail bodies, attachments, e-mail
    addresses and the client's address are scrubbed; the error itself is reported"""
    client = Client(raise_request_exception=False, enforce_csrf_checks=False)
    client.cookies["sessionid"] = SESSION
    client.cookies["csrftoken"] = CSRF
    response = client.post(
        "/boum/?token=" + TOKEN,
        {"password": PASSWORD, "body": BODY, "piece": SimpleUploadedFile("piece.pdf", ATTACHMENT)},
        HTTP_X_FORWARDED_FOR="198.51.100.23",
        HTTP_AUTHORIZATION="Bearer " + TOKEN,
        REMOTE_ADDR="198.51.100.24",
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    events = sentry.events()
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    # The trace still names the variables and the fields, never their values.
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "failing_view"
    assert frame["vars"]["password"] == FILTERED and frame["vars"]["email_body"] == FILTERED
    assert frame["vars"]["attachment_content"] == FILTERED and frame["vars"]["reset_token"] == FILTERED
    sent = everything(sentry)
    for secret in (
        PASSWORD,
        TOKEN,
        BODY,
        ATTACHMENT.decode(),
        SESSION,
        CSRF,
        ADDRESS,
        "198.51.100.23",
        "198.51.100.24",
    ):
        assert secret not in sent, secret
    assert "échec de l'envoi à [adresse]" in sent


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_an_error_logged_by_the_portal_is_reported_masked(sentry):
    """M16.7: a logged error (logging integration) keeps its message, not the address or token values"""
    assert Client().get("/journal/").status_code == 200
    sentry_sdk.flush()
    sent = everything(sentry)
    assert "Échec pour" in sent
    assert ADDRESS not in sent and TOKEN not in sent


@pytest.mark.django_db
def test_a_password_link_is_reported_by_its_route(sentry):
    """M16.7: the token of a password link never leaves in the URL"""
    from core.errors import scrub

    event = {"request": {"url": f"https://espace.example/mot-de-passe/MQ/{TOKEN}/", "method": "GET"}}
    assert scrub(event)["request"]["url"] == "https://espace.example/mot-de-passe/<uidb64>/<token>/"


def test_reporting_is_off_without_a_dsn_and_on_with_one():
    """M16.7: SENTRY_DSN alone turns it on, in a production process"""
    probe = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.get_client().is_active())"
    off = run_in_production(["-c", probe])
    on = run_in_production(["-c", probe], SENTRY_DSN="https://clef@sentry.example.invalid/1")
    assert (off.returncode, on.returncode) == (0, 0), off.stderr + on.stderr
    assert (off.stdout.strip(), on.stdout.strip()) == ("False", "True")
