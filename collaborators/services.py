"""The establishment administrator's actions on their colleagues' accounts (SPEC M4.2–M4.4):
change a profile, « Désactiver » / « Activer », « Réaffecter » DIs. The back office's account
actions call the same functions. Each is atomic, checks who acts, and records an event."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import CLIENT_ROLES, Role, User
from audit.services import record
from support.models import OPEN_STATUSES, Ticket
from support.services import ticket_reassign, ticket_release_owner


class AccountActionRefused(PermissionDenied):
    """The acting user may not manage this account (not an administrator of its establishment)."""


def _check_may_manage(acting_user, user):
    """An active « Administrateur » of the account's establishment (or the vendor's administrator,
    from the back office) manages client accounts; anyone else is refused, even by a crafted POST."""
    allowed = user.is_client and (acting_user.administers(user.establishment_id) or acting_user.is_vendor_admin)
    if not allowed:
        raise AccountActionRefused(
            _("Seul un administrateur de l'établissement peut gérer les comptes de ses collaborateurs.")
        )


def _lock_user(user):
    return User.objects.select_for_update().get(pk=user.pk)


def _check_not_last_admin(user, *, action):
    """An establishment always keeps at least one active administrator."""
    if not user.is_establishment_admin:
        return
    admins = list(
        User.objects.select_for_update()
        .filter(establishment_id=user.establishment_id, role=Role.ADMIN, is_active=True)
        .values_list("pk", flat=True)
    )
    if admins == [user.pk]:
        raise ValidationError(
            _(
                "%(name)s est le dernier administrateur actif de l'établissement : impossible de %(action)s. "
                "Donnez d'abord le profil « Administrateur » à un autre collaborateur."
            )
            % {"name": user.full_name, "action": action}
        )


@transaction.atomic
def user_change_role(user, *, acting_user, role, request=None):
    """Give a colleague another of the three client profiles (SPEC M4.2). Never a vendor role, never
    another establishment, never an establishment left without an active administrator."""
    user = _lock_user(user)
    _check_may_manage(acting_user, user)
    if role not in CLIENT_ROLES:
        raise ValidationError(
            _(
                "Choisissez l'un des profils d'établissement : Agent d'établissement, Administrateur ou Référent technique."
            )
        )
    if role == user.role:
        return user
    if role != Role.ADMIN:
        _check_not_last_admin(user, action=_("lui retirer le profil « Administrateur »"))
    old_role = user.role
    user.role = role
    user.save(update_fields=["role"])
    record(
        "role_changed",
        actor=acting_user,
        request=request,
        establishment=user.establishment,
        target=user.email,
        old=old_role,
        new=role,
    )
    return user


@transaction.atomic
def user_deactivate(user, *, acting_user, request=None):
    """« Désactiver » (SPEC M4.4): the account can no longer log in — its open sessions are refused
    on their next request, as Django's ModelBackend refuses inactive accounts — and its open DIs
    pass to « Demande A Reaffecter »."""
    user = _lock_user(user)
    _check_may_manage(acting_user, user)
    if user.pk == acting_user.pk:
        raise ValidationError(_("Vous ne pouvez pas désactiver votre propre compte."))
    if not user.is_active:
        raise ValidationError(_("Le compte de %(name)s est déjà désactivé.") % {"name": user.full_name})
    _check_not_last_admin(user, action=_("le désactiver"))
    user.is_active = False
    user.save(update_fields=["is_active"])
    released = []
    for ticket in Ticket.objects.filter(owner=user, status__in=OPEN_STATUSES).order_by("pk"):
        ticket_release_owner(ticket, acting_user=acting_user)
        released.append(ticket.number)
    record(
        "user_deactivated",
        actor=acting_user,
        request=request,
        establishment=user.establishment,
        target=user.email,
        released=released,
    )
    return user


@transaction.atomic
def user_activate(user, *, acting_user, request=None):
    """« Activer » (SPEC M4.4): the account may log in again; its former DIs stay where they are."""
    user = _lock_user(user)
    _check_may_manage(acting_user, user)
    if user.is_active:
        raise ValidationError(_("Le compte de %(name)s est déjà actif.") % {"name": user.full_name})
    user.is_active = True
    user.save(update_fields=["is_active"])
    record("user_activated", actor=acting_user, request=request, establishment=user.establishment, target=user.email)
    return user


@transaction.atomic
def tickets_reassign_many(tickets, *, acting_user, new_owner, request=None):
    """« Réaffecter » (SPEC M4.3) one, several or all DIs to another active colleague: all or none.

    Each move goes through ``support.services.ticket_reassign`` (workflow check, event on the DI,
    e-mail to the new owner). Returns the DIs that changed owner."""
    moved = []
    for ticket in tickets:
        # Read under the lock: a DI that already belongs to the new owner is not « moved ».
        current_owner_id = Ticket.objects.select_for_update().values_list("owner_id", flat=True).get(pk=ticket.pk)
        ticket = ticket_reassign(ticket, acting_user=acting_user, new_owner=new_owner)
        if current_owner_id != new_owner.pk:
            moved.append(ticket)
    if moved:
        record(
            "tickets_reassigned",
            actor=acting_user,
            request=request,
            establishment=new_owner.establishment,
            target=new_owner.email,
            tickets=[ticket.number for ticket in moved],
        )
    return moved
