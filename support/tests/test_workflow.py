"""The DI workflow enforced by the service functions themselves (not only by the pages)."""

import os
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError

from accounts.models import Role
from support import services
from support.models import Attachment, Message, Status, Team, Ticket, TicketCounter, TicketEvent
from support.services import TransitionRefused
from testing.personas import make_user
from testing.tickets import PDF, contract_of, file_di, in_status, pdf, ratings

# --- Filing ----------------------------------------------------------------------------------


def test_filing_a_di_starts_a_traiter_owned_by_its_author_routed_to_software(agent):
    """M3.1"""
    ticket = file_di(agent, module="Paie", version="2026.3", environment="production", files=[pdf()])
    assert ticket.status == Status.TO_PROCESS and ticket.owner == agent and ticket.author == agent
    assert ticket.team == Team.SOFTWARE and ticket.establishment == agent.establishment
    assert (ticket.module, ticket.version, ticket.environment) == ("Paie", "2026.3", "production")
    assert ticket.number.startswith("DI-") and len(ticket.number) == len("DI-2026-000001")
    attachment = ticket.attachments.get()
    assert attachment.original_name == "capture.pdf" and attachment.size == len(PDF) and len(attachment.sha256) == 64
    assert "capture" not in attachment.file.name  # random storage name
    event = TicketEvent.objects.get(ticket=ticket)
    assert event.action == "created" and event.actor == agent and event.to_status == Status.TO_PROCESS


def test_filing_a_di_with_a_file_for_a_team_writes_in_ten_queries(agent, django_assert_num_queries):
    """M3.1: the number in one statement, the establishment and the service level already read
    (with the owner, with the form's contract), the attachments the e-mails list not read again,
    the e-mails (the team's, one body for its three rows; the filer's acknowledgement) in two
    INSERTs: their bodies, their rows"""
    from establishments.models import Contract

    for index in range(3):
        make_user(f"support{index}@cegape.example", role=Role.SUPPORT_SOFTWARE)
    contract = Contract.objects.select_related("product", "service_level").get(pk=contract_of(agent.establishment).pk)
    agent.establishment  # noqa: B018 (read with the signed-in user, as the pages read it)
    with django_assert_num_queries(10):
        ticket = services.ticket_create(
            acting_user=agent,
            contract=contract,
            subject="Bulletins bloqués",
            description="Depuis ce matin.",
            files=[pdf()],
        )
    second = file_di(agent)
    assert int(second.number[-6:]) == int(ticket.number[-6:]) + 1
    assert TicketCounter.objects.get().last == int(second.number[-6:])


def test_a_legal_contract_routes_to_the_legal_team_without_software_fields(agent):
    """M3.1"""
    ticket = file_di(agent, kind="JUR", module="Paie", version="1")
    assert ticket.team == Team.LEGAL and ticket.module == "" and ticket.version == ""


def test_an_expired_contract_is_refused(agent):
    """M3.1"""
    expired = contract_of(agent.establishment, "OLD")
    with pytest.raises(ValidationError):
        file_di(agent, contract=expired)
    assert not Ticket.objects.exists()


def test_another_establishments_contract_is_refused(agent, est_b):
    """M3.1"""
    with pytest.raises(ValidationError):
        file_di(agent, contract=contract_of(est_b))


def test_vendor_staff_cannot_file_a_di(support, agent):
    """M3.1"""
    with pytest.raises(TransitionRefused):
        services.ticket_create(
            acting_user=support, contract=contract_of(agent.establishment), subject="x", description="y"
        )


def test_numbers_are_unique_and_never_reused(agent):
    """M3.1"""
    first = file_di(agent)
    second = file_di(agent)
    assert first.number != second.number
    Ticket.objects.filter(pk=second.pk).delete()
    third = file_di(agent)
    assert third.number not in (first.number, second.number)
    assert int(third.number[-6:]) == int(first.number[-6:]) + 2
    assert TicketCounter.objects.count() == 1


