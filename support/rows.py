"""What a row of the two DI lists (client list, support desk) reads.

A page's 25 DIs are read from ``support_ticket`` alone, then their contracts (with the product),
the people named in them and, on the desk, the establishments, each in one query by primary key.
The same page as one query joining five tables cost PostgreSQL ~3 ms to plan and run, against
~1 ms for these (``support_ticket`` has some twenty indexes for the planner to weigh); see
docs/performance.md.
"""

from accounts.models import User
from establishments.models import Contract, Establishment

# The DI's own columns that a row shows (support/templatetags/support_rows.py).
TICKET_COLUMNS = (
    "number",
    "subject",
    "status",
    "awaiting_owner",
    "created_at",
    "last_activity_at",
    "contract",
    "owner",
    "assignee",
)


def only_row_columns(tickets, *, with_establishment=False):
    """The queryset of a list, reading only what its rows show."""
    return tickets.only(*TICKET_COLUMNS, *(("establishment",) if with_establishment else ()))


def attach_row_relations(tickets, *, with_establishment=False):
    """Give the page's DIs (a list) their contract and product, owner, person in charge and, on
    the desk, establishment: one query each, by primary key. Returns the list."""
    if not tickets:
        return tickets
    contracts = Contract.objects.filter(pk__in={t.contract_id for t in tickets}).select_related("product")
    contracts = {c.pk: c for c in contracts.only("reference", "product__name")}
    people_ids = {t.owner_id for t in tickets} | {t.assignee_id for t in tickets}
    people_ids.discard(None)
    people = {u.pk: u for u in User.objects.filter(pk__in=people_ids).only("first_name", "last_name")}
    establishments = {}
    if with_establishment:
        establishments = Establishment.objects.filter(pk__in={t.establishment_id for t in tickets}).only("name")
        establishments = {e.pk: e for e in establishments}
    for ticket in tickets:
        ticket.contract = contracts[ticket.contract_id]
        ticket.owner = people.get(ticket.owner_id)
        ticket.assignee = people.get(ticket.assignee_id)
        if with_establishment:
            ticket.establishment = establishments[ticket.establishment_id]
    return tickets
