import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from testing.personas import PASSWORD

PROFILE = reverse("accounts:profile")
EDIT = reverse("accounts:profile_edit")
NEW_PASSWORD = "un tout nouveau mot de passe"


def edit_data(user, **overrides):
    return {
        "last_name": user.last_name,
        "first_name": user.first_name,
        "email": user.email,
        "phone": user.phone,
        "function": user.function,
        **overrides,
    }


def test_profile_shows_the_users_details(client, agent):
    """M2.3"""
    agent.phone = "04 11 22 33 44"
    agent.function = "Gestionnaire paie"
    agent.save()
    client.force_login(agent)
    body = client.get(PROFILE).content.decode()
    for value in (
        "Agent",
        "Alice",
        agent.email,
        "04 11 22 33 44",
        "Gestionnaire paie",
        "Centre Hospitalier Alpha",
        "Agent d&#x27;établissement",
    ):
        assert value in body
    assert "Modifier ses informations et/ou le mot de passe" in body


def test_profile_edit_saves_details_without_a_password(client, agent):
    """M2.3"""
    client.force_login(agent)
    body = client.get(EDIT).content.decode()
    assert "Enregistrer les informations" in body
    response = client.post(EDIT, edit_data(agent, phone="05 55 55 55 55", function="Cadre de santé"))
    assert response.status_code == 302 and response.url == PROFILE
    agent.refresh_from_db()
    assert agent.phone == "05 55 55 55 55" and agent.function == "Cadre de santé"


def test_changing_the_email_asks_for_the_current_password(client, agent):
    """M2.3"""
    client.force_login(agent)
    response = client.post(EDIT, edit_data(agent, email="alice@alpha.example", phone="01 02 03 04 05"))
    body = response.content.decode()
    assert response.status_code == 200 and "Saisissez votre mot de passe actuel" in body
    assert 'value="01 02 03 04 05"' in body  # nothing typed is lost
    agent.refresh_from_db()
    assert agent.email == "agent@alpha.example"


def test_changing_the_email_with_the_password_warns_the_old_address(client, agent):
    """M2.3 (the new address takes effect once confirmed: accounts/tests/test_email_change.py)"""
    client.force_login(agent)
    response = client.post(EDIT, edit_data(agent, email="Alice@Alpha.example", current_password=PASSWORD))
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.email == "agent@alpha.example"
    to_old = [message for message in mail.outbox if message.to == ["agent@alpha.example"]]
    assert len(to_old) == 1 and "alice@alpha.example" in to_old[0].body


def test_email_of_another_account_is_refused(client, agent, colleague):
    """M2.3"""
    client.force_login(agent)
    response = client.post(EDIT, edit_data(agent, email=colleague.email, current_password=PASSWORD))
    assert "déjà celle d&#x27;un autre compte" in response.content.decode()


def test_wrong_current_password_is_refused(client, agent):
    """M2.3"""
    client.force_login(agent)
    response = client.post(
        EDIT, edit_data(agent, new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD, current_password="nope")
    )
    assert "Le mot de passe actuel est incorrect." in response.content.decode()
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_new_password_must_meet_the_policy(client, agent):
    """M2.3 M1.2"""
    client.force_login(agent)
    response = client.post(
        EDIT, edit_data(agent, new_password1="court", new_password2="court", current_password=PASSWORD)
    )
    assert "trop court" in response.content.decode()


def test_password_change_keeps_this_session_and_ends_the_others(client, agent):
    """M2.3"""
    other_device = Client()
    other_device.force_login(agent)
    client.force_login(agent)
    response = client.post(
        EDIT, edit_data(agent, new_password1=NEW_PASSWORD, new_password2=NEW_PASSWORD, current_password=PASSWORD)
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)
    assert client.get(PROFILE).status_code == 200
    assert other_device.get(PROFILE).status_code == 302


def test_profile_cannot_change_role_or_establishment_by_crafted_post(client, agent, est_b):
    """M2.3"""
    client.force_login(agent)
    client.post(EDIT, edit_data(agent, role="admin", establishment=est_b.pk, is_active="on"))
    agent.refresh_from_db()
    assert agent.role == "agent" and agent.establishment.name == "Centre Hospitalier Alpha"


@pytest.mark.django_db
def test_profile_needs_a_login(client):
    """M2.3"""
    assert client.get(PROFILE).status_code == 302
    assert client.get(EDIT).status_code == 302