def test_a_bad_attachment_leaves_neither_row_nor_file(agent, settings):
    """M3.1"""
    fake = SimpleUploadedFile("facture.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        file_di(agent, files=[pdf("ok.pdf"), fake])
    assert "ne correspond pas" in " ".join(error.value.messages)
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    root = settings.MEDIA_ROOT
    assert not os.path.exists(root) or not any(files for _, _, files in os.walk(root))


def test_a_database_failure_after_the_files_are_written_removes_them(agent, settings):
    """M3.1"""
    with mock.patch("support.services._event", side_effect=IntegrityError("panne")), pytest.raises(IntegrityError):
        file_di(agent, files=[pdf("a.pdf"), pdf("b.pdf")])
    assert not Ticket.objects.exists()
    root = settings.MEDIA_ROOT
    assert not os.path.exists(root) or not any(files for _, _, files in os.walk(root))


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("programme.exe", b"MZ\x90\x00", "pas accepté"),
        ("image.svg", b"<svg onload='alert(1)'/>", "pas accepté"),
        ("page.html", b"<html></html>", "pas accepté"),
        ("virus.pdf", b"MZ\x90\x00\x03", "ne correspond pas"),
        ("notes.txt", b"<!DOCTYPE html><script>x</script>", "ne correspond pas"),
        ("vide.pdf", b"", "vide"),
        ("rapport.pdf.exe", b"MZ", "pas accepté"),
    ],
)
def test_disguised_or_forbidden_files_are_refused(agent, name, content, reason):
    """M3.1"""
    with pytest.raises(ValidationError) as error:
        file_di(agent, files=[SimpleUploadedFile(name, content)])
    assert reason in " ".join(error.value.messages)


def test_oversized_files_are_refused(agent, settings):
    """M3.1"""
    settings.ATTACHMENT_MAX_SIZE = 100
    with pytest.raises(ValidationError, match="taille maximale"):
        file_di(agent, files=[SimpleUploadedFile("gros.pdf", PDF + b"x" * 200)])


def test_too_many_files_are_refused(agent, settings):
    """M3.1"""
    settings.ATTACHMENT_MAX_COUNT = 2
    with pytest.raises(ValidationError, match="au plus 2"):
        file_di(agent, files=[pdf("1.pdf"), pdf("2.pdf"), pdf("3.pdf")])


def test_path_traversal_in_a_filename_is_neutralised(agent):
    """M3.1"""
    ticket = file_di(agent, files=[pdf("../../etc/passwd.pdf")])
    attachment = ticket.attachments.get()
    assert attachment.original_name == "passwd.pdf" and ".." not in attachment.file.name


# --- Transitions ------------------------------------------------------------------------------


def test_support_takes_a_di_in_charge(agent, support):
    """M8.1 M3.3"""
    ticket = file_di(agent)
    services.ticket_take(ticket, acting_user=support)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.assignee == support
    event = ticket.events.last()
    assert (event.action, event.from_status, event.to_status, event.to_user) == (
        "taken",
        Status.TO_PROCESS,
        Status.IN_PROGRESS,
        support,
    )


def test_support_of_the_other_team_cannot_act(agent, legal_support):
    """M8.1"""
    ticket = file_di(agent)
    for action in (
        lambda: services.ticket_take(ticket, acting_user=legal_support),
        lambda: services.ticket_reply(ticket, acting_user=legal_support, body="x"),
        lambda: services.ticket_add_internal_note(ticket, acting_user=legal_support, body="x"),
    ):
        with pytest.raises(TransitionRefused):
            action()
    ticket.refresh_from_db()
    assert ticket.status == Status.TO_PROCESS and not ticket.messages.exists()


