"""The DI workflow: the one table every change is checked against (SPEC, « The DI workflow »).

Who may do what (``TRANSITIONS`` below says it in code; filing is not an action on a DI and is
checked by ``can_file`` / ``can_file_on_behalf``):

| from | action (UI label) | who may | to |
|---|---|---|---|
| — | file (« Soumettre la DI ») | any active client user | A traiter |
| — | file on behalf of a client who phoned (« Déposer la DI pour ce client ») | the vendor's support staff and administrators | A traiter (owner: the client, « Déposée par »: the staff member) |
| A traiter | take in charge (« Prendre en charge ») | vendor support of the DI's team | En cours |
| A traiter, En cours | reply (« Répondre »), optionally a question to the owner | vendor support of the team | En cours |
| A traiter, En cours | internal note (« Note interne ») | vendor support of the team | unchanged |
| A traiter, En cours | message (« Envoyer ») | the owner | unchanged |
| En cours | propose closure (« Proposer la clôture ») | the person in charge | Clôture à valider |
| Clôture à valider | validate (« Valider la clôture ») | the owner | Clôturée |
| Clôture à valider | refuse (« Refuser la clôture ») | the owner | En cours |
| A traiter, En cours, Clôture à valider | cancel (« Annuler la DI ») | the owner | Annulée |
| A traiter, En cours, Clôture à valider | reassign (« Réaffecter ») | an administrator of the establishment | unchanged, new owner |
| A traiter, En cours, Clôture à valider | hand over (« Confier à un collègue ») | the owner | unchanged, new owner |
| A traiter, En cours, Clôture à valider | change the person in charge | vendor support of the team | unchanged |
| A traiter, En cours | re-route to another team or contract (« Réorienter ») | vendor support of the team | unchanged; « A traiter » when the team changes |
| A traiter, En cours | merge into another open DI of the establishment (« Fusionner ») | vendor support of both DIs' teams | Annulée (the duplicate) |
| Clôturée | follow-up (« Créer une DI de suite ») | any active client user of the establishment | unchanged (a new DI links to it) |
"""

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


def is_establishment_member(user, ticket):
    """An active client user of the DI's establishment (anyone who may file DIs there)."""
    return user.is_active and user.is_client and user.establishment_id == ticket.establishment_id


def can_file(user):
    """« Soumettre la DI »: an active client user."""
    return user.is_active and user.is_client


def can_file_on_behalf(user):
    """A DI filed for a client who phoned: the vendor's support staff and administrators."""
    return user.is_active and user.is_vendor


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
    "hand_over": Transition("Confier à un collègue", OPEN, is_owner, ANY),
    # The status changes to « A traiter » when the team changes (the new team takes it).
    "reroute": Transition("Réorienter", (Status.TO_PROCESS, Status.IN_PROGRESS), is_team_support, ANY),
    # Checked on the duplicate; the DI kept must be open too, and of a team the person supports.
    "merge": Transition("Fusionner", (Status.TO_PROCESS, Status.IN_PROGRESS), is_team_support, Status.CANCELLED),
    "follow_up": Transition("Créer une DI de suite", (Status.CLOSED,), is_establishment_member, ANY),
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
    return _("« %(action)s » n'est pas possible sur la %(number)s (%(status)s) pour votre compte.") % {
        "action": TRANSITIONS[action].label,
        "number": ticket.number,
        "status": ticket.get_status_display(),
    }


def ensure(action, user, ticket):
    """Raise TransitionRefused (a clear French reason) unless ``can(action, user, ticket)``."""
    if not can(action, user, ticket):
        raise TransitionRefused(refusal_reason(action, ticket))
