"""A DI's detail page and its owner's actions (SPEC M3.4, M3.5, M3.6, M4.3)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from support import services
from support.models import Attachment, Message, Status, SurveyQuestion, SurveyResponse
from testing.tickets import file_di, pdf, propose_closure, ratings_form, take

READ_ONLY_NOTE = (
    "Vous n'êtes pas propriétaire de cette DI : vous pouvez la consulter mais pas la modifier. "
    "Pour la modifier, son propriétaire ou l'un de vos administrateurs doit vous la réaffecter."
)


def detail(ticket):
    return reverse("support:detail", args=[ticket.number])


def action(name, ticket):
    return reverse(f"support:{name}", args=[ticket.number])


@pytest.fixture
def ticket(agent):
    return file_di(agent, module="Paie", version="2026.4", environment="production", files=[pdf("ecran.pdf")])


# --- Reading --------------------------------------------------------------------------------


def test_the_owner_sees_the_fields_the_thread_and_the_envoyer_form(client, agent, ticket):
    """M3.4"""
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    for text in (
        ticket.number,
        "A traiter",
        "Indeline — CT-1-SW",
        "Support logiciel",
        "Alice Agent",
        "Paie",
        "2026.4",
        "Production",
        "ecran.pdf",
        "Impossible d&#x27;éditer les bulletins",
        "Échanges",
        "Envoyer",
    ):
        assert text in body
    assert f'action="{action("message", ticket)}"' in body
    assert f'href="{action("cancel", ticket)}"' in body
    assert "pas propriétaire" not in body


def test_the_thread_shows_each_message_as_paragraphs_with_its_author_and_files(client, agent, ticket, support):
    """M3.4 M8.2: line breaks kept, markup typed in a message shown as text, never run."""
    services.ticket_reply(
        ticket,
        acting_user=support,
        body="Première ligne\nseconde ligne <script>alert(1)</script>\n\nNouveau paragraphe",
        files=[pdf("procedure.pdf")],
    )
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    assert (
        '<div class="thread-body"><p>Première ligne<br>seconde ligne &lt;script&gt;alert(1)&lt;/script&gt;</p>'
        "\n\n<p>Nouveau paragraphe</p></div>"
    ) in body
    assert "<strong>Sam Support</strong> (CEGAPE)" in body and 'class="thread-item kind-message from-vendor"' in body
    attachment = Attachment.objects.get(original_name="procedure.pdf")
    url = reverse("support:attachment", args=[ticket.number, attachment.uuid])
    assert f'<li><a href="{url}" download>procedure.pdf</a> <span class="meta">(' in body


def test_a_colleague_reads_it_read_only_with_the_note(client, colleague, ticket):
    """M3.4"""
    client.force_login(colleague)
    body = client.get(detail(ticket)).content.decode()
    assert READ_ONLY_NOTE in body
    assert ticket.subject.replace("'", "&#x27;") in body
    assert '<form method="post" action="/support/' not in body
    assert action("cancel", ticket) not in body


def test_a_di_held_by_demande_a_reaffecter_says_so(client, colleague, ticket):
    """M3.4"""
    services.ticket_release_owner(ticket, acting_user=None)
    client.force_login(colleague)
    body = client.get(detail(ticket)).content.decode()
    assert READ_ONLY_NOTE in body and "« Demande A Reaffecter »" in body


def test_an_establishment_admin_gets_the_reassign_form(client, est_admin, colleague, agent, other_agent, ticket):
    """M3.4 M4.3"""
    client.force_login(est_admin)
    body = client.get(detail(ticket)).content.decode()
    assert READ_ONLY_NOTE in body
    assert f'href="{action("reassign", ticket)}"' in body
    form = client.get(action("reassign", ticket)).content.decode()
    assert 'name="reassign-new_owner"' in form
    assert "Camille Collègue" in form and "Bruno Bêta" not in form


def test_another_establishment_gets_404_everywhere(client, other_agent, ticket):
    """M3.4 M10"""
    client.force_login(other_agent)
    assert client.get(detail(ticket)).status_code == 404
    assert client.get(action("cancel", ticket)).status_code == 404
    for name in ("message", "validate_closure", "refuse_closure", "cancel", "reassign"):
        assert client.post(action(name, ticket), {"message-body": "Intrus", "cancel-reason": "x"}).status_code == 404
    assert Message.objects.filter(ticket=ticket).count() == 0


def test_an_unknown_number_is_404(client, agent):
    """M3.4"""
    client.force_login(agent)
    assert client.get(reverse("support:detail", args=["DI-2026-999999"])).status_code == 404


def test_vendor_staff_are_sent_to_the_desk(client, support, ticket):
    """M3.4 M8.1"""
    client.force_login(support)
    response = client.get(detail(ticket))
    assert response.status_code == 302 and response.url == reverse("desk:detail", args=[ticket.number])


def test_anonymous_is_sent_to_login(client, ticket):
    """M1.1 M3.4"""
    response = client.get(detail(ticket))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_internal_notes_are_never_shown_to_clients(client, agent, ticket, support):
    """M3.4 M8.1"""
    take(ticket, support)
    services.ticket_add_internal_note(ticket, acting_user=support, body="Note secrète du support")
    services.ticket_reply(ticket, acting_user=support, body="Réponse publique")
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    assert "Réponse publique" in body and "Note secrète du support" not in body


def test_the_owner_awaited_by_support_sees_a_banner(client, agent, colleague, ticket, support):
    """M3.2 M3.4"""
    take(ticket, support)
    services.ticket_reply(ticket, acting_user=support, body="Quelle version ?", question=True)
    client.force_login(agent)
    assert "Le support attend votre réponse" in client.get(detail(ticket)).content.decode()
    client.force_login(colleague)
    assert "Le support attend votre réponse" not in client.get(detail(ticket)).content.decode()


def test_the_detail_runs_a_bounded_number_of_queries(client, agent, ticket, support, django_assert_max_num_queries):
    """M3.4"""
    take(ticket, support)
    for i in range(10):
        services.ticket_reply(ticket, acting_user=support, body=f"Réponse {i}", files=[pdf(f"r{i}.pdf")])
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        assert client.get(detail(ticket)).status_code == 200


# --- « Envoyer » ------------------------------------------------------------------------------


def test_the_owner_posts_a_message_which_clears_the_waiting_marker(client, agent, ticket, support):
    """M3.4 M9"""
    take(ticket, support)
    services.ticket_reply(ticket, acting_user=support, body="Quelle version ?", question=True)
    mail.outbox.clear()
    client.force_login(agent)
    response = client.post(
        action("message", ticket), {"message-body": "La version 2026.4", "message-files": [pdf("log.pdf")]}
    )
    assert response.status_code == 302 and response.url == detail(ticket)
    ticket.refresh_from_db()
    assert ticket.awaiting_owner is False
    message = ticket.messages.get(body="La version 2026.4")
    assert [a.original_name for a in message.attachments.all()] == ["log.pdf"]
    assert [m.to for m in mail.outbox] == [[support.email]]
    page = client.get(detail(ticket)).content.decode()
    assert "La version 2026.4" in page and "log.pdf" in page


def test_an_empty_message_is_refused_next_to_the_field(client, agent, ticket):
    """M3.4"""
    client.force_login(agent)
    response = client.post(action("message", ticket), {"message-body": ""})
    assert response.status_code == 200 and 'id="id_message-body_error"' in response.content.decode()
    assert not ticket.messages.exists()


def test_a_bad_attachment_on_a_message_is_refused_keeping_the_text(client, agent, ticket):
    """M3.4"""
    client.force_login(agent)
    bad = SimpleUploadedFile("page.pdf", b"<!DOCTYPE html><html></html>", content_type="application/pdf")
    response = client.post(action("message", ticket), {"message-body": "Mon texte", "message-files": [bad]})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_message-files_error"' in body and "page.pdf" in body and "Mon texte" in body
    assert "choisissez-le à nouveau" in body and "<li>page.pdf</li>" in body
    assert not ticket.messages.exists() and ticket.attachments.count() == 1


def test_a_crafted_message_by_a_non_owner_is_refused_and_changes_nothing(client, colleague, ticket):
    """M3.4"""
    client.force_login(colleague)
    response = client.post(action("message", ticket), {"message-body": "Je ne suis pas propriétaire"})
    assert response.status_code == 403 and "Envoyer" in response.content.decode()
    assert not ticket.messages.exists()


def test_no_message_once_the_di_is_cancelled(client, agent, ticket):
    """M3.4 M3.6"""
    services.ticket_cancel(ticket, acting_user=agent, reason="Doublon")
    client.force_login(agent)
    assert "Ajouter un message" not in client.get(detail(ticket)).content.decode()
    assert client.post(action("message", ticket), {"message-body": "Encore"}).status_code == 403


def test_get_on_a_post_only_action_is_refused(client, agent, ticket):
    """M3.4"""
    client.force_login(agent)
    assert client.get(action("message", ticket)).status_code == 405


# --- Closure in two steps -------------------------------------------------------------------


def test_the_owner_gets_the_questionnaire_with_one_fieldset_per_question(client, agent, ticket, support):
    """M3.5"""
    propose_closure(ticket, support)
    client.force_login(agent)
    body = client.get(detail(ticket)).content.decode()
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    assert questions
    for question in questions:
        assert f"<legend>{question.text}</legend>".replace("'", "&#x27;") in body
        for rating in range(1, 6):
            assert f'name="survey-q{question.pk}" value="{rating}"' in body
    assert "Commentaire" in body and "Valider la clôture" in body and "Refuser la clôture" in body


def test_validating_the_closure_with_the_questionnaire_closes_the_di(client, agent, ticket, support):
    """M3.5"""
    propose_closure(ticket, support)
    client.force_login(agent)
    response = client.post(action("validate_closure", ticket), {**ratings_form(5), "survey-comment": "Merci !"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    survey = SurveyResponse.objects.get(ticket=ticket)
    assert survey.comment == "Merci !" and {a.rating for a in survey.answers.all()} == {5}


def test_an_incomplete_questionnaire_is_refused_keeping_the_answers(client, agent, ticket, support):
    """M3.5"""
    propose_closure(ticket, support)
    first = SurveyQuestion.objects.filter(is_active=True).first()
    client.force_login(agent)
    response = client.post(
        action("validate_closure", ticket), {f"survey-q{first.pk}": "2", "survey-comment": "Mon commentaire"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Choisissez une note de 1 à 5." in body and "Mon commentaire" in body
    assert f'name="survey-q{first.pk}" value="2" required id="id_survey-q{first.pk}_1" checked' in body
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSURE_PENDING and not SurveyResponse.objects.exists()


def test_refusing_the_closure_with_a_message_puts_it_back_in_progress(client, agent, ticket, support):
    """M3.5"""
    propose_closure(ticket, support)
    client.force_login(agent)
    response = client.post(action("refuse_closure", ticket), {"refuse-body": "Le problème revient"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.messages.filter(kind=Message.Kind.CLOSURE_REFUSED, body="Le problème revient").exists()


def test_refusing_without_a_message_is_refused_next_to_the_field(client, agent, ticket, support):
    """M3.5"""
    propose_closure(ticket, support)
    client.force_login(agent)
    response = client.post(action("refuse_closure", ticket), {"refuse-body": "  "})
    assert 'id="id_refuse-body_error"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSURE_PENDING


@pytest.mark.parametrize("name", ["validate_closure", "refuse_closure"])
def test_a_non_owner_cannot_validate_or_refuse_the_closure(client, colleague, est_admin, ticket, support, name):
    """M3.4 M3.5"""
    propose_closure(ticket, support)
    for persona in (colleague, est_admin):
        client.force_login(persona)
        assert "Valider la clôture" not in client.get(detail(ticket)).content.decode()
        assert client.post(action(name, ticket), {**ratings_form(), "refuse-body": "Non"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSURE_PENDING and not SurveyResponse.objects.exists()


def test_closure_forms_only_while_closure_is_pending(client, agent, ticket):
    """M3.5"""
    client.force_login(agent)
    assert "Valider la clôture" not in client.get(detail(ticket)).content.decode()
    assert client.post(action("validate_closure", ticket), ratings_form()).status_code == 403


# --- Cancel ------------------------------------------------------------------------------------


def test_the_cancel_page_asks_for_a_reason(client, agent, ticket):
    """M3.6"""
    client.force_login(agent)
    body = client.get(action("cancel", ticket)).content.decode()
    assert "Motif de l&#x27;annulation" in body and "Annuler la DI" in body


def test_cancelling_with_a_reason_cancels_the_di(client, agent, ticket):
    """M3.6"""
    client.force_login(agent)
    response = client.post(action("cancel", ticket), {"cancel-reason": "Résolu de notre côté"})
    assert response.status_code == 302 and response.url == detail(ticket)
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED
    assert f"La {ticket.number} est annulée." in client.get(detail(ticket)).content.decode()


def test_cancelling_without_a_reason_is_refused(client, agent, ticket):
    """M3.6"""
    client.force_login(agent)
    response = client.post(action("cancel", ticket), {"cancel-reason": ""})
    assert response.status_code == 200 and 'id="id_cancel-reason_error"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.TO_PROCESS


def test_a_non_owner_cannot_cancel(client, colleague, ticket):
    """M3.4 M3.6"""
    client.force_login(colleague)
    assert client.get(action("cancel", ticket)).status_code == 403
    assert client.post(action("cancel", ticket), {"cancel-reason": "Pas à moi"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.TO_PROCESS


def test_a_closed_di_cannot_be_cancelled(client, agent, ticket, support):
    """M3.6"""
    propose_closure(ticket, support)
    services.ticket_validate_closure(ticket, acting_user=agent, ratings={q.pk: 3 for q in SurveyQuestion.objects.all()})
    client.force_login(agent)
    assert client.post(action("cancel", ticket), {"cancel-reason": "Trop tard"}).status_code == 403


# --- Reassign ------------------------------------------------------------------------------------


def test_an_administrator_reassigns_the_di(client, est_admin, colleague, ticket):
    """M3.4 M4.3 M9"""
    mail.outbox.clear()
    client.force_login(est_admin)
    response = client.post(action("reassign", ticket), {"reassign-new_owner": colleague.pk})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.owner == colleague
    assert [m.to for m in mail.outbox] == [[colleague.email]]


def test_reassigning_to_another_establishments_user_is_refused(client, est_admin, other_agent, agent, ticket):
    """M4.3 M10"""
    client.force_login(est_admin)
    response = client.post(action("reassign", ticket), {"reassign-new_owner": other_agent.pk})
    assert response.status_code == 200 and 'id="id_reassign-new_owner_error"' in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner == agent


def test_an_agent_cannot_reassign(client, agent, colleague, ticket):
    """M4.3"""
    client.force_login(agent)
    assert client.post(action("reassign", ticket), {"reassign-new_owner": colleague.pk}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.owner == agent


def test_the_reassigned_owner_may_then_act(client, est_admin, colleague, ticket):
    """M3.4 M4.3"""
    services.ticket_reassign(ticket, acting_user=est_admin, new_owner=colleague)
    client.force_login(colleague)
    body = client.get(detail(ticket)).content.decode()
    assert "pas propriétaire" not in body and "Ajouter un message" in body


def test_attachments_at_creation_are_listed_once(agent, ticket):
    """M3.4"""
    assert Attachment.objects.filter(ticket=ticket, message__isnull=True).count() == 1
