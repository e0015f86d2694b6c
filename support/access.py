"""Scoped reads of DIs: every view and every future API call goes through these functions.

A client sees the DIs of their establishment; the vendor's staff see every DI. The answer for
"does not exist" and "not yours" is the same 404.
"""

from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.http import Http404

from accounts.models import User
from establishments.models import Contract, Establishment

from .models import Attachment, Message, StatusCount, Ticket


def tickets_for(user):
    """The DIs a user may see (a queryset: lists, counts and details all start here)."""
    if not user.is_authenticated or not user.is_active:
        return Ticket.objects.none()
    if user.is_vendor:
        return Ticket.objects.all()
    if user.establishment_id is None:
        return Ticket.objects.none()
    return Ticket.objects.filter(establishment_id=user.establishment_id)


def status_counts_for(user):
    """{status: number of DIs} among those the user may see (statuses without DIs are absent).

    A client's establishment: the counters kept by the trigger of migration 0006 on PostgreSQL
    (at most five rows), a grouped count elsewhere (SQLite, the embedded default)."""
    if connection.vendor == "postgresql" and user.is_authenticated and user.is_active and user.is_client:
        if user.establishment_id is None:
            return {}
        rows = StatusCount.objects.filter(establishment_id=user.establishment_id, count__gt=0)
        return dict(rows.values_list("status", "count"))
    return dict(tickets_for(user).order_by().values_list("status").annotate(n=Count("pk")))


def visible_messages(user):
    messages = Message.objects.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "pk"))
    )
    if not user.is_vendor:
        messages = messages.exclude(kind=Message.Kind.INTERNAL)
    return messages


def get_ticket_for_user(user, number, *, for_update=False):
    """The DI with its establishment, contract and product, and the people it names.

    The DI is read from its own table (locked for an action), then its contract with the product
    and its people in one query each: a single query joining six tables cost PostgreSQL more to
    plan than these three to run (docs/performance.md). A client's establishment is their own."""
    queryset = tickets_for(user)
    if for_update:
        queryset = queryset.select_for_update()
    try:
        ticket = queryset.get(number=number)
    except Ticket.DoesNotExist:
        raise Http404("DI introuvable") from None
    ticket.contract = Contract.objects.select_related("product").get(pk=ticket.contract_id)
    people = {ticket.owner_id, ticket.assignee_id, ticket.author_id} - {None}
    people = {person.pk: person for person in User.objects.filter(pk__in=people)}
    ticket.owner = people.get(ticket.owner_id)
    ticket.assignee = people.get(ticket.assignee_id)
    ticket.author = people.get(ticket.author_id)
    if user.establishment_id == ticket.establishment_id and user.establishment_id is not None:
        ticket.establishment = user.establishment
    else:
        ticket.establishment = Establishment.objects.get(pk=ticket.establishment_id)
    return ticket


def get_attachment_for_user(user, number, attachment_uuid):
    """An attachment is fetched through its DI; a client never reaches one of an internal note."""
    ticket = get_ticket_for_user(user, number)
    attachments = Attachment.objects.filter(ticket=ticket, uuid=attachment_uuid)
    if not user.is_vendor:
        attachments = attachments.filter(Q(message__isnull=True) | ~Q(message__kind=Message.Kind.INTERNAL))
    attachment = attachments.first()
    if attachment is None:
        raise Http404("Pièce jointe introuvable")
    return attachment
