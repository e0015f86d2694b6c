"""Unused HTTP methods are refused before any view (issue 12, item 7)."""

import pytest
from django.test import Client

PATHS = [
    "/connexion/",
    "/mot-de-passe-oublie/",
    "/",
    "/support/",
    "/static/altcha/altcha.min.js",
    "/back-office/",
    "/nexiste-pas/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["TRACE", "TRACK", "PUT", "DELETE", "PATCH", "CONNECT", "PROPFIND"])
def test_asvs_14_5_1_unused_methods_are_answered_405_everywhere(method, agent):
    """M10 (ASVS 14.5.1): public, signed-in, static, back office, unknown paths alike"""
    signed_in = Client()
    signed_in.force_login(agent)
    for client in (Client(), signed_in):
        for path in PATHS:
            response = client.generic(method, path, HTTP_X_ECHO="secret")
            assert response.status_code == 405, f"{method} {path}: {response.status_code}"
            assert response["Allow"] == "GET, HEAD, POST, OPTIONS"
            body = response.content.decode()
            assert "Méthode non autorisée" in body and "secret" not in body
            assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_the_methods_in_use_still_work(client):
    """M10"""
    assert client.get("/connexion/").status_code == 200
    assert client.head("/connexion/").status_code == 200
    assert client.options("/connexion/").status_code == 200