def test_a_question_sets_the_awaiting_marker_and_the_owners_answer_clears_it(agent, support):
    """M3.4 M8.1"""
    ticket = file_di(agent)
    services.ticket_reply(ticket, acting_user=support, body="Quelle version utilisez-vous ?", question=True)
    ticket.refresh_from_db()
    assert ticket.awaiting_owner and ticket.status == Status.IN_PROGRESS and ticket.assignee == support
    services.ticket_post_message(ticket, acting_user=agent, body="La 2026.3", files=[pdf()])
    ticket.refresh_from_db()
    assert not ticket.awaiting_owner
    assert ticket.messages.last().attachments.count() == 1


def test_a_plain_reply_does_not_set_the_marker(agent, support):
    """M8.1"""
    ticket = file_di(agent)
    services.ticket_reply(ticket, acting_user=support, body="Nous regardons.")
    ticket.refresh_from_db()
    assert not ticket.awaiting_owner


def test_an_internal_note_changes_nothing_visible(agent, support):
    """M8.1"""
    ticket = file_di(agent)
    services.ticket_add_internal_note(ticket, acting_user=support, body="Voir avec l'équipe R&D")
    ticket.refresh_from_db()
    assert ticket.status == Status.TO_PROCESS
    assert ticket.messages.get().kind == Message.Kind.INTERNAL


def test_only_the_owner_posts_messages(agent, colleague, est_admin, other_agent, support):
    """M3.4"""
    ticket = file_di(agent)
    for user in (colleague, est_admin, other_agent, support):
        with pytest.raises(TransitionRefused):
            services.ticket_post_message(ticket, acting_user=user, body="Moi aussi")
    assert not ticket.messages.exists()


def test_closure_in_two_steps(agent, support):
    """M3.5"""
    ticket = in_status(file_di(agent), Status.IN_PROGRESS, support)
    services.ticket_propose_closure(ticket, acting_user=support, body="Corrigé.")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSURE_PENDING and ticket.closure_proposed_at
    response = services.ticket_validate_closure(ticket, acting_user=agent, ratings=ratings(), comment="Merci !")
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at
    assert response.answers.count() == 3 and response.comment == "Merci !"


def test_validation_needs_every_answer(agent, support):
    """M3.5"""
    ticket = in_status(file_di(agent), Status.CLOSURE_PENDING, support)
    with pytest.raises(ValidationError):
        services.ticket_validate_closure(ticket, acting_user=agent, ratings={})
    with pytest.raises(ValidationError):
        services.ticket_validate_closure(ticket, acting_user=agent, ratings=dict.fromkeys(ratings(), 9))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSURE_PENDING


def test_refusing_closure_returns_to_en_cours_with_a_message(agent, support):
    """M3.5"""
    ticket = in_status(file_di(agent), Status.CLOSURE_PENDING, support)
    with pytest.raises(ValidationError):
        services.ticket_refuse_closure(ticket, acting_user=agent, body=" ")
    services.ticket_refuse_closure(ticket, acting_user=agent, body="Le problème revient le lundi.")
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.closure_proposed_at is None
    assert ticket.messages.last().kind == Message.Kind.CLOSURE_REFUSED


def test_only_the_person_in_charge_proposes_closure(agent, support, est_admin):
    """M3.5"""
    other_support = make_user("support2@vendor.example", None, "support_software")
    ticket = in_status(file_di(agent), Status.IN_PROGRESS, support)
    for user in (other_support, agent, est_admin):
        with pytest.raises(TransitionRefused):
            services.ticket_propose_closure(ticket, acting_user=user, body="Fini")


