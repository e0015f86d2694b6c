"""The DI workflow: the one table every change is checked against (SPEC, « The DI workflow »)."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import Role

from .models import Status, Team

ANY = None  # the action leaves the status as it is

TEAM_OF_ROLE = {Role.SUPPORT_SOFTWARE: Team.SOFTWARE, Role.SUPPORT_LEGAL: Team.LEGAL}


def is_team_support(user, ticket):
    """Vendor support of the DI's team; the vendor's administrators supervise every team."""
    return user.is_active and (TEAM_OF_ROLE.get(user.role) == ticket.team or user.is_vendor_admin)


def is_owner(user, ticket):
    return user.is_active and ticket.owner_id is not None and ticket.owner_id == user.pk


def is_person_in_charge(user, ticket):
    return is_team_support(user, ticket) and (ticket.assignee_id in (None, user.pk) or user.is_vendor_admin)


def is_establishment_admin(user, ticket):
    return user.administers(ticket.establishment_id)


@dataclass(frozen=True)
class Transition:
    label: str
    sources: tuple
    allowed: object  # (user, ticket) -> bool
    target: str | None


OPEN = (Status.TO_PROCESS, Status.IN_PROGRESS, Status.CLOSURE_PENDING)

TRANSITIONS = {
    "take": Transition("Prendre en charge", (Status.TO_PROCESS,), is_team_support, Status.IN_PROGRESS),
    "reply": Transition("Répondre", (Status.TO_PROCESS, Status.IN_PROGRESS), is_team_support, Status.IN_PROGRESS),
    "internal_note": Transition("Note interne", (Status.TO_PROCESS, Status.IN_PROGRESS), is_team_support, ANY),
    "owner_message": Transition("Envoyer", (Status.TO_PROCESS, Status.IN_PROGRESS), is_owner, ANY),
    "propose_closure": Transition(
        "Proposer la clôture", (Status.IN_PROGRESS,), is_person_in_charge, Status.CLOSURE_PENDING
    ),
    "validate_closure": Transition("Valider la clôture", (Status.CLOSURE_PENDING,), is_owner, Status.CLOSED),
    "refuse_closure": Transition("Refuser la clôture", (Status.CLOSURE_PENDING,), is_owner, Status.IN_PROGRESS),
    "cancel": Transition("Annuler la DI", OPEN, is_owner, Status.CANCELLED),
    "reassign": Transition("Réaffecter", OPEN, is_establishment_admin, ANY),
    "change_assignee": Transition("Changer le support", OPEN, is_team_support, ANY),
}


def can(action, user, ticket):
    transition = TRANSITIONS[action]
    return ticket.status in transition.sources and transition.allowed(user, ticket)


def allowed_actions(user, ticket):
    return {name for name in TRANSITIONS if can(name, user, ticket)}


class TransitionRefused(PermissionDenied):
    """The workflow table does not allow this action, for this user, in this status."""


def refusal_reason(action, ticket):
    """Why ``action`` is refused on ``ticket``, in French."""
    return _("« %(action)s » n'est pas possible sur la DI %(number)s (%(status)s) pour votre compte.") % {
        "action": TRANSITIONS[action].label,
        "number": ticket.number,
        "status": ticket.get_status_display(),
    }


def ensure(action, user, ticket):
    """Raise TransitionRefused (a clear French reason) unless ``can(action, user, ticket)``."""
    if not can(action, user, ticket):
        raise TransitionRefused(refusal_reason(action, ticket))
