"""Where the webhooks' events come from: the DIs' events (``support.TicketEvent``, written by every
action of ``support.services``) and the accounts (``accounts.User``: created, deactivated)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from support.models import TicketEvent

from .models import Event
from .services import emit, listened

ACTION_EVENTS = {
    TicketEvent.Action.CREATED: Event.TICKET_CREATED,
    TicketEvent.Action.REPLIED: Event.TICKET_ANSWERED,
    TicketEvent.Action.QUESTION: Event.TICKET_ANSWERED,
    TicketEvent.Action.CLOSURE_VALIDATED: Event.TICKET_CLOSURE_VALIDATED,
    TicketEvent.Action.CLOSURE_REFUSED: Event.TICKET_CLOSURE_REFUSED,
}


def _iso(moment):
    return moment.isoformat() if moment else None


def ticket_data(event):
    ticket = event.ticket
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "team": ticket.team,
        "establishment": {"id": ticket.establishment_id, "name": ticket.establishment.name},
        "contract": ticket.contract.reference,
        "owner_id": ticket.owner_id,
        "assignee_id": ticket.assignee_id,
        "created_at": _iso(ticket.created_at),
        "action": event.action,
        "actor_id": event.actor_id,
        "from_status": event.from_status or None,
        "to_status": event.to_status or None,
        "at": _iso(event.created_at),
    }


@receiver(post_save, sender=TicketEvent, dispatch_uid="webhooks_ticket_event")
def ticket_event(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    events = [ACTION_EVENTS[instance.action]] if instance.action in ACTION_EVENTS else []
    if instance.from_status and instance.to_status and instance.from_status != instance.to_status:
        events.append(Event.TICKET_STATUS_CHANGED)
    for event in events:
        emit(event, lambda: ticket_data(instance))


def account_data(user):
    return {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "establishment_id": user.establishment_id,
        "is_active": user.is_active,
    }


@receiver(pre_save, sender=User, dispatch_uid="webhooks_account_before")
def account_before(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._webhooks_was_active = None
    if raw or instance.pk is None or (update_fields is not None and "is_active" not in update_fields):
        return
    if not listened(Event.ACCOUNT_DEACTIVATED):
        return
    instance._webhooks_was_active = User.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()


@receiver(post_save, sender=User, dispatch_uid="webhooks_account_after")
def account_after(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    if created:
        emit(Event.ACCOUNT_CREATED, lambda: account_data(instance))
    elif getattr(instance, "_webhooks_was_active", None) and not instance.is_active:
        emit(Event.ACCOUNT_DEACTIVATED, lambda: account_data(instance))
