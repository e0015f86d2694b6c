"""E-mails people expect (M11.10): an acknowledgement to the person who filed a DI, the team told
when a DI is cancelled, a notice to the old and the new address when the e-mail changes, to the
person when their password changes or their 2FA is turned off; every link built from SITE_URL,
whose embedded default is the address ``make run`` serves."""

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import resolve, reverse

from accounts.models import AccountRequest
from accounts.services import account_request_approve
from support import services
from testing.clients import CommitClient
from testing.personas import PASSWORD
from testing.tickets import contract_of, file_di, take
from testing.twofactor import enrol

SITE = "https://espace.example"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def links(message):
    """The links of the text part (before the signature) and of the HTML part."""
    found = re.findall(r"https?://[^\s<>\"()]+", message.body.split("\n--\n")[0])
    found += re.findall(r'href="([^"]+)"', message.alternatives[0][0])
    return found


def assert_links_open(message, view_name, **kwargs):
    found = links(message)
    assert found, message.subject
    for link in found:
        assert link.startswith(SITE + "/"), link
        match = resolve(urlsplit(link).path)
        assert match.view_name == view_name and all(match.kwargs[k] == v for k, v in kwargs.items()), link


def test_the_person_who_files_a_di_gets_an_acknowledgement(client, agent, django_capture_on_commit_callbacks):
    """M11.10"""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file_di(agent, subject="Bulletins bloqués")
    [message] = [m for m in mail.outbox if m.to == [agent.email]]
    assert message.subject == f"[{ticket.number}] Votre DI est enregistrée : Bulletins bloqués"
    for expected in ("Bonjour Alice", ticket.number, "Bulletins bloqués", "Indeline — CT-1-SW", "support logiciel"):
        assert expected in message.body
    assert_links_open(message, "support:detail", number=ticket.number)


def test_the_team_is_told_when_a_di_is_cancelled(agent, support, legal_support, django_capture_on_commit_callbacks):
    """M11.10: the person in charge once someone holds it"""
    ticket = take(file_di(agent), support)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_cancel(ticket, acting_user=agent, reason="Réglé par notre informaticien.")
    [message] = mail.outbox
    assert message.to == [support.email] and "Réglé par notre informaticien." in message.body
    assert_links_open(message, "desk:detail", number=ticket.number)


def test_a_changed_email_is_told_to_the_old_and_the_new_address(client, agent):
    """M11.10"""
    client.force_login(agent)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "last_name": agent.last_name,
            "first_name": agent.first_name,
            "email": "alice.nouvelle@alpha.example",
            "phone": "",
            "function": "",
            "current_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    # Asked: the new address gets the link that confirms it, the old one the link that cancels.
    by_address = {message.to[0]: message for message in mail.outbox}
    old, new = by_address["agent@alpha.example"], by_address["alice.nouvelle@alpha.example"]
    assert "alice.nouvelle@alpha.example" in old.body and "pas à l'origine" in old.body
    assert_links_open(old, "accounts:email_change_cancel")
    assert "agent@alpha.example" in new.body and "Pour confirmer" in new.body
    assert_links_open(new, "accounts:email_change_confirm")
    # Confirmed: both are told the change is done.
    mail.outbox.clear()
    assert client.post(urlsplit(links(new)[0]).path).status_code == 200
    by_address = {message.to[0]: message for message in mail.outbox}
    old, new = by_address["agent@alpha.example"], by_address["alice.nouvelle@alpha.example"]
    assert "alice.nouvelle@alpha.example" in old.body and "pas à l'origine" in old.body
    assert "agent@alpha.example" in new.body and "désormais l'identifiant" in new.body
    assert_links_open(new, "accounts:login")


