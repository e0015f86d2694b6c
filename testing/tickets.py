"""DIs made through the services, as people do: filed by a client user, taken in charge, closed.

The fixture establishments (``testing.personas``) hold three contracts: SW (software, active), JUR
(legal, active) and OLD (ended)."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from support import services
from support.models import Status, SurveyQuestion, Ticket

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(name="capture.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def text_file(name="journal.txt", content=b"Erreur 42 au lancement\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def contract_of(establishment, kind="SW"):
    """One of the establishment's contracts by the end of its reference: SW, JUR or OLD."""
    return establishment.contracts.get(reference__endswith=f"-{kind}")


def file_di(user, *, kind="SW", contract=None, subject="Impossible d'éditer les bulletins", files=(), **fields):
    """A DI filed by a client user on their establishment's ``kind`` contract (or on ``contract``)."""
    fields.setdefault("description", "Le bouton « Éditer » ne répond plus depuis ce matin.")
    return services.ticket_create(
        acting_user=user,
        contract=contract or contract_of(user.establishment, kind),
        subject=subject,
        files=list(files),
        **fields,
    )


def take(ticket, support_user):
    """« Prendre en charge »: the DI is « En cours », in the hands of ``support_user``."""
    services.ticket_take(ticket, acting_user=support_user)
    ticket.refresh_from_db()
    return ticket


def propose_closure(ticket, support_user):
    """« Proposer la clôture » (taken in charge first if needed): the DI waits for its owner."""
    if ticket.status == Status.TO_PROCESS:
        take(ticket, support_user)
    services.ticket_propose_closure(ticket, acting_user=support_user, body="Le correctif est installé.")
    ticket.refresh_from_db()
    return ticket


def ratings(value=4):
    """The same rating to every active question of the questionnaire, as the services take them."""
    return {question.pk: value for question in SurveyQuestion.objects.filter(is_active=True)}


def ratings_form(value=4):
    """The same ratings as the closure form posts them."""
    return {f"survey-q{question.pk}": str(value) for question in SurveyQuestion.objects.filter(is_active=True)}


def close_with_survey(ticket, support_user, *, ratings, comment=""):
    """Closure proposed, then validated by the owner with one rating per active question (in order)."""
    propose_closure(ticket, support_user)
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    services.ticket_validate_closure(
        ticket,
        acting_user=ticket.owner,
        ratings={q.pk: rating for q, rating in zip(questions, ratings, strict=True)},
        comment=comment,
    )
    ticket.refresh_from_db()
    return ticket


def in_status(ticket, status, support_user):
    """The DI driven through the workflow to ``status`` (closed with 4 to every question, or
    cancelled by its owner)."""
    if status == Status.TO_PROCESS:
        return ticket
    take(ticket, support_user)
    if status == Status.IN_PROGRESS:
        return ticket
    propose_closure(ticket, support_user)
    if status == Status.CLOSURE_PENDING:
        return ticket
    if status == Status.CLOSED:
        services.ticket_validate_closure(ticket, acting_user=ticket.owner, ratings=ratings())
    else:
        services.ticket_cancel(ticket, acting_user=ticket.owner, reason="Plus d'actualité")
    ticket.refresh_from_db()
    return ticket


def age(ticket, days):
    """Pretend the DI was filed ``days`` days ago."""
    moment = timezone.now() - timedelta(days=days)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=moment, last_activity_at=moment)
    ticket.refresh_from_db()
    return ticket


def numbers(response):
    """The DI numbers listed on a desk page, in order."""
    return [ticket.number for ticket in response.context["page"].object_list]
