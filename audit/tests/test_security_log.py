"""The security log records who did what, when (UTC) and from where, for each security-relevant
action, and never holds a password, a token or a session id (issue 5, item 4)."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.models import Role
from audit.models import Event
from audit.services import record
from testing.downloads import publish
from testing.personas import PASSWORD
from testing.tickets import file_di

LOGIN = reverse("accounts:login")
NEW_PASSWORD = "une toute nouvelle phrase de passe"
RESET_PASSWORD = "encore une autre phrase de passe"
IP = "203.0.113.7"


def login(client, captcha, email, password):
    return client.post(LOGIN, {"username": email, "password": password, "captcha": captcha()}, REMOTE_ADDR=IP)


def events(action):
    return list(Event.objects.filter(action=action).order_by("created_at", "pk"))


def everything_logged():
    """Every field of every event, as one string."""
    rows = Event.objects.values("action", "actor_email", "target", "data")
    return json.dumps(list(rows), ensure_ascii=False, default=str)


# --- Each action is recorded with who, what, when, from where ---------------------------------


def test_a_successful_login_names_the_account_its_establishment_the_time_in_utc_and_the_address(client, agent, captcha):
    """M10 M1.1"""
    assert login(client, captcha, agent.email, PASSWORD).status_code == 302
    (event,) = events("login_succeeded")
    assert (event.actor, event.actor_email, event.establishment, event.target) == (
        agent,
        agent.email,
        agent.establishment,
        agent.email,
    )
    assert event.ip_address == IP
    assert event.created_at.utcoffset() == timedelta(0)  # stored and read back in UTC


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failed_logins_and_the_lockout_are_recorded_without_the_password_tried(client, agent, captcha):
    """M10 M1.1"""
    for attempt in (1, 2, 3):
        login(client, captcha, agent.email, f"mauvais-mot-de-passe-{attempt}")
    assert login(client, captcha, agent.email, PASSWORD).status_code == 429
    failed = events("login_failed")
    assert len(failed) >= 2 and {e.target for e in failed} == {agent.email}
    assert all(e.ip_address == IP and e.actor is None for e in failed)
    locked = events("login_locked_out")
    assert locked and all(e.target == agent.email and e.ip_address == IP for e in locked)
    logged = everything_logged()
    assert "mauvais-mot-de-passe" not in logged and PASSWORD not in logged


def test_a_password_reset_is_recorded_without_its_token(client, agent, captcha):
    """M10 M1.2"""
    client.post(reverse("accounts:password_reset"), {"email": agent.email, "captcha": captcha()}, REMOTE_ADDR=IP)
    link = re.search(r"http://\S+/mot-de-passe/(\S+)/(\S+)/", mail.outbox[0].body)
    uidb64, token = link.group(1), link.group(2)
    form_url = client.get(link.group(0), REMOTE_ADDR=IP).url
    response = client.post(form_url, {"new_password1": RESET_PASSWORD, "new_password2": RESET_PASSWORD}, REMOTE_ADDR=IP)
    assert response.status_code == 302
    (requested,) = events("password_reset_requested")
    (completed,) = events("password_reset_completed")
    for event in (requested, completed):
        assert (event.target, event.establishment, event.ip_address) == (agent.email, agent.establishment, IP)
    logged = everything_logged()
    assert token not in logged and f"{uidb64}/{token}" not in logged and RESET_PASSWORD not in logged


def test_a_profile_and_password_change_is_recorded_without_either_password(client, agent):
    """M10 M2.3"""
    client.force_login(agent)
    data = {
        "last_name": "Agent",
        "first_name": "Alice",
        "email": agent.email,
        "phone": "",
        "function": "Cadre de santé",
        "current_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    assert client.post(reverse("accounts:profile_edit"), data, REMOTE_ADDR=IP).status_code == 302
    assert {e.action for e in Event.objects.filter(actor=agent)} >= {"password_changed", "profile_updated"}
    assert all(e.ip_address == IP for e in Event.objects.filter(actor=agent))
    logged = everything_logged()
    assert NEW_PASSWORD not in logged and PASSWORD not in logged


def test_profile_changes_deactivation_and_activation_by_an_administrator_are_recorded(client, est_admin, colleague):
    """M10 M4.2 M4.4"""
    client.force_login(est_admin)
    client.post(
        reverse("collaborators:change_role", args=[colleague.pk]), {"profil-role": Role.REFERENT}, REMOTE_ADDR=IP
    )
    client.post(reverse("collaborators:deactivate", args=[colleague.pk]), REMOTE_ADDR=IP)
    client.post(reverse("collaborators:activate", args=[colleague.pk]), REMOTE_ADDR=IP)
    recorded = Event.objects.filter(actor=est_admin).order_by("created_at", "pk")
    assert [e.action for e in recorded] == ["role_changed", "user_deactivated", "user_activated"]
    for event in recorded:
        assert (event.target, event.establishment, event.ip_address) == (colleague.email, est_admin.establishment, IP)
    assert recorded[0].data == {"old": Role.AGENT, "new": Role.REFERENT}


def test_a_reassignment_from_the_di_page_is_recorded_with_the_address_it_came_from(client, est_admin, agent, colleague):
    """M10 M3.4 M4.3"""
    ticket = file_di(agent)
    client.force_login(est_admin)
    response = client.post(
        reverse("support:reassign", args=[ticket.number]), {"reassign-new_owner": colleague.pk}, REMOTE_ADDR=IP
    )
    assert response.status_code == 302
    (event,) = events("ticket_reassigned")
    assert (event.actor, event.target, event.establishment, event.ip_address) == (
        est_admin,
        ticket.number,
        ticket.establishment,
        IP,
    )
    assert event.data == {"previous_owner": agent.email, "new_owner": colleague.email}


def test_a_download_is_recorded(client, agent, products):
    """M10 M6"""
    download = publish(products["software"], "Guide d'installation")
    client.force_login(agent)
    response = client.get(reverse("downloads:download", args=[download.uuid]), REMOTE_ADDR=IP)
    assert response.status_code == 200
    (event,) = events("download")
    assert (event.actor, event.establishment, event.ip_address) == (agent, agent.establishment, IP)
    assert "Guide d'installation" in event.target


def test_a_refusal_on_another_establishments_di_is_recorded_with_the_path_and_the_status(client, agent, other_agent):
    """M10 M3.4"""
    theirs = file_di(other_agent)
    client.force_login(agent)
    path = reverse("support:detail", args=[theirs.number])
    assert client.get(path + "?onglet=1", REMOTE_ADDR=IP).status_code == 404
    (event,) = events("access_refused")
    assert (event.actor, event.establishment, event.target, event.ip_address) == (agent, agent.establishment, path, IP)
    assert event.data == {
        "status": 404,
        "method": "GET",
        "view": "support:detail",
        "route": "/support/dis/<str:number>/",
    }


def test_a_403_on_a_tenant_page_is_recorded(client, agent, colleague):
    """M10 M4.4"""
    client.force_login(agent)
    assert client.post(reverse("collaborators:deactivate", args=[colleague.pk]), REMOTE_ADDR=IP).status_code == 403
    (event,) = events("access_refused")
    assert event.data["status"] == 403 and event.data["view"] == "collaborators:deactivate"


def test_anonymous_visitors_and_pages_outside_the_tenant_areas_are_not_recorded_as_refusals(client, agent, db):
    """M10"""
    client.get(reverse("support:detail", args=["DI-2026-999999"]))  # anonymous: sent to the login page
    client.force_login(agent)
    client.get("/nulle-part/")
    client.get(reverse("accounts:password_reset_confirm", args=["MQ", "jeton-invente"]))
    assert not Event.objects.filter(action="access_refused").exists()


def test_no_event_ever_holds_a_password_a_token_or_a_session_id(client, agent, est_admin, colleague, captcha):
    """M10: the whole sequence, then every event is searched for each secret that went by."""
    secrets = [PASSWORD, NEW_PASSWORD]
    login(client, captcha, agent.email, "mauvais-mot-de-passe-3")
    login(client, captcha, agent.email, PASSWORD)
    secrets += [client.session.session_key, client.cookies["csrftoken"].value if "csrftoken" in client.cookies else ""]
    client.post(reverse("accounts:logout"))
    client.post(reverse("accounts:password_reset"), {"email": agent.email, "captcha": captcha()})
    link = re.search(r"http://\S+/mot-de-passe/(\S+)/(\S+)/", mail.outbox[-1].body)
    secrets.append(link.group(2))
    form_url = client.get(link.group(0)).url
    secrets.append(form_url.rstrip("/").rsplit("/", 1)[-1])  # Django's session marker (« set-password »)
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    login(client, captcha, est_admin.email, PASSWORD)
    secrets.append(client.session.session_key)
    client.post(reverse("collaborators:deactivate", args=[colleague.pk]))
    client.get(reverse("support:detail", args=["DI-2026-000404"]))
    secrets = [s for s in secrets if s and s != "set-password"]
    assert set(Event.objects.values_list("action", flat=True)) == {
        "login_failed",
        "login_succeeded",
        "password_reset_requested",
        "password_reset_completed",
        "user_deactivated",
        "access_refused",
    }
    logged = everything_logged()
    for secret in secrets:
        assert secret not in logged


def test_a_detail_named_like_a_secret_is_refused_by_construction(db):
    """M10"""
    for key in ("password", "reset_token", "session_key", "csrf"):
        with pytest.raises(ValueError):
            record("anything", **{key: "x"})
    assert not Event.objects.exists()
