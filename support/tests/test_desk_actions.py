"""The support desk's actions on a DI (SPEC M8.1, the DI workflow table): take, reply, question,
internal note, propose closure, change the person in charge."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Role
from support.access import visible_messages
from support.models import Attachment, Message, Status, TicketEvent
from testing.personas import make_user
from testing.tickets import file_di, pdf, take


def action(name, ticket):
    return reverse(f"desk:{name}", args=[ticket.number])


@pytest.fixture
def di(agent):
    return file_di(agent, subject="Bulletins bloqués")


@pytest.fixture
def second_support(db):
    return make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE, first_name="Sacha", last_name="Second")


# --- Take ------------------------------------------------------------------------------------


def test_taking_a_di_puts_it_in_progress_with_me_in_charge(client, support, di):
    """M8.1"""
    client.force_login(support)
    response = client.post(action("take", di))
    assert response.status_code == 302 and response.url == reverse("desk:detail", args=[di.number])
    di.refresh_from_db()
    assert di.status == Status.IN_PROGRESS and di.assignee == support
    assert "Vous avez pris la DI en charge." in client.get(response.url).content.decode()


def test_a_di_already_in_progress_cannot_be_taken_again(client, support, second_support, di):
    """M8.1"""
    take(di, second_support)
    client.force_login(support)
    response = client.post(action("take", di))
    assert response.status_code == 403
    assert "« Prendre en charge » n&#x27;est pas possible" in response.content.decode()
    di.refresh_from_db()
    assert di.assignee == second_support


# --- Reply and question ----------------------------------------------------------------------


def test_a_reply_is_posted_to_the_owner_and_puts_the_di_in_progress(client, support, agent, di):
    """M8.1 M9"""
    client.force_login(support)
    response = client.post(action("reply", di), {"reponse-body": "Redémarrez le service d'édition."})
    assert response.status_code == 302
    di.refresh_from_db()
    assert di.status == Status.IN_PROGRESS and di.assignee == support and not di.awaiting_owner
    message = di.messages.get()
    assert message.kind == Message.Kind.MESSAGE and message.author == support
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert mail.outbox[0].subject == f"[{di.number}] Nouvelle réponse du support : Bulletins bloqués"


def test_a_question_to_the_owner_sets_the_waiting_marker_and_emails_the_owner(client, support, agent, di):
    """M8.1 M3.2 M9"""
    client.force_login(support)
    response = client.post(
        action("reply", di), {"reponse-body": "Quelle version utilisez-vous ?", "reponse-question": "on"}
    )
    assert response.status_code == 302
    di.refresh_from_db()
    assert di.awaiting_owner and di.status == Status.IN_PROGRESS
    assert di.messages.get().kind == Message.Kind.QUESTION
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert mail.outbox[0].subject == f"[{di.number}] Le support attend votre réponse : Bulletins bloqués"


def test_a_reply_carries_its_attachments(client, support, di):
    """M8.1"""
    client.force_login(support)
    upload = pdf("procedure.pdf")
    client.post(action("reply", di), {"reponse-body": "Voici la procédure.", "reponse-files": [upload]})
    attachment = Attachment.objects.get(ticket=di)
    assert attachment.original_name == "procedure.pdf" and attachment.message.body == "Voici la procédure."


def test_a_refused_attachment_is_shown_next_to_the_file_field_and_the_text_is_kept(client, support, di):
    """M8.1 M10"""
    client.force_login(support)
    upload = SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    response = client.post(action("reply", di), {"reponse-body": "Texte tapé avec soin.", "reponse-files": [upload]})
    assert response.status_code == 200
    form = response.context["action_forms"]["reply"]
    assert form.errors["files"]
    body = response.content.decode()
    assert "Texte tapé avec soin." in body
    assert 'id="id_reponse-files_error"' in body
    assert not di.messages.exists() and not Attachment.objects.exists()


def test_an_empty_reply_is_refused_next_to_the_text_field(client, support, di):
    """M8.1 M10"""
    client.force_login(support)
    response = client.post(action("reply", di), {"reponse-body": "  "})
    assert response.status_code == 200
    assert "body" in response.context["action_forms"]["reply"].errors
    assert not di.messages.exists()


# --- Internal note ---------------------------------------------------------------------------


def test_an_internal_note_is_on_the_desk_but_never_shown_to_the_client(client, support, agent, di):
    """M8.1"""
    client.force_login(support)
    response = client.post(action("internal_note", di), {"note-body": "Client sensible, voir avec le chef de projet."})
    assert response.status_code == 302
    assert "Client sensible, voir avec le chef de projet." in client.get(response.url).content.decode()
    assert mail.outbox == []
    di.refresh_from_db()
    assert di.status == Status.TO_PROCESS

    client.force_login(agent)
    client_page = client.get(reverse("support:detail", args=[di.number]))
    assert client_page.status_code == 200
    assert "Client sensible" not in client_page.content.decode()
    assert not visible_messages(agent).filter(ticket=di).exists()


def test_an_internal_note_carries_its_attachments(client, support, di):
    """M8.1"""
    client.force_login(support)
    upload = SimpleUploadedFile("analyse.txt", b"Trace de la pile\n", content_type="text/plain")
    client.post(action("internal_note", di), {"note-body": "Analyse jointe.", "note-files": [upload]})
    assert Attachment.objects.get(ticket=di).message.kind == Message.Kind.INTERNAL


# --- Propose closure -------------------------------------------------------------------------


def test_proposing_the_closure_asks_the_owner_to_validate(client, support, agent, di):
    """M8.1 M3.5 M9"""
    take(di, support)
    client.force_login(support)
    response = client.post(action("propose_closure", di), {"cloture-body": "Le correctif 5.2.1 règle le problème."})
    assert response.status_code == 302
    di.refresh_from_db()
    assert di.status == Status.CLOSURE_PENDING and di.closure_proposed_at is not None
    assert di.messages.get().kind == Message.Kind.CLOSURE_PROPOSED
    assert [m.to for m in mail.outbox] == [[agent.email]]
    assert mail.outbox[0].subject.startswith(f"[{di.number}] Clôture proposée")


def test_a_closure_without_a_message_is_refused_and_nothing_changes(client, support, di):
    """M8.1 M3.5"""
    take(di, support)
    client.force_login(support)
    response = client.post(action("propose_closure", di), {"cloture-body": ""})
    assert response.status_code == 200
    assert "body" in response.context["action_forms"]["propose_closure"].errors
    di.refresh_from_db()
    assert di.status == Status.IN_PROGRESS


def test_only_the_person_in_charge_proposes_the_closure(client, support, second_support, di):
    """M8.1 M3.5"""
    take(di, second_support)
    client.force_login(support)
    response = client.post(action("propose_closure", di), {"cloture-body": "Réglé."})
    assert response.status_code == 403
    di.refresh_from_db()
    assert di.status == Status.IN_PROGRESS


# --- Person in charge ------------------------------------------------------------------------


def test_the_person_in_charge_is_changed_within_the_team(client, support, second_support, di):
    """M8.1 M9"""
    take(di, support)
    client.force_login(support)
    response = client.post(action("change_assignee", di), {"support-assignee": second_support.pk})
    assert response.status_code == 302
    di.refresh_from_db()
    assert di.assignee == second_support
    assert TicketEvent.objects.filter(ticket=di, action="assignee_changed", to_user=second_support).exists()
    assert [m.to for m in mail.outbox] == [[second_support.email]]


def test_the_person_in_charge_cannot_be_someone_of_the_other_team(client, support, legal_support, di):
    """M8.1"""
    take(di, support)
    client.force_login(support)
    response = client.post(action("change_assignee", di), {"support-assignee": legal_support.pk})
    assert response.status_code == 200
    assert "assignee" in response.context["action_forms"]["change_assignee"].errors
    di.refresh_from_db()
    assert di.assignee == support


# --- Refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("take", {}),
        ("reply", {"reponse-body": "Réponse"}),
        ("internal_note", {"note-body": "Note"}),
        ("change_assignee", {"support-assignee": "SELF"}),
    ],
)
def test_legal_support_cannot_act_on_a_software_di(client, legal_support, di, name, data):
    """M8.1"""
    data = {k: (legal_support.pk if v == "SELF" else v) for k, v in data.items()}
    client.force_login(legal_support)
    response = client.post(action(name, di), data)
    assert response.status_code == 403
    assert "n&#x27;est pas possible sur la DI" in response.content.decode()
    di.refresh_from_db()
    assert di.status == Status.TO_PROCESS and di.assignee is None and not di.messages.exists()
    assert list(di.events.values_list("action", flat=True)) == ["created"]


def test_legal_support_cannot_close_a_software_di(client, legal_support, support, di):
    """M8.1"""
    take(di, support)
    client.force_login(legal_support)
    assert client.post(action("propose_closure", di), {"cloture-body": "Réglé."}).status_code == 403
    di.refresh_from_db()
    assert di.status == Status.IN_PROGRESS


@pytest.mark.parametrize("persona", ["agent", "est_admin", "other_agent"])
def test_client_users_cannot_post_desk_actions(client, request, persona, di):
    """M8.1 M10"""
    client.force_login(request.getfixturevalue(persona))
    assert client.post(action("reply", di), {"reponse-body": "Intrusion"}).status_code == 403
    assert not di.messages.exists()


def test_actions_are_posts_only(client, support, di):
    """M10"""
    client.force_login(support)
    assert client.get(action("take", di)).status_code == 405
    di.refresh_from_db()
    assert di.status == Status.TO_PROCESS


def test_no_action_on_a_closed_or_cancelled_di(client, support, agent, di):
    """M8.1 M3.6"""
    from support import services

    services.ticket_cancel(di, acting_user=agent, reason="Doublon")
    client.force_login(support)
    assert client.post(action("reply", di), {"reponse-body": "Trop tard"}).status_code == 403
    assert client.post(action("internal_note", di), {"note-body": "Trop tard"}).status_code == 403
    assert di.messages.count() == 1
