"""core.middleware.FrenchMiddleware: the portal's one language activated for every request."""

from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import trans_real

from core.middleware import FrenchMiddleware


def test_every_request_runs_in_the_portal_s_language_activated_without_negotiation(settings):
    """M10: LANGUAGE_CODE is active in the view (no fallback lookup), whatever the browser asks"""
    seen = {}

    def view(request):
        seen["active"] = getattr(trans_real._active, "value", None)
        seen["language"] = translation.get_language()
        return HttpResponse("ok")

    translation.deactivate_all()
    translation.deactivate()
    request = RequestFactory().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    response = FrenchMiddleware(view)(request)
    assert seen["active"] is not None and seen["language"] == settings.LANGUAGE_CODE == "fr"
    assert request.LANGUAGE_CODE == "fr"
    assert "Vary" not in response and "Content-Language" not in response


def test_a_page_asked_in_english_answers_in_french(client):
    """M10"""
    response = client.get("/connexion/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Mot de passe" in response.content.decode()
    assert "Accept-Language" not in response.get("Vary", "")
