"""Writes on accounts: one function per action, atomic, audited, e-mails after commit."""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from audit.services import record
from notifications.services import email_queue

from .models import CLIENT_ROLES, AccountRequest, Role, User, normalize_email
from .tokens import invitation_token_generator


def _link(url_name, user, generator):
    from django.conf import settings

    path = reverse(
        url_name, kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": generator.make_token(user)}
    )
    return settings.SITE_URL + path


@transaction.atomic
def password_reset_request(email, *, request=None):
    """« Mot de passe oublié » submitted: the same work whatever the address, so that neither the
    answer nor its timing tells whether an account exists (osTicket CVE-2026-26895).

    One look-up, one event, one job queued after the commit. The link and the e-mail are made by the
    job: by the Celery worker in production, off the request; at once in the embedded default."""
    from django.conf import settings

    email = normalize_email(email)
    user = User.objects.filter(email=email, is_active=True).select_related("establishment").first()
    record(
        "password_reset_requested" if user else "password_reset_no_account",
        actor=None,
        request=request,
        establishment=user.establishment if user else None,
        target=email,
    )
    if settings.EMAIL_DELIVERY == "celery":
        from .tasks import deliver_password_reset

        transaction.on_commit(lambda: deliver_password_reset.delay(email), robust=True)
    else:
        transaction.on_commit(lambda: password_reset_deliver(email))


@transaction.atomic
def password_reset_deliver(email):
    """The job: e-mail the active account with this address (if any) a single-use, expiring link."""
    for user in User.objects.filter(email=normalize_email(email), is_active=True):
        email_queue(
            "password_reset",
            to=user.email,
            context={"user": user, "link": _link("accounts:password_reset_confirm", user, default_token_generator)},
        )


def user_invite(user):
    """E-mail a new (or newly approved) account a link to choose its password."""
    email_queue(
        "account_invitation",
        to=user.email,
        context={"user": user, "link": _link("accounts:invitation_confirm", user, invitation_token_generator)},
    )


@transaction.atomic
def profile_update(user, *, form, request):
    """Save « Mon profil ». Changing the password keeps this session and ends the others."""
    old_email = form.initial_email
    user = form.save(commit=False)
    if form.password_changed:
        user.set_password(form.cleaned_data["new_password1"])
    user.save()
    if form.password_changed:
        update_session_auth_hash(request, user)
        record("password_changed", actor=user, request=request, target=user.email)
    if form.email_changed:
        record("email_changed", actor=user, request=request, target=user.email, old=old_email)
        email_queue("email_changed", to=old_email, context={"user": user, "old_email": old_email})
    record("profile_updated", actor=user, request=request, target=user.email)
    return user


@transaction.atomic
def account_request_submit(*, form, request):
    account_request = form.save()
    record(
        "account_request_submitted",
        request=request,
        target=f"{account_request.email} ({account_request.establishment_name})",
    )
    admins = User.objects.filter(role=Role.VENDOR_ADMIN, is_active=True).values_list("email", flat=True)
    for email in admins:
        email_queue("account_request_received", to=email, context={"account_request": account_request})
    return account_request


def _check_pending(account_request):
    if account_request.status != AccountRequest.Status.PENDING:
        raise ValidationError(
            _("Cette demande a déjà été traitée (%(status)s).") % {"status": account_request.get_status_display()}
        )


@transaction.atomic
def account_request_approve(account_request, *, acting_user, establishment, role=Role.REFERENT):
    """Create the account (or update the existing one with this e-mail) and e-mail it a link
    to choose its password. A request is approved once; a vendor account is never touched."""
    account_request = AccountRequest.objects.select_for_update().get(pk=account_request.pk)
    _check_pending(account_request)
    if role not in CLIENT_ROLES:
        raise ValidationError(_("Une demande de compte ne peut donner qu'un profil client."))
    user = User.objects.select_for_update().filter(email=account_request.email).first()
    if user is not None and user.is_vendor:
        raise ValidationError(
            _(
                "Cette adresse mail est celle d'un compte du personnel de l'éditeur : il n'est pas modifié par une demande."
            )
        )
    created = user is None
    if created:
        user = User(email=account_request.email)
        user.set_unusable_password()
    user.first_name = account_request.first_name
    user.last_name = account_request.last_name
    user.phone = account_request.phone or user.phone
    user.function = account_request.function
    user.establishment = establishment
    user.role = role
    user.is_active = True
    user.full_clean(exclude=["password"])
    user.save()
    account_request.status = AccountRequest.Status.APPROVED
    account_request.reviewed_by = acting_user
    account_request.reviewed_at = timezone.now()
    account_request.account = user
    account_request.save()
    record(
        "account_request_approved",
        actor=acting_user,
        establishment=establishment,
        target=user.email,
        created=created,
        role=role,
    )
    if created or not user.has_usable_password():
        user_invite(user)
    else:
        email_queue("account_updated", to=user.email, context={"user": user})
    return user


@transaction.atomic
def account_request_reject(account_request, *, acting_user, reason):
    account_request = AccountRequest.objects.select_for_update().get(pk=account_request.pk)
    _check_pending(account_request)
    if not reason.strip():
        raise ValidationError(_("Indiquez le motif du refus : il est envoyé au demandeur."))
    account_request.status = AccountRequest.Status.REJECTED
    account_request.rejection_reason = reason.strip()
    account_request.reviewed_by = acting_user
    account_request.reviewed_at = timezone.now()
    account_request.save()
    record("account_request_rejected", actor=acting_user, establishment=None, target=account_request.email)
    email_queue("account_request_rejected", to=account_request.email, context={"account_request": account_request})
    return account_request


# --- Collaborators (SPEC M4): an establishment's administrator manages its accounts ----------


class AccountActionRefused(PermissionDenied):
    """The acting user may not manage this account (not an administrator of its establishment)."""


def _check_may_manage(acting_user, user):
    """An active « Administrateur » of the account's establishment (or the vendor's administrator,
    from the back office) manages client accounts; anyone else is refused, even by a crafted POST."""
    allowed = (
        acting_user.is_active
        and user.is_client
        and (
            (acting_user.role == Role.ADMIN and acting_user.establishment_id == user.establishment_id)
            or acting_user.role == Role.VENDOR_ADMIN
        )
    )
    if not allowed:
        raise AccountActionRefused(
            _("Seul un administrateur de l'établissement peut gérer les comptes de ses collaborateurs.")
        )


def _lock_user(user):
    return User.objects.select_for_update().get(pk=user.pk)


def _check_not_last_admin(user, *, action):
    """An establishment always keeps at least one active administrator."""
    if not (user.role == Role.ADMIN and user.is_active):
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
    from support.models import OPEN_STATUSES, Ticket
    from support.services import ticket_release_owner

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
    from support.models import Ticket
    from support.services import ticket_reassign

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
