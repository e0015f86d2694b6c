import pytest
from django.test import override_settings
from django.urls import reverse

from audit.models import Event
from testing.personas import PASSWORD

LOGIN = reverse("accounts:login")
SAME_MESSAGE = "Identifiant ou mot de passe incorrect, ou compte désactivé."


def post_login(client, captcha, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password, "captcha": captcha(), **extra})


@pytest.mark.django_db
def test_login_page_shows_the_manual_labels(client):
    """M1.1"""
    body = client.get(LOGIN).content.decode()
    for label in (
        "Identifiant",
        "Mot de passe",
        "Se connecter",
        "Mot de passe oublié",
        "Demande ou mise à jour de compte",
    ):
        assert label in body
    assert "<altcha-widget" in body and "Je ne suis pas un robot" in body


def test_valid_credentials_and_captcha_sign_in_and_land_on_home(client, agent, captcha):
    """M1.1 M2.1"""
    response = post_login(client, captcha, "Agent@Alpha.example ", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    assert Event.objects.filter(action="login_succeeded", actor=agent).exists()


def test_login_without_captcha_is_refused_and_no_password_is_tried(client, agent):
    """M1.1"""
    response = client.post(LOGIN, {"username": agent.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Cochez la case « Je ne suis pas un robot »" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_forged_captcha_is_refused(client, agent):
    """M1.1"""
    response = client.post(LOGIN, {"username": agent.email, "password": PASSWORD, "captcha": "eyJmYWtlIjogMX0="})
    assert "_auth_user_id" not in client.session
    assert "a échoué" in response.content.decode()


def test_captcha_solution_cannot_be_replayed(client, agent, captcha):
    """M1.1"""
    payload = captcha()
    first = client.post(LOGIN, {"username": agent.email, "password": PASSWORD, "captcha": payload})
    assert first.status_code == 302
    client.logout()
    second = client.post(LOGIN, {"username": agent.email, "password": PASSWORD, "captcha": payload})
    assert second.status_code == 200
    assert "déjà servi" in second.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_email_and_wrong_password_get_the_same_answer(client, agent, captcha):
    """M1.1"""
    unknown = post_login(client, captcha, "personne@nulle-part.example", "whatever-password")
    wrong = post_login(client, captcha, agent.email, "wrong-password-123")
    assert unknown.status_code == wrong.status_code == 200
    assert SAME_MESSAGE in unknown.content.decode()
    assert SAME_MESSAGE in wrong.content.decode()


def test_deactivated_account_cannot_log_in(client, agent, captcha):
    """M1.1"""
    agent.is_active = False
    agent.save()
    response = post_login(client, captcha, agent.email, PASSWORD)
    assert response.status_code == 200
    assert SAME_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_deactivation_ends_a_live_session(client, agent):
    """M1.1 M4.4"""
    client.force_login(agent)
    assert client.get(reverse("portal:home")).status_code == 200
    agent.is_active = False
    agent.save()
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_email_ip_pair_with_a_clear_page(client, agent, captcha):
    """M1.1"""
    for _ in range(3):
        post_login(client, captcha, agent.email, "wrong-password-123")
    locked = post_login(client, captcha, agent.email, PASSWORD)
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Connexion temporairement bloquée" in body and "minutes" in body
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(action="login_locked_out").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_of_one_email_does_not_lock_another(client, agent, colleague, captcha):
    """M1.1"""
    for _ in range(3):
        post_login(client, captcha, agent.email, "wrong-password-123")
    assert post_login(client, captcha, colleague.email, PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/path", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_parameter_cannot_redirect_off_site(client, agent, captcha, target):
    """M1.1"""
    response = client.post(
        f"{LOGIN}?next={target}", {"username": agent.email, "password": PASSWORD, "captcha": captcha(), "next": target}
    )
    assert response.status_code == 302
    assert response.url == reverse("portal:home")


def test_next_parameter_to_a_local_page_is_followed(client, agent, captcha):
    """M1.1"""
    target = reverse("accounts:profile")
    response = post_login(client, captcha, agent.email, PASSWORD, next=target)
    assert response.url == target


def test_vendor_staff_use_the_same_login(client, support, captcha):
    """M1.1"""
    assert post_login(client, captcha, support.email, PASSWORD).status_code == 302


def test_logout_is_a_post_and_ends_the_session(client, agent):
    """M2.2"""
    client.force_login(agent)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 302


def test_anonymous_user_is_sent_to_login(client, db):
    """M1.1"""
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)
