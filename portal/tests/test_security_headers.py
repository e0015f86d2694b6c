import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_public_pages_send_a_strict_csp_and_the_usual_headers(client):
    """M10"""
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_authenticated_pages_are_not_stored(client, agent):
    """M10"""
    client.force_login(agent)
    response = client.get(reverse("portal:home"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_pages_load_no_third_party_asset(client):
    """M10"""
    body = client.get(reverse("accounts:login")).content.decode()
    import re

    for url in re.findall(r'(?:src|href)="([^"]+)"', body):
        assert not url.startswith(("http://", "https://", "//")), url


@pytest.mark.django_db
def test_unknown_page_gets_a_french_404_without_trace(client):
    """M10"""
    response = client.get("/nexiste-pas/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page introuvable" in body and "Traceback" not in body


@pytest.mark.django_db
def test_server_error_page_is_french(client, rf):
    """M10"""
    from portal.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "Erreur du serveur" in response.content.decode()
