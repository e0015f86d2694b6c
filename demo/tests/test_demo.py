import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role, User
from demo import base as demo
from demo.base import DEMO_PASSWORD
from establishments.models import Contract, Establishment
from notifications.models import OutgoingEmail
from support.models import Attachment, Message, Status, SurveyQuestion, Ticket, TicketEvent


@pytest.mark.django_db
def test_demo_data_holds_the_accounts_of_the_readme(capsys):
    """M1.1 M4.2"""
    call_command("load_demo")
    expected = {
        "admin@ch-demo.example": Role.ADMIN,
        "agent@ch-demo.example": Role.AGENT,
        "agent2@ch-demo.example": Role.AGENT,
        "referent@ch-demo.example": Role.REFERENT,
        "admin@ehpad-demo.example": Role.ADMIN,
        "agent@ehpad-demo.example": Role.AGENT,
        "support@cegape.example": Role.SUPPORT_SOFTWARE,
        "juridique@cegape.example": Role.SUPPORT_LEGAL,
        "superviseur@cegape.example": Role.VENDOR_ADMIN,
    }
    for email, role in expected.items():
        user = User.objects.get(email=email)
        assert user.role == role and user.check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_contracts_match_the_story():
    """M5 M6"""
    call_command("load_demo")
    chd = Establishment.objects.get(name="Centre Hospitalier de Démonstration")
    ehpad = Establishment.objects.get(name="EHPAD Les Tilleuls")
    assert set(Contract.objects.filter(establishment=chd).active().values_list("product__name", flat=True)) == {
        "Indeline",
        "Winpaie",
        "Juridem",
    }
    assert set(Contract.objects.filter(establishment=ehpad).active().values_list("product__name", flat=True)) == {
        "Winpaie"
    }
    assert Contract.objects.filter(establishment=ehpad, product__name="Indeline").exists()


@pytest.mark.django_db
def test_demo_command_is_idempotent_and_skips_a_filled_database(capsys):
    """M1.1"""
    call_command("load_demo")
    counts = (User.objects.count(), Contract.objects.count())
    call_command("load_demo")
    call_command("load_demo", "--if-empty")
    assert (User.objects.count(), Contract.objects.count()) == counts
    assert "déjà des comptes" in capsys.readouterr().out


CHD = "Centre Hospitalier de Démonstration"
EHPAD = "EHPAD Les Tilleuls"


@pytest.mark.django_db
def test_demo_dis_of_the_hospital_cover_every_status():
    """M3.2 M3.3 M2.5"""
    demo.load()
    tickets = Ticket.objects.filter(establishment__name=CHD)
    assert 10 <= tickets.count() <= 15
    assert set(tickets.values_list("status", flat=True)) == set(Status.values)
    assert tickets.filter(awaiting_owner=True, status=Status.IN_PROGRESS).count() >= 2
    owners = set(tickets.values_list("owner__email", flat=True))
    assert owners == {
        "agent@ch-demo.example",
        "agent2@ch-demo.example",
        "referent@ch-demo.example",
        "admin@ch-demo.example",
    }
    assert set(tickets.values_list("contract__product__name", flat=True)) == {"Indeline", "Winpaie", "Juridem"}
    for ticket in tickets.exclude(contract__product__name="Juridem"):
        assert ticket.module and ticket.version and ticket.environment
    assert not tickets.filter(contract__product__name="Juridem").exclude(module="").exists()


@pytest.mark.django_db
def test_demo_dis_went_through_the_workflow():
    """M3.5 M8.1"""
    demo.load()
    tickets = Ticket.objects.filter(establishment__name=CHD)
    for ticket in tickets:
        assert ticket.events.filter(action=TicketEvent.Action.CREATED).exists()
        assert ticket.created_at <= ticket.last_activity_at <= timezone.now()
    for ticket in tickets.filter(status=Status.CLOSED):
        assert ticket.survey.answers.count() == SurveyQuestion.objects.filter(is_active=True).count()
        assert ticket.closed_at and ticket.events.filter(action=TicketEvent.Action.CLOSURE_VALIDATED).exists()
    for ticket in tickets.filter(status=Status.CLOSURE_PENDING):
        assert ticket.closure_proposed_at > timezone.now() - timedelta(days=settings.TICKET_CLOSURE_VALIDATION_DAYS)
    for ticket in tickets.filter(status__in=[Status.IN_PROGRESS, Status.CLOSURE_PENDING, Status.CLOSED]):
        assert ticket.assignee is not None and ticket.assignee.is_vendor
    assert Message.objects.filter(ticket__in=tickets, kind=Message.Kind.INTERNAL).exists()
    assert Message.objects.filter(ticket__in=tickets, kind=Message.Kind.QUESTION).exists()
    assert tickets.filter(created_at__lt=timezone.now() - timedelta(days=20)).exists()


@pytest.mark.django_db
def test_demo_attachments_are_real_files():
    """M3.1 M3.4"""
    demo.load()
    attachments = Attachment.objects.filter(ticket__establishment__name=CHD)
    names = set(attachments.values_list("original_name", flat=True))
    assert {"releve-tresor-fevrier.pdf", "winpaie-client.log", "rejet-pes-bordereau-412.pdf"} <= names
    for attachment in attachments:
        with attachment.file.open("rb") as handle:
            content = handle.read()
        assert len(content) == attachment.size and hashlib.sha256(content).hexdigest() == attachment.sha256
        if attachment.original_name.endswith(".pdf"):
            assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
            assert attachment.content_type == "application/pdf"
        else:
            assert attachment.content_type == "text/plain"


@pytest.mark.django_db
def test_demo_care_home_has_a_few_dis_on_its_payroll_contract():
    """M3.2"""
    demo.load()
    tickets = Ticket.objects.filter(establishment__name=EHPAD)
    assert 2 <= tickets.count() <= 5
    assert set(tickets.values_list("contract__reference", flat=True)) == {"CT-EHP-WIN-2020"}
    assert tickets.filter(awaiting_owner=True).exists()


@pytest.mark.django_db
def test_loading_the_demo_twice_does_not_duplicate_the_dis():
    """M3.2"""
    demo.load()
    counts = (Ticket.objects.count(), Message.objects.count(), Attachment.objects.count())
    assert demo.load()["tickets_created"] == 0
    assert (Ticket.objects.count(), Message.objects.count(), Attachment.objects.count()) == counts


@pytest.mark.django_db
def test_loading_the_demo_sends_no_email(django_capture_on_commit_callbacks):
    """M9"""
    with django_capture_on_commit_callbacks(execute=True):
        demo.load()
    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()
