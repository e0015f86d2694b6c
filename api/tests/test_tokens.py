"""Personal and integration tokens, rate limit, Idempotency-Key (M15.2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from api.models import ApiToken
from support.models import Status, Ticket
from testing.api import api_client, token_for
from testing.tickets import contract_of, file_di

pytestmark = pytest.mark.django_db


def test_a_personal_token_is_made_in_my_profile_shown_once_and_stored_hashed(client, agent):
    """M15.2"""
    client.force_login(agent)
    assert "Mes jetons d'API" in client.get("/mon-profil/").content.decode()
    response = client.post("/mon-profil/jetons/", {"name": "Tableau interne", "can_write": "on", "days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    page = response.content.decode()
    secret = page.split('id="jeton-secret" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith(f"ec_{token.prefix}_") and len(secret) > 40
    assert secret not in (token.digest, token.prefix) and token.user == agent and token.can_write
    assert secret not in client.get("/mon-profil/jetons/").content.decode()  # never shown again
    assert api_client(secret=secret).get("/api/v1/dis/").status_code == 200


def test_the_list_shows_name_scopes_expiry_and_last_use(client, agent):
    """M15.2"""
    token, secret = token_for(agent, write=False)
    api_client(secret=secret).get("/api/v1/dis/")
    token.refresh_from_db()
    assert token.last_used_at is not None
    client.force_login(agent)
    page = client.get("/mon-profil/jetons/").content.decode()
    assert "Intégration de test" in page and "lecture seule" in page
    assert timezone.localtime(token.expires_at).strftime("%d/%m/%Y") in page  # the page's zone, not UTC


def test_a_revoked_token_stops_at_once(client, agent):
    """M15.2"""
    token, secret = token_for(agent)
    client.force_login(agent)
    assert client.post(f"/jetons/{token.pk}/revoquer/").status_code == 302
    response = api_client(secret=secret).get("/api/v1/dis/")
    assert response.status_code == 401
    assert response.json()["erreur"]["message"] == "Jeton invalide, expiré ou révoqué."


def test_someone_elses_token_cannot_be_revoked(client, agent, colleague):
    """M15.2"""
    token, _secret = token_for(agent)
    client.force_login(colleague)
    assert client.post(f"/jetons/{token.pk}/revoquer/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_an_expired_or_unknown_token_is_refused(agent):
    """M15.2"""
    token, secret = token_for(agent)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client(secret=secret).get("/api/v1/dis/").status_code == 401
    assert api_client(secret=secret[:-2] + "zz").get("/api/v1/dis/").status_code == 401


def test_a_read_only_token_cannot_act(agent):
    """M15.2"""
    ticket = file_di(agent)
    response = api_client(agent, write=False).post(
        f"/api/v1/dis/{ticket.number}/annuler/", {"reason": "x"}, "application/json"
    )
    assert response.status_code == 403
    assert "lecture" in response.json()["erreur"]["message"]
    ticket.refresh_from_db()
    assert ticket.status == Status.TO_PROCESS


def test_a_deactivated_account_is_refused_on_the_next_call(agent):
    """M15.2"""
    client = api_client(agent)
    assert client.get("/api/v1/dis/").status_code == 200
    agent.is_active = False
    agent.save()
    assert client.get("/api/v1/dis/").status_code == 401


def test_a_changed_profile_applies_on_the_next_call(agent, support):
    """M15.2"""
    ticket = file_di(agent)
    client = api_client(support)
    support.role = Role.SUPPORT_LEGAL  # now on the other team: may not take a software DI
    support.save()
    response = client.post(f"/api/v1/guichet/dis/{ticket.number}/prendre/")
    assert response.status_code == 403


def test_the_vendor_administrator_makes_an_integration_token_for_a_staff_account(client, vendor_admin, support):
    """M15.2"""
    client.force_login(vendor_admin)
    response = client.post(
        "/jetons-integration/", {"name": "ERP", "owner": support.pk, "can_write": "on", "days": "365"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    assert token.kind == ApiToken.Kind.INTEGRATION and token.user == support and token.created_by == vendor_admin
    secret = response.content.decode().split('readonly value="')[1].split('"')[0]
    assert api_client(secret=secret).get("/api/v1/guichet/dis/").status_code == 200


def test_only_the_vendor_administrator_reaches_the_integration_tokens(client, support, est_admin):
    """M15.2"""
    for user in (support, est_admin):
        client.force_login(user)
        assert client.get("/jetons-integration/").status_code == 403


def test_past_the_rate_limit_a_token_gets_429_and_retry_after(agent, settings):
    """M15.2"""
    settings.API_RATE_PER_MINUTE = 2
    client = api_client(agent)
    assert [client.get("/api/v1/dis/").status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/dis/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["erreur"]["code"] == "trop_de_requetes"
    assert api_client(agent).get("/api/v1/dis/").status_code == 200  # another token has its own budget


def test_an_idempotency_key_files_once_and_replays_the_answer(agent):
    """M15.2"""
    client = api_client(agent)
    body = {"contract": contract_of(agent.establishment).pk, "subject": "Une fois", "description": "Une seule"}
    first = client.post("/api/v1/dis/", body, "application/json", HTTP_IDEMPOTENCY_KEY="cle-1")
    again = client.post("/api/v1/dis/", body, "application/json", HTTP_IDEMPOTENCY_KEY="cle-1")
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"] and again["Idempotent-Replayed"] == "true"
    assert Ticket.objects.count() == 1
    other = client.post("/api/v1/dis/", {**body, "subject": "Autre"}, "application/json", HTTP_IDEMPOTENCY_KEY="cle-1")
    assert other.status_code == 422 and Ticket.objects.count() == 1
    assert client.post("/api/v1/dis/", body, "application/json").status_code == 201  # no key: files again


def test_an_idempotency_key_on_a_body_that_is_not_an_object_gets_a_french_400(agent):
    """M15.2 M15.6: a number, a list or a string sent as the body is refused as such, never a 500"""
    client = api_client(agent)
    for number, body in enumerate(("3.5", "[1, 2]", '"texte"')):
        response = client.post("/api/v1/dis/", body, "application/json", HTTP_IDEMPOTENCY_KEY=f"cle-{number}")
        assert response.status_code == 400, body
        assert response.json()["erreur"]["message"]
    assert Ticket.objects.count() == 0


def test_an_account_moved_to_the_vendor_loses_the_client_routes_on_the_next_call(est_admin):
    """M15.2"""
    client = api_client(est_admin)
    assert client.get("/api/v1/dis/").status_code == 200
    est_admin.role = Role.SUPPORT_SOFTWARE
    est_admin.establishment = None
    est_admin.save()
    assert client.get("/api/v1/dis/").status_code == 403  # no longer a client
