"""The e-mails of the DI workflow: who gets them, what they say, and that none is ever lost."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve
from django.utils import timezone

from accounts.models import Role
from notifications.models import OutgoingEmail
from notifications.services import email_deliver_pending
from support import services
from support.models import Message, Status, SurveyQuestion, Ticket
from testing.mail import FAILING_EMAIL_BACKEND
from testing.personas import make_user
from testing.tickets import contract_of

SITE = "http://testserver.example"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service as a request would: its e-mails are delivered when its transaction commits."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def software_contract(est_a):
    return contract_of(est_a)


@pytest.fixture
def legal_contract(est_a):
    return contract_of(est_a, "JUR")


@pytest.fixture
def ticket(agent, software_contract, support, commit):
    """A software DI by the agent; its creation e-mails are cleared."""
    created = commit(
        services.ticket_create,
        acting_user=agent,
        contract=software_contract,
        subject="Export comptable bloqué",
        description="L'export vers la trésorerie s'arrête à 40 %.",
        module="Comptabilité",
        version="2026.2",
        environment=Ticket.Environment.PRODUCTION,
    )
    mail.outbox.clear()
    return created


@pytest.fixture
def taken(ticket, support, commit):
    commit(services.ticket_take, ticket, acting_user=support)
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def pending_closure(taken, support, commit):
    commit(services.ticket_propose_closure, taken, acting_user=support, body="Correctif 2026.2.1 installé.")
    taken.refresh_from_db()
    mail.outbox.clear()
    return taken


def recipients(exclude_template=None):
    """Who received the e-mails (``exclude_template``: a subject prefix to leave aside)."""
    return sorted(
        address
        for message in mail.outbox
        if not (exclude_template and exclude_template in message.subject)
        for address in message.to
    )


ACK = "Votre DI est enregistrée"  # the acknowledgement to the person who filed (M11.10)


def team_email():
    return next(message for message in mail.outbox if ACK not in message.subject)


def html_of(message):
    return message.alternatives[0].content


# --- To the vendor's support ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_di_emails_every_active_member_of_its_team(agent, software_contract, support, legal_support, commit):
    """M9 M3.1"""
    colleague_support = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    make_user("ancien@vendor.example", None, Role.SUPPORT_SOFTWARE, is_active=False)
    ticket = commit(
        services.ticket_create,
        acting_user=agent,
        contract=software_contract,
        subject="Export comptable bloqué",
        description="L'export vers la trésorerie s'arrête à 40 %.",
        module="Comptabilité",
        version="2026.2",
        environment=Ticket.Environment.PRODUCTION,
        files=[SimpleUploadedFile("journal.txt", b"ERREUR export ligne 42\n")],
    )
    assert recipients(exclude_template=ACK) == sorted([support.email, colleague_support.email])
    message = team_email()
    assert message.subject == f"[{ticket.number}] Nouvelle DI de Centre Hospitalier Alpha : Export comptable bloqué"
    for expected in (
        ticket.number,
        "Centre Hospitalier Alpha",
        "Indeline — CT-1-SW",
        "Comptabilité",
        "2026.2",
        "Environnement : ",
        "Export comptable bloqué",
        "L'export vers la trésorerie s'arrête à 40 %.",
        "journal.txt",
        f"{SITE}/guichet/dis/{ticket.number}/",
    ):
        assert expected in message.body
    assert "environnement : production" in message.body.lower()
    assert f'href="{SITE}/guichet/dis/{ticket.number}/"' in html_of(message)


@pytest.mark.django_db
def test_a_team_email_is_rendered_once_greets_the_team_and_is_written_in_one_insert(
    agent, software_contract, support, django_assert_max_num_queries
):
    """M9 M10: thirty members of a team cost one INSERT, not thirty renders and thirty rows."""
    for k in range(29):
        make_user(f"support{k}@vendor.example", None, Role.SUPPORT_SOFTWARE)
    # Was 44 with one INSERT per member (bench: POST); +1 since M13 (the due dates written on the DI),
    # +1 for the filer's acknowledgement (M11.10).
    with django_assert_max_num_queries(17):
        services.ticket_create(
            acting_user=agent, contract=software_contract, subject="Paie bloquée", description="Erreur 42."
        )
    emails = OutgoingEmail.objects.filter(template="ticket_created")
    assert emails.count() == 30
    assert len(set(emails.values_list("body_id", flat=True))) == 1  # one body for the 30 rows
    body = emails.first().body_text
    assert "Bonjour,\n" in body and "Bonjour Sam" not in body


@pytest.mark.django_db
def test_an_email_to_one_person_greets_them_by_name(taken, agent, support, commit):
    """M9"""
    commit(services.ticket_post_message, taken, acting_user=agent, body="Voici la capture demandée.")
    assert f"Bonjour {support.first_name}," in mail.outbox[0].body


@pytest.mark.django_db
def test_a_new_legal_di_emails_the_legal_team_only(agent, legal_contract, support, legal_support, commit):
    """M9 M3.1"""
    commit(
        services.ticket_create,
        acting_user=agent,
        contract=legal_contract,
        subject="Temps partiel thérapeutique",
        description="Quelle rémunération pendant un temps partiel thérapeutique ?",
    )
    assert recipients(exclude_template=ACK) == [legal_support.email]
    assert "support juridique" in team_email().body


@pytest.mark.django_db
def test_a_long_description_is_cut_in_the_new_di_email(agent, software_contract, support, commit):
    """M9"""
    commit(
        services.ticket_create,
        acting_user=agent,
        contract=software_contract,
        subject="Trace complète",
        description="début " + "x" * 3000 + " FIN-DU-TEXTE",
    )
    body = mail.outbox[0].body
    assert "début" in body and "FIN-DU-TEXTE" not in body


@pytest.mark.django_db
def test_the_owners_message_emails_the_person_in_charge(taken, agent, support, commit):
    """M9 M3.4"""
    make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    mail.outbox.clear()
    commit(services.ticket_post_message, taken, acting_user=agent, body="Voici la capture demandée.")
    assert recipients() == [support.email]
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{taken.number}] Nouveau message du demandeur")
    assert "Voici la capture demandée." in message.body and "Alice Agent" in message.body
    assert f"{SITE}/guichet/dis/{taken.number}/" in message.body


@pytest.mark.django_db
def test_the_owners_message_on_an_untaken_di_emails_the_whole_team(ticket, agent, support, commit):
    """M9 M3.4"""
    colleague_support = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    commit(services.ticket_post_message, ticket, acting_user=agent, body="Le problème se reproduit ce matin.")
    assert recipients() == sorted([support.email, colleague_support.email])


@pytest.mark.django_db
def test_a_refused_closure_emails_the_person_in_charge(pending_closure, agent, support, commit):
    """M9 M3.5"""
    commit(services.ticket_refuse_closure, pending_closure, acting_user=agent, body="L'export échoue encore.")
    assert recipients() == [support.email]
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{pending_closure.number}] Clôture refusée par le demandeur")
    assert "L'export échoue encore." in message.body and "En cours" in message.body
    assert f"{SITE}/guichet/dis/{pending_closure.number}/" in message.body


@pytest.mark.django_db
def test_a_cancellation_emails_the_person_in_charge(taken, agent, support, commit):
    """M9 M3.6"""
    mail.outbox.clear()
    commit(services.ticket_cancel, taken, acting_user=agent, reason="Résolu par notre informaticien.")
    assert recipients() == [support.email]
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{taken.number}] DI annulée par le demandeur")
    assert "Résolu par notre informaticien." in message.body


@pytest.mark.django_db
def test_cancelling_a_di_nobody_took_emails_its_team(ticket, agent, support, legal_support, commit):
    """M11.10 M3.6: nobody holds it yet, so the whole team hears it is cancelled"""
    colleague_support = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    commit(services.ticket_cancel, ticket, acting_user=agent, reason="Déposée par erreur.")
    assert recipients() == sorted([support.email, colleague_support.email])
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{ticket.number}] DI annulée par le demandeur")
    assert "Déposée par erreur." in message.body and f"{SITE}/guichet/dis/{ticket.number}/" in message.body


@pytest.mark.django_db
def test_a_change_of_person_in_charge_emails_the_new_one(taken, support, vendor_admin, commit):
    """M9 M8.1"""
    colleague_support = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE, first_name="Lou")
    mail.outbox.clear()
    commit(services.ticket_change_assignee, taken, acting_user=support, new_assignee=colleague_support)
    assert recipients() == [colleague_support.email]
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{taken.number}] Une DI vous a été confiée")
    assert "Sam Support vous a confié" in message.body
    assert f"{SITE}/guichet/dis/{taken.number}/" in message.body


@pytest.mark.django_db
def test_taking_a_di_for_oneself_emails_nobody(ticket, support, commit):
    """M9 M8.1"""
    commit(services.ticket_take, ticket, acting_user=support)
    commit(services.ticket_change_assignee, ticket, acting_user=support, new_assignee=support)
    assert mail.outbox == []


# --- To the establishment ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_public_reply_emails_the_owner_with_the_message_and_a_link(ticket, agent, support, commit):
    """M9 M8.1"""
    commit(
        services.ticket_reply,
        ticket,
        acting_user=support,
        body="Le correctif est disponible dans la version 2026.2.1.",
        files=[SimpleUploadedFile("procedure.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    assert recipients() == [agent.email]
    message = mail.outbox[0]
    assert message.subject == f"[{ticket.number}] Nouvelle réponse du support : Export comptable bloqué"
    for expected in (
        "Bonjour Alice",
        "Sam Support (CEGAPE)",
        "Le correctif est disponible dans la version 2026.2.1.",
        "procedure.pdf",
        f"{SITE}/support/dis/{ticket.number}/",
    ):
        assert expected in message.body
    assert f'href="{SITE}/support/dis/{ticket.number}/"' in html_of(message)


@pytest.mark.django_db
def test_a_question_tells_the_owner_that_the_support_awaits_their_answer(ticket, agent, support, commit):
    """M9 M8.1 M3.2"""
    commit(services.ticket_reply, ticket, acting_user=support, body="Quel est le numéro du lot ?", question=True)
    assert recipients() == [agent.email]
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{ticket.number}] Le support attend votre réponse")
    assert "Le support attend votre réponse" in message.body and "Quel est le numéro du lot ?" in message.body
    assert f"{SITE}/support/dis/{ticket.number}/" in message.body


@pytest.mark.django_db
def test_an_internal_note_emails_nobody(taken, support, commit):
    """M9 M8.1"""
    mail.outbox.clear()
    commit(services.ticket_add_internal_note, taken, acting_user=support, body="Client sensible, rappeler la DSI.")
    assert mail.outbox == []
    assert not OutgoingEmail.objects.filter(body__text__contains="Client sensible").exists()


@pytest.mark.django_db
def test_client_emails_never_carry_internal_notes(taken, agent, support, commit):
    """M9 M8.1"""
    commit(services.ticket_add_internal_note, taken, acting_user=support, body="NOTE-SECRETE : bug connu.")
    commit(services.ticket_reply, taken, acting_user=support, body="Pouvez-vous relancer l'export ?", question=True)
    commit(services.ticket_propose_closure, taken, acting_user=support, body="Correctif installé.")
    client_emails = OutgoingEmail.objects.filter(to=agent.email).exclude(template="ticket_acknowledged")
    assert client_emails.count() == 2
    for email in client_emails:
        assert "NOTE-SECRETE" not in email.body_text + email.body_html + email.subject


@pytest.mark.django_db
def test_a_closure_proposal_asks_the_owner_to_validate_within_the_delay(taken, agent, support, settings, commit):
    """M9 M3.5"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 10
    mail.outbox.clear()
    commit(services.ticket_propose_closure, taken, acting_user=support, body="Correctif 2026.2.1 installé.")
    assert recipients() == [agent.email]
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{taken.number}] Clôture proposée, à valider")
    for expected in (
        "Correctif 2026.2.1 installé.",
        "questionnaire de satisfaction",
        "clôturée automatiquement au bout de 10 jours",
        f"{SITE}/support/dis/{taken.number}/#valider",
    ):
        assert expected in message.body
    assert "au bout de 10 jours" in html_of(message)


