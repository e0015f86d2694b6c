"""A new e-mail address takes effect only once confirmed from the link sent to it (issue 12, item 2;
GLPI CVE-2023-28632: an address changed without confirmation)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailChange, User
from audit.models import Event
from testing.clients import CommitClient
from testing.personas import PASSWORD

EDIT = reverse("accounts:profile_edit")
PROFILE = reverse("accounts:profile")
LOGIN = reverse("accounts:login")
NEW = "alice.nouvelle@alpha.example"


def ask(client, user, email=NEW):
    client.force_login(user)
    data = {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": email,
        "phone": user.phone,
        "function": user.function,
        "current_password": PASSWORD,
    }
    return client.post(EDIT, data, follow=True)


def link_sent_to(address, kind):
    messages = [message for message in mail.outbox if message.to == [address]]
    path = "confirmer" if kind == "confirm" else "annuler"
    return re.findall(rf"http://\S+/adresse-mail/{path}/\S+/", messages[-1].body)[-1].split("8000", 1)[1]


def log_in(email, captcha):
    client = Client()
    response = client.post(LOGIN, {"username": email, "password": PASSWORD, "captcha": captcha()})
    return response.status_code == 302 and SESSION_KEY in client.session


def test_a_new_address_is_not_the_identifier_until_confirmed(client, agent, captcha):
    """M2.3 M10: the profile still shows the old one, logging in with the new one fails"""
    old = agent.email
    page = ask(client, agent)
    body = page.content.decode()
    assert f"ouvrez le lien que nous venons d&#x27;envoyer à {NEW}" in body
    agent.refresh_from_db()
    assert agent.email == old
    assert f"Changement pour {NEW} en attente" in body
    assert log_in(old, captcha) and not log_in(NEW, captcha)
    assert Event.objects.filter(action="email_change_requested", target=old).exists()
    assert not Event.objects.filter(action="email_changed").exists()


def test_the_link_sent_to_the_new_address_applies_the_change_once(client, agent, captcha):
    """M2.3 M10: single use; GET changes nothing (mail scanners), POST confirms"""
    old = agent.email
    ask(client, agent)
    link = link_sent_to(NEW, "confirm")
    opened = Client().get(link)
    assert opened.status_code == 200 and "Confirmer cette adresse" in opened.content.decode()
    agent.refresh_from_db()
    assert agent.email == old
    done = CommitClient().post(link)
    assert done.status_code == 200 and "Adresse mail confirmée" in done.content.decode()
    agent.refresh_from_db()
    assert agent.email == NEW
    assert log_in(NEW, captcha) and not log_in(old, captcha)
    assert CommitClient().post(link).status_code == 404  # used
    assert Client().get(link).status_code == 404
    # Both addresses hear that the change is done.
    assert [m for m in mail.outbox if m.to == [old] and "vient d'être remplacée" in m.body]
    assert [m for m in mail.outbox if m.to == [NEW] and "est désormais l'identifiant" in m.body]
    assert Event.objects.filter(action="email_changed", target=NEW).exists()


def test_the_old_address_is_told_and_can_cancel(client, agent):
    """M2.3 M10"""
    old = agent.email
    ask(client, agent)
    to_old = [m for m in mail.outbox if m.to == [old]]
    assert len(to_old) == 1 and NEW in to_old[0].body and "annulez" in to_old[0].body.lower()
    cancel = link_sent_to(old, "cancel")
    confirm = link_sent_to(NEW, "confirm")
    assert "Annuler le changement" in Client().get(cancel).content.decode()
    assert "Changement annulé" in CommitClient().post(cancel).content.decode()
    assert CommitClient().post(confirm).status_code == 404  # the confirmation died with it
    agent.refresh_from_db()
    assert agent.email == old
    assert EmailChange.objects.get().status == EmailChange.Status.CANCELLED
    assert Event.objects.filter(action="email_change_cancelled", target=old).exists()


def test_the_link_expires(client, agent, settings):
    """M2.3 M10"""
    ask(client, agent)
    link = link_sent_to(NEW, "confirm")
    EmailChange.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert CommitClient().post(link).status_code == 404
    agent.refresh_from_db()
    assert agent.email != NEW
    assert "24 heures" in [m for m in mail.outbox if m.to == [NEW]][0].body


def test_a_newer_request_voids_the_older_link(client, agent):
    """M2.3 M10"""
    ask(client, agent)
    first = link_sent_to(NEW, "confirm")
    ask(client, agent, "alice.autre@alpha.example")
    assert CommitClient().post(first).status_code == 404
    assert CommitClient().post(link_sent_to("alice.autre@alpha.example", "confirm")).status_code == 200
    agent.refresh_from_db()
    assert agent.email == "alice.autre@alpha.example"


def test_an_address_taken_meanwhile_is_refused_at_confirmation(client, agent, est_a):
    """M2.3 M10: the unique identifier is checked again when the link is used"""
    from testing.personas import make_user

    ask(client, agent)
    link = link_sent_to(NEW, "confirm")
    make_user(NEW, est_a)
    response = CommitClient().post(link)
    assert response.status_code == 409 and "déjà celle d" in response.content.decode()
    agent.refresh_from_db()
    assert agent.email != NEW


def test_tokens_are_stored_as_digests_only(client, agent):
    """M10"""
    ask(client, agent)
    token = link_sent_to(NEW, "confirm").rstrip("/").rsplit("/", 1)[1]
    change = EmailChange.objects.get()
    assert token not in (change.confirm_digest, change.cancel_digest) and len(change.confirm_digest) == 64


@pytest.mark.django_db
def test_an_unknown_link_is_a_french_404(client):
    """M10"""
    response = client.get(reverse("accounts:email_change_confirm", args=["nimporte-quoi"]))
    assert response.status_code == 404 and "Lien invalide ou expiré" in response.content.decode()


def test_the_back_office_change_is_recorded_as_the_vendor_administrators(vendor_admin, agent):
    """M8 M10: applied at once (the administrator vouches for it), recorded as theirs, both addresses told"""
    admin = CommitClient()
    admin.force_login(vendor_admin)
    url = reverse("admin:accounts_user_change", args=[agent.pk])
    form = admin.get(url)
    assert form.status_code == 200
    old = agent.email
    data = {
        "email": "alice.bo@alpha.example",
        "last_name": agent.last_name,
        "first_name": agent.first_name,
        "phone": "",
        "function": "",
        "establishment": agent.establishment_id,
        "role": agent.role,
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "",
        "date_joined_1": "",
    }
    response = admin.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    agent.refresh_from_db()
    assert agent.email == "alice.bo@alpha.example"
    change = EmailChange.objects.get()
    assert (change.status, change.requested_by, change.old_email) == (EmailChange.Status.APPLIED, vendor_admin, old)
    event = Event.objects.get(action="email_changed_in_back_office")
    assert event.actor == vendor_admin and event.data["old"] == old
    assert [m for m in mail.outbox if m.to == [old]] and [m for m in mail.outbox if m.to == ["alice.bo@alpha.example"]]
    assert User.objects.filter(email=old).count() == 0


def test_confirmation_links_to_one_address_are_capped(client, agent):
    """M2.3 M10: a few an hour, then the form says when to retry"""
    for _ in range(3):
        assert ask(client, agent).redirect_chain[-1][0] == PROFILE
    refused = ask(client, agent)
    assert refused.status_code == 429 and "Trop de demandes pour cette adresse" in refused.content.decode()
    assert len([m for m in mail.outbox if m.to == [NEW]]) == 3
