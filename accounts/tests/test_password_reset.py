import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from testing.personas import PASSWORD

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "une phrase de passe assez longue"


def request_reset(client, captcha, email):
    return client.post(RESET, {"email": email, "captcha": captcha()})


def reset_link(message):
    return re.search(r"http://\S+/mot-de-passe/\S+/\S+/", message.body).group(0)


@pytest.mark.django_db
def test_reset_form_uses_the_manual_labels(client):
    """M1.2"""
    body = client.get(RESET).content.decode()
    assert "Adresse mail" in body and "Soumettre la demande" in body and "<altcha-widget" in body


def test_known_and_unknown_addresses_get_the_same_answer(client, agent, captcha):
    """M1.2"""
    known = request_reset(client, captcha, agent.email)
    unknown = request_reset(client, captcha, "inconnu@nulle-part.example")
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [agent.email]


def test_reset_requires_the_captcha(client, agent):
    """M1.2"""
    response = client.post(RESET, {"email": agent.email})
    assert response.status_code == 200
    assert mail.outbox == []


def test_reset_email_is_french_and_carries_a_link(client, agent, captcha):
    """M1.2 M9"""
    request_reset(client, captcha, agent.email.upper())
    message = mail.outbox[0]
    assert message.subject == "Choisir un nouveau mot de passe"
    assert "Bonjour Alice" in message.body and "ne sert qu'une fois" in message.body
    assert reset_link(message) in message.alternatives[0][0]


def test_reset_link_sets_a_new_password_once(client, agent, captcha):
    """M1.2"""
    request_reset(client, captcha, agent.email)
    link = reset_link(mail.outbox[0])
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    # The same link is now dead.
    client.logout()
    again = client.get(link, follow=True)
    assert "Lien invalide ou expiré" in again.content.decode()


@override_settings(PASSWORD_RESET_TIMEOUT=0)
def test_reset_link_expires(client, agent, captcha):
    """M1.2"""
    request_reset(client, captcha, agent.email)
    import time

    time.sleep(1.1)
    response = client.get(reset_link(mail.outbox[0]), follow=True)
    assert "Lien invalide ou expiré" in response.content.decode()


@pytest.mark.parametrize(
    "password,message",
    [
        ("court-123", "trop court"),
        ("password1234", "trop courant"),
        ("agent@alpha.example", "trop semblable"),
    ],
)
def test_password_policy_refuses_short_common_and_similar_passwords(client, agent, captcha, password, message):
    """M1.2"""
    request_reset(client, captcha, agent.email)
    form_url = client.get(reset_link(mail.outbox[0])).url
    response = client.post(form_url, {"new_password1": password, "new_password2": password})
    assert response.status_code == 200
    assert message in response.content.decode()
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_inactive_account_gets_no_reset_email_but_the_same_answer(client, agent, captcha):
    """M1.2"""
    agent.is_active = False
    agent.save()
    response = request_reset(client, captcha, agent.email)
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_reset_mail_goes_only_to_the_stored_address(client, agent, captcha):
    """M1.2"""
    request_reset(client, captcha, "AGENT@alpha.example")
    assert mail.outbox[0].to == ["agent@alpha.example"]