@pytest.mark.parametrize("status", [Status.TO_PROCESS, Status.IN_PROGRESS, Status.CLOSURE_PENDING])
def test_the_owner_cancels_an_open_di(agent, support, status):
    """M3.6"""
    ticket = in_status(file_di(agent), status, support)
    services.ticket_cancel(ticket, acting_user=agent, reason="Résolu de notre côté")
    ticket.refresh_from_db()
    assert ticket.status == Status.CANCELLED
    assert ticket.events.last().from_status == status


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED])
def test_nothing_happens_to_a_closed_or_cancelled_di(agent, support, est_admin, colleague, status):
    """M3.3 M3.6"""
    ticket = in_status(file_di(agent), status, support)
    attempts = [
        lambda: services.ticket_cancel(ticket, acting_user=agent, reason="x"),
        lambda: services.ticket_post_message(ticket, acting_user=agent, body="x"),
        lambda: services.ticket_reply(ticket, acting_user=support, body="x"),
        lambda: services.ticket_take(ticket, acting_user=support),
        lambda: services.ticket_propose_closure(ticket, acting_user=support, body="x"),
        lambda: services.ticket_validate_closure(ticket, acting_user=agent, ratings=ratings()),
        lambda: services.ticket_refuse_closure(ticket, acting_user=agent, body="x"),
        lambda: services.ticket_reassign(ticket, acting_user=est_admin, new_owner=colleague),
    ]
    for attempt in attempts:
        with pytest.raises(TransitionRefused):
            attempt()
    assert Ticket.objects.get(pk=ticket.pk).status == status


def test_a_colleague_cannot_cancel_or_validate(agent, colleague, support):
    """M3.4 M3.5"""
    ticket = in_status(file_di(agent), Status.CLOSURE_PENDING, support)
    with pytest.raises(TransitionRefused):
        services.ticket_validate_closure(ticket, acting_user=colleague, ratings=ratings())
    with pytest.raises(TransitionRefused):
        services.ticket_cancel(ticket, acting_user=colleague, reason="x")


def test_take_refused_once_in_progress(agent, support):
    """M3.3"""
    ticket = in_status(file_di(agent), Status.IN_PROGRESS, support)
    with pytest.raises(TransitionRefused):
        services.ticket_take(ticket, acting_user=support)


# --- Reassignment and the person in charge ------------------------------------------------


def test_an_establishment_admin_reassigns_to_an_active_colleague(agent, colleague, est_admin):
    """M4.3 M3.4"""
    ticket = file_di(agent)
    services.ticket_reassign(ticket, acting_user=est_admin, new_owner=colleague)
    ticket.refresh_from_db()
    assert ticket.owner == colleague
    event = ticket.events.last()
    assert (event.action, event.actor, event.from_user, event.to_user) == ("reassigned", est_admin, agent, colleague)


def test_reassignment_refuses_inactive_foreign_and_vendor_accounts(agent, colleague, est_admin, other_agent, support):
    """M4.3"""
    ticket = file_di(agent)
    colleague.is_active = False
    colleague.save()
    for target in (colleague, other_agent, support):
        with pytest.raises(ValidationError):
            services.ticket_reassign(ticket, acting_user=est_admin, new_owner=target)
    assert Ticket.objects.get(pk=ticket.pk).owner == agent


def test_only_an_admin_of_the_same_establishment_reassigns(agent, colleague, other_admin, referent):
    """M4.3"""
    ticket = file_di(agent)
    for user in (other_admin, referent, agent):
        with pytest.raises(TransitionRefused):
            services.ticket_reassign(ticket, acting_user=user, new_owner=colleague)


def test_release_owner_puts_the_di_on_demande_a_reaffecter(agent, est_admin):
    """M3.4 M4.4"""
    ticket = file_di(agent)
    services.ticket_release_owner(ticket, acting_user=est_admin)
    ticket.refresh_from_db()
    assert ticket.owner is None
    with pytest.raises(TransitionRefused):
        services.ticket_post_message(ticket, acting_user=agent, body="x")


def test_the_person_in_charge_changes_within_the_team(agent, support, legal_support):
    """M8.1"""
    colleague_support = make_user("support2@vendor.example", None, "support_software")
    ticket = in_status(file_di(agent), Status.IN_PROGRESS, support)
    services.ticket_change_assignee(ticket, acting_user=support, new_assignee=colleague_support)
    ticket.refresh_from_db()
    assert ticket.assignee == colleague_support
    with pytest.raises(ValidationError):
        services.ticket_change_assignee(ticket, acting_user=support, new_assignee=legal_support)
