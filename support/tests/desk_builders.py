"""Small builders for the support desk tests: DIs are made through the services, as people do."""

from datetime import timedelta

from django.utils import timezone

from support import services
from support.models import SurveyQuestion, Ticket


def file_di(user, *, kind="SW", subject="Les bulletins ne s'éditent plus", **fields):
    """A DI filed by a client user on their establishment's active software (SW) or legal (JUR) contract."""
    fields.setdefault("description", "Le bouton « Éditer » ne répond plus depuis ce matin.")
    contract = user.establishment.contracts.get(reference__endswith=f"-{kind}")
    return services.ticket_create(acting_user=user, contract=contract, subject=subject, **fields)


def age(ticket, days):
    """Pretend the DI was filed ``days`` days ago."""
    moment = timezone.now() - timedelta(days=days)
    Ticket.objects.filter(pk=ticket.pk).update(created_at=moment, last_activity_at=moment)
    ticket.refresh_from_db()
    return ticket


def take(ticket, support_user):
    services.ticket_take(ticket, acting_user=support_user)
    ticket.refresh_from_db()
    return ticket


def propose_closure(ticket, support_user):
    if ticket.status == "to_process":
        take(ticket, support_user)
    services.ticket_propose_closure(ticket, acting_user=support_user, body="Le correctif est installé.")
    ticket.refresh_from_db()
    return ticket


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


def numbers(response):
    """The DI numbers listed on a desk page, in order."""
    return [ticket.number for ticket in response.context["page"].object_list]