def test_a_changed_password_is_told_to_the_person(client, agent):
    """M11.10"""
    client.force_login(agent)
    new_password = "un tout nouveau mot de passe"
    client.post(
        reverse("accounts:profile_edit"),
        {
            "last_name": agent.last_name,
            "first_name": agent.first_name,
            "email": agent.email,
            "new_password1": new_password,
            "new_password2": new_password,
            "current_password": PASSWORD,
        },
    )
    [message] = mail.outbox
    assert message.to == [agent.email] and message.subject == "Votre mot de passe a été modifié"
    assert "Mot de passe oublié" in message.body and "avec le lien" not in message.body
    assert_links_open(message, "accounts:password_reset")


def test_a_password_chosen_through_a_reset_link_is_told_but_not_a_first_password(
    client, agent, est_a, vendor_admin, captcha, django_capture_on_commit_callbacks
):
    """M11.10"""
    client.post(reverse("accounts:password_reset"), {"email": agent.email, "captcha": captcha()})
    link = re.search(r"http\S+/mot-de-passe/\S+/\S+/", mail.outbox[0].body).group(0)
    mail.outbox.clear()
    session = CommitClient()
    form_url = session.get(urlsplit(link).path).url
    session.post(form_url, {"new_password1": "phrase de passe neuve", "new_password2": "phrase de passe neuve"})
    [message] = mail.outbox
    assert message.to == [agent.email] and "avec le lien « Mot de passe oublié »" in message.body

    pending = AccountRequest.objects.create(
        first_name="Louise", last_name="Durand", email="louise@alpha.example", establishment_name="CH Alpha",
        function="RH", message="Arrivée.",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        account_request_approve(pending, acting_user=vendor_admin, establishment=est_a)
    invitation = re.search(r"http\S+/bienvenue/\S+/\S+/", mail.outbox[-1].body).group(0)
    mail.outbox.clear()
    newcomer = CommitClient()
    form_url = newcomer.get(urlsplit(invitation).path).url
    newcomer.post(
        form_url, {"new_password1": "bienvenue dans le portail", "new_password2": "bienvenue dans le portail"}
    )
    assert mail.outbox == []  # a first password replaces nothing


def test_turning_2fa_off_is_told_to_the_person(client, est_admin, django_capture_on_commit_callbacks):
    """M11.10"""
    from twofactor import services as twofactor_services

    enrol(est_admin)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        twofactor_services.twofactor_disable(est_admin, acting_user=est_admin)
    [message] = mail.outbox
    assert message.to == [est_admin.email] and message.subject == "Double authentification désactivée"
    assert "pas à l'origine" in message.body


def test_the_new_emails_of_the_desk_tools_link_to_the_right_side(
    agent, colleague, support, legal_support, django_capture_on_commit_callbacks
):
    """M11.10 M11.4 M11.5: each link built from SITE_URL opens the DI where its reader works"""
    ticket = take(file_di(agent, subject="Mal orientée"), support)
    duplicate = file_di(colleague, subject="Doublon")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_hand_over(ticket, acting_user=agent, new_owner=colleague)
        services.ticket_merge(duplicate, acting_user=support, target=ticket)
        services.ticket_reroute(
            ticket, acting_user=support, contract=contract_of(agent.establishment, "JUR"), team="legal"
        )
    # The colleague owns both DIs once handed over: told of the hand-over, the merge, the re-routing.
    expected = {colleague.email: "support:detail", legal_support.email: "desk:detail"}
    assert {m.to[0] for m in mail.outbox} == set(expected)
    for message in mail.outbox:
        assert_links_open(message, expected[message.to[0]], number=ticket.number)


def test_make_run_serves_and_links_the_same_address():
    """M11.10: the embedded default's SITE_URL is the address `make run` serves"""

    def dry_run(*args, env=None):
        result = subprocess.run(
            ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True, env=env
        )
        return next(line for line in result.stdout.splitlines() if "runserver" in line)

    import os

    clean = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    line = dry_run("ADDRESS=127.0.0.1:8765", env=clean)
    assert line.startswith("SITE_URL=http://127.0.0.1:8765 ") and line.endswith("runserver 127.0.0.1:8765")
    line = dry_run(env={**clean, "SITE_URL": "https://espaceclients.example"})
    assert line.startswith("SITE_URL=https://espaceclients.example ")