@pytest.mark.django_db
def test_validating_the_closure_emails_nobody(pending_closure, agent, commit):
    """M9 M3.5"""
    ratings = {question.pk: 5 for question in SurveyQuestion.objects.filter(is_active=True)}
    commit(services.ticket_validate_closure, pending_closure, acting_user=agent, ratings=ratings)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_reassignment_emails_the_new_owner(ticket, agent, colleague, est_admin, commit):
    """M9 M4.3"""
    commit(services.ticket_reassign, ticket, acting_user=est_admin, new_owner=colleague)
    assert recipients() == [colleague.email]
    message = mail.outbox[0]
    assert message.subject.startswith(f"[{ticket.number}] Une DI vous a été réaffectée")
    assert "Adèle Admin vous a réaffecté" in message.body and "Alice Agent" in message.body
    assert f"{SITE}/support/dis/{ticket.number}/" in message.body


@pytest.mark.django_db
def test_a_reassignment_from_the_placeholder_names_it(ticket, agent, colleague, est_admin, commit):
    """M9 M4.4"""
    services.ticket_release_owner(ticket, acting_user=est_admin)
    ticket.refresh_from_db()
    commit(services.ticket_reassign, ticket, acting_user=est_admin, new_owner=colleague)
    assert "« Demande A Reaffecter »" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_di_without_owner_emails_no_client(ticket, support, est_admin, commit):
    """M9 M4.4"""
    services.ticket_release_owner(ticket, acting_user=est_admin)
    ticket.refresh_from_db()
    commit(services.ticket_reply, ticket, acting_user=support, body="Qui reprend cette DI ?")
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_deactivated_owner_gets_no_email(ticket, agent, support, commit):
    """M9 M4.4"""
    agent.is_active = False
    agent.save()
    commit(services.ticket_reply, ticket, acting_user=support, body="Réponse.")
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_html_email_escapes_what_users_typed(agent, software_contract, support, commit):
    """M9 M10"""
    commit(
        services.ticket_create,
        acting_user=agent,
        contract=software_contract,
        subject="<script>alert(1)</script>",
        description='<img src=x onerror="alert(2)">',
    )
    message = mail.outbox[0]
    html = html_of(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html and "&lt;img" in html
    assert "<script>alert(1)</script>" in message.subject and '<img src=x onerror="alert(2)">' in message.body


# --- A mail server that is down ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_mail_server_never_loses_the_di_nor_its_email(agent, software_contract, support, settings, commit):
    """M9 M3.1"""
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    ticket = commit(
        services.ticket_create,
        acting_user=agent,
        contract=software_contract,
        subject="Imprimante des bulletins",
        description="Les bulletins ne sortent plus.",
    )
    assert Ticket.objects.filter(pk=ticket.pk, status=Status.TO_PROCESS).exists()
    email = OutgoingEmail.objects.get(template="ticket_created")
    assert email.status == OutgoingEmail.Status.PENDING and email.attempts == 1
    assert "SMTPException" in email.last_error
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutgoingEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert email_deliver_pending() == 1
    email.refresh_from_db()
    assert email.status == OutgoingEmail.Status.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.startswith(f"[{ticket.number}]")
    assert email_deliver_pending() == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failing_mail_server_never_loses_a_reply(ticket, agent, support, settings, commit):
    """M9 M8.1"""
    settings.EMAIL_BACKEND = FAILING_EMAIL_BACKEND
    commit(services.ticket_reply, ticket, acting_user=support, body="Merci de redémarrer le service.")
    assert Message.objects.filter(ticket=ticket, body="Merci de redémarrer le service.").exists()
    email = OutgoingEmail.objects.get(template="ticket_reply")
    assert email.to == agent.email and email.status == OutgoingEmail.Status.PENDING and email.attempts == 1


@pytest.mark.django_db
def test_every_link_in_the_emails_opens_the_di_on_the_right_side(ticket, agent, colleague, support, est_admin, commit):
    """M9 M3.4 M8.1"""
    colleague_support = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    commit(services.ticket_post_message, ticket, acting_user=agent, body="Précision.")
    commit(services.ticket_reply, ticket, acting_user=support, body="Réponse.")
    commit(services.ticket_reply, ticket, acting_user=support, body="Question ?", question=True)
    commit(services.ticket_propose_closure, ticket, acting_user=support, body="Résolu.")
    commit(services.ticket_refuse_closure, ticket, acting_user=agent, body="Pas encore.")
    commit(services.ticket_reassign, ticket, acting_user=est_admin, new_owner=colleague)
    commit(services.ticket_change_assignee, ticket, acting_user=support, new_assignee=colleague_support)
    commit(services.ticket_cancel, ticket, acting_user=colleague, reason="Plus utile.")
    desk, client = "desk:detail", "support:detail"
    expected_view = {
        "ticket_created": desk,
        "ticket_acknowledged": client,
        "ticket_owner_message": desk,
        "ticket_reply": client,
        "ticket_question": client,
        "ticket_closure_proposed": client,
        "ticket_closure_refused": desk,
        "ticket_reassigned": client,
        "ticket_assigned": desk,
        "ticket_cancelled": desk,
    }
    emails = list(OutgoingEmail.objects.all())
    assert {email.template for email in emails} == set(expected_view)
    for email in emails:
        links = re.findall(r"https?://\S+", email.body_text.split("\n--\n")[0])
        assert links, email.template
        for link in links:
            match = resolve(urlsplit(link).path)
            assert (match.view_name, match.kwargs["number"]) == (expected_view[email.template], ticket.number)
