"""Reads of the « Collaborateurs » and « Etablissement » pages, built on the scoped reads of
accounts (``accounts.access.collaborators_for``) and DIs (``support.access.tickets_for``)."""

from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When

from accounts.access import accounts_of_establishment, collaborators_for
from accounts.models import CLIENT_ROLES
from core import sorting
from establishments.access import contracts_for, establishments_for
from support.access import tickets_for
from support.models import OPEN_STATUSES
from support.selectors import establishment_status_counts

PAGE_SIZE = 25
TICKETS_PAGE_SIZE = 20

ROLE_RANK = Case(
    *(When(role=role, then=Value(rank)) for rank, role in enumerate(CLIENT_ROLES)), output_field=IntegerField()
)
# ?tri=<key> or ?tri=-<key>: the list's sortable columns (a whitelist).
SORTS = {
    "nom": ("last_name", "first_name"),
    "email": ("email",),
    "profil": ("role_rank", "last_name", "first_name"),
    "actif": ("is_active", "last_name", "first_name"),
    "dis": ("open_dis", "last_name", "first_name"),
}
DEFAULT_SORT = "nom"


def collaborator_page(user, page_number, *, search="", sort=DEFAULT_SORT):
    """A page of the establishment's accounts with their number of open DIs: every word of
    ``search`` in the name or the e-mail, in the order of ``sort`` (a key of SORTS)."""
    collaborators = collaborators_for(user).annotate(
        open_dis=Count("owned_tickets", filter=Q(owned_tickets__status__in=OPEN_STATUSES)),
        role_rank=ROLE_RANK,
    )
    for term in search.split():
        collaborators = collaborators.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    collaborators = collaborators.order_by(*sorting.order_by(SORTS[sort.removeprefix("-")], sort))
    return Paginator(collaborators, PAGE_SIZE).get_page(page_number)


def owned_tickets(user, owner):
    """The DIs of the establishment that ``owner`` holds (``None``: « Demande A Reaffecter », the
    placeholder owner of the DIs whose owner is gone)."""
    tickets = tickets_for(user)
    return tickets.filter(owner__isnull=True) if owner is None else tickets.filter(owner=owner)


def open_tickets(user, owner):
    return owned_tickets(user, owner).filter(status__in=OPEN_STATUSES)


def ticket_page(user, owner, page_number):
    """A page of a sheet's DIs, newest first."""
    tickets = owned_tickets(user, owner).select_related("contract__product", "assignee").order_by("-created_at", "-pk")
    return Paginator(tickets, TICKETS_PAGE_SIZE).get_page(page_number)


def reassignment_candidates(user, exclude=None):
    """Who may receive DIs: the active accounts of the establishment (but ``exclude``)."""
    candidates = collaborators_for(user).filter(is_active=True).order_by("last_name", "first_name")
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return candidates


# --- The vendor's staff: establishments' sheets and collaborators, read-only (M11.3) ------------

ESTABLISHMENTS_PAGE_SIZE = 25
SHEET_OPEN_SHOWN = 10


def establishment_page(user, page_number, *, search=""):
    """A page of the establishments the user may read, by name: every word of ``search`` in the
    name or the city (accents and case ignored), or the start of the FINESS or SIRET number."""
    establishments = establishments_for(user).only("name", "kind", "city", "postal_code", "finess", "siret")
    for term in search.split():
        establishments = establishments.filter(
            Q(name__fcontains=term) | Q(city__fcontains=term) | Q(finess__startswith=term) | Q(siret__startswith=term)
        )
    return Paginator(establishments.order_by("name", "pk"), ESTABLISHMENTS_PAGE_SIZE).get_page(page_number)


def establishment_accounts_page(user, establishment, page_number):
    """A page of an establishment's accounts with their number of open DIs, by name."""
    accounts = accounts_of_establishment(user, establishment.pk).annotate(
        open_dis=Count("owned_tickets", filter=Q(owned_tickets__status__in=OPEN_STATUSES))
    )
    return Paginator(accounts.order_by("last_name", "first_name", "pk"), PAGE_SIZE).get_page(page_number)


def establishment_contracts(user, establishment):
    return list(contracts_for(user).filter(establishment=establishment).order_by("product__name", "-start_date"))


def establishment_open_tickets(user, establishment):
    """(the latest open DIs, how many are open) of an establishment."""
    counts = establishment_status_counts(establishment.pk)
    tickets = (
        tickets_for(user)
        .filter(establishment=establishment, status__in=OPEN_STATUSES)
        .select_related("contract__product", "owner", "assignee")
        .order_by("-last_activity_at", "-pk")[:SHEET_OPEN_SHOWN]
    )
    return list(tickets), sum(counts.get(status, 0) for status in OPEN_STATUSES)


def account_ticket_page(user, account, page_number):
    """A page of the DIs ``account`` owns, newest first (the vendor's read of a collaborator)."""
    tickets = (
        tickets_for(user)
        .filter(owner=account)
        .select_related("contract__product", "assignee")
        .order_by("-created_at", "-pk")
    )
    return Paginator(tickets, TICKETS_PAGE_SIZE).get_page(page_number)
