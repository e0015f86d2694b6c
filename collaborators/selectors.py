"""Reads of the « Collaborateurs » and « Etablissement » pages, built on the scoped reads of
accounts (``accounts.access.collaborators_for``) and DIs (``support.access.tickets_for``)."""

from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When

from accounts.access import collaborators_for
from accounts.models import CLIENT_ROLES
from core import sorting
from support.access import tickets_for
from support.models import OPEN_STATUSES

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
