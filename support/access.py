"""Scoped reads of DIs: every view and every future API call goes through these functions.

A client sees the DIs of their establishment; the vendor's staff see every DI. The answer for
"does not exist" and "not yours" is the same 404.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import BigIntegerField, Count, Q, Value
from django.db.models.functions import Cast
from django.http import Http404

from accounts.models import User
from core.prepared import Prepared
from establishments.models import Contract, Establishment

from .models import Attachment, Message, StatusCount, Ticket

# A user's scope: ``EVERY_ESTABLISHMENT`` (the vendor's staff), one establishment's id (its
# clients), or ``None`` (nothing: signed out, deactivated, a client without an establishment).
# A boolean, so that a prepared query (core.prepared) learns it as part of its shape, never as a
# value to replace: an establishment's id is never confused with it (compared with ``is``).
EVERY_ESTABLISHMENT = True


def ticket_scope(user):
    """What a user may see, as ``scoped_tickets`` takes it."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_vendor:
        return EVERY_ESTABLISHMENT
    return user.establishment_id


def scoped_tickets(scope):
    """The DIs of a scope (``ticket_scope``): the one place that says which DIs a user sees."""
    if scope is None:
        return Ticket.objects.none()
    if scope is EVERY_ESTABLISHMENT:
        return Ticket.objects.all()
    # The id typed as its column (bigint), so that a search reads the establishment's entries of
    # the (establishment, words) GIN index (``btree_gin``, migration 0012) with its words: that
    # index compares same-type values only, and a plain integer literal is an int4.
    return Ticket.objects.filter(establishment_id=Cast(Value(scope), BigIntegerField()))


def tickets_for(user):
    """The DIs a user may see (a queryset: lists, counts and details all start here)."""
    return scoped_tickets(ticket_scope(user))


# The establishment's counters (migration 0006), prepared: read on every page of the list.
_STATUS_COUNTS = Prepared(
    lambda establishment: StatusCount.objects.filter(establishment_id=establishment, count__gt=0).values_list(
        "status", "count"
    )
)


def status_counts_for(user):
    """{status: number of DIs} among those the user may see (statuses without DIs are absent).

    A client's establishment: the counters kept by the trigger of migration 0006 on PostgreSQL
    (at most five rows), a grouped count elsewhere (SQLite, the embedded default)."""
    scope = ticket_scope(user)
    if scope is None:
        return {}
    if scope is EVERY_ESTABLISHMENT:
        return dict(scoped_tickets(scope).order_by().values_list("status").annotate(n=Count("pk")))
    return establishment_status_counts(scope)


def establishment_status_counts(establishment_id):
    """{status: number of DIs} of one establishment: the trigger's counters on PostgreSQL (at most
    five rows, prepared), a grouped count elsewhere (SQLite, the embedded default)."""
    if connection.vendor == "postgresql":
        return dict(_STATUS_COUNTS.run(establishment=establishment_id))
    return dict(scoped_tickets(establishment_id).order_by().values_list("status").annotate(n=Count("pk")))


def _messages_seen(vendor):
    """The messages the vendor's staff (``vendor``) or a client may read, with their authors."""
    messages = Message.objects.select_related("author")
    return messages if vendor else messages.exclude(kind=Message.Kind.INTERNAL)


def visible_messages(user):
    """The messages ``user`` may read, with their authors (a DI's thread: ``thread_for``)."""
    return _messages_seen(user.is_vendor)


@dataclass
class Thread:
    messages: list  # oldest first, each with ``author`` and ``files`` (its attachments)
    initial_files: list  # the files sent with the DI itself

    def __iter__(self):
        return iter(self.messages)

    def __len__(self):
        return len(self.messages)


_THREAD = Prepared(lambda ticket, vendor: _messages_seen(vendor).filter(ticket_id=ticket), shape=("vendor",))
_TICKET_FILES = Prepared(lambda ticket: Attachment.objects.filter(ticket_id=ticket).order_by("created_at", "pk"))


def thread_for(user, ticket):
    """A DI's page's thread: the messages ``user`` may read (``visible_messages``), each given
    its files, and the files sent with the DI. Two prepared queries: the messages, then every file
    of the DI, each given to its message; a file of a message the user may not read (an internal
    note's, for a client) is given to nobody."""
    messages = _THREAD.run(ticket=ticket.pk, vendor=user.is_vendor)
    by_message = {message.pk: message for message in messages}
    for message in messages:
        message.files = []
    initial = []
    for attachment in _TICKET_FILES.run(ticket=ticket.pk):
        if attachment.message_id is None:
            initial.append(attachment)
        elif attachment.message_id in by_message:
            by_message[attachment.message_id].files.append(attachment)
    return Thread(messages=messages, initial_files=initial)


_TICKET_BY_NUMBER = Prepared(lambda scope, number: scoped_tickets(scope).filter(number=number))
_CONTRACT = Prepared(lambda pk: Contract.objects.select_related("product").filter(pk=pk))
_PEOPLE = Prepared(lambda ids: User.objects.filter(pk__in=ids))
_ESTABLISHMENT = Prepared(lambda pk: Establishment.objects.filter(pk=pk))


def get_ticket_for_user(user, number, *, for_update=False, contract=True):
    """The DI with its establishment, contract and product, and the people it names.

    The DI is read from its own table (locked for an action), then its contract with the product
    and its people in one query each: a single query joining six tables cost PostgreSQL more to
    plan than these three to run (docs/performance.md). A client's establishment is their own.
    Read through prepared queries (core.prepared), except the locking read of an action.
    ``contract=False`` leaves the contract to the caller: the desk's DI page takes it from the
    establishment's contracts it reads anyway (``support.selectors.with_establishment_contracts``)."""
    if for_update:
        try:
            ticket = tickets_for(user).select_for_update().get(number=number)
        except Ticket.DoesNotExist:
            raise Http404("DI introuvable") from None
    else:
        found = _TICKET_BY_NUMBER.run(scope=ticket_scope(user), number=str(number))
        if not found:
            raise Http404("DI introuvable")
        ticket = found[0]  # the number is unique
    if contract:
        ticket.contract = _CONTRACT.run(pk=ticket.contract_id)[0]
    people = sorted({ticket.owner_id, ticket.assignee_id, ticket.author_id} - {None})
    people = {person.pk: person for person in _PEOPLE.run(ids=people)}
    ticket.owner = people.get(ticket.owner_id)
    ticket.assignee = people.get(ticket.assignee_id)
    ticket.author = people.get(ticket.author_id)
    if user.establishment_id == ticket.establishment_id and user.establishment_id is not None:
        ticket.establishment = user.establishment
    else:
        ticket.establishment = _ESTABLISHMENT.run(pk=ticket.establishment_id)[0]
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
