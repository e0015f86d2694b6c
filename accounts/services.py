"""Writes on accounts: one function per action, atomic, audited, e-mails after commit."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from audit.services import record
from core import ratelimit
from core.deferred import after_response
from notifications.services import email_queue

from .models import CLIENT_ROLES, AccountRequest, EmailChange, Role, User, normalize_email
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
    job: by the Celery worker in production, off the request; after the response has been sent in
    the embedded default."""
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
        # Built after the answer has gone out (core.deferred), as the worker would: the answer
        # takes as long for an address without an account.
        transaction.on_commit(lambda: after_response(lambda: password_reset_deliver(email)))


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


# --- Security notices (M11.10): the person hears of every change to how they sign in ----------


def email_change_notify_old(user, old_email):
    """To the address being replaced: the account now signs in with ``user.email``."""
    email_queue("email_changed", to=old_email, context={"user": user, "old_email": old_email})


def email_change_notify_new(user, old_email):
    """To the new address: it is now the identifier of the account (replacing ``old_email``)."""
    email_queue("email_changed_new", to=user.email, context={"user": user, "old_email": old_email})


def password_change_notify(user, *, by_reset=False):
    """To the person: their password has just changed (« Mon profil », or « Mot de passe oublié »)."""
    email_queue("password_changed", to=user.email, context={"user": user, "by_reset": by_reset})


@transaction.atomic
def password_reset_completed(user, *, request, notify=True):
    """A password chosen through an e-mailed link (already saved by the form): recorded, the
    account's login throttle lifted (whoever was guessing, the owner gets in at once), and the
    person told unless it is the first password of a new account (``notify=False``)."""
    from .throttle import clear_account

    clear_account(user.email)
    record(
        "password_reset_completed",
        actor=None,
        request=request,
        establishment=user.establishment,
        target=user.email,
    )
    if notify:
        password_change_notify(user, by_reset=True)


@transaction.atomic
def profile_update(user, *, form, request):
    """Save « Mon profil ». Changing the password keeps this session and ends the others. A new
    e-mail address is not applied here: it is asked for (``email_change_request``), and takes effect
    once confirmed from the link sent to it. Returns the user and the change asked, if any."""
    old_email = form.initial_email
    new_email = form.cleaned_data.get("email", old_email)
    user = form.save(commit=False)
    user.email = old_email  # the identifier stays until the new address is confirmed
    if form.password_changed:
        user.set_password(form.cleaned_data["new_password1"])
    user.save()
    if form.password_changed:
        update_session_auth_hash(request, user)
        record("password_changed", actor=user, request=request, target=user.email)
        password_change_notify(user)
    change = email_change_request(user, new_email, request=request) if form.email_changed else None
    record("profile_updated", actor=user, request=request, target=user.email)
    return user, change


# --- Changing the e-mail address (issue 12, item 2): confirmed by the new address ------------------


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def email_change_request(user, new_email, *, request=None):
    """Ask to replace ``user``'s address by ``new_email``: a single-use link valid
    EMAIL_CHANGE_TIMEOUT seconds goes to the new address; the old one is told, with a link to
    cancel. An earlier change still waiting is replaced. Nothing changes until the link is used."""
    from django.conf import settings

    new_email = normalize_email(new_email)
    EmailChange.objects.filter(user=user, status=EmailChange.Status.PENDING).update(
        status=EmailChange.Status.SUPERSEDED, decided_at=timezone.now()
    )
    confirm, cancel = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    change = EmailChange.objects.create(
        user=user,
        old_email=user.email,
        new_email=new_email,
        confirm_digest=_digest(confirm),
        cancel_digest=_digest(cancel),
        expires_at=timezone.now() + timedelta(seconds=settings.EMAIL_CHANGE_TIMEOUT),
    )
    record("email_change_requested", actor=user, request=request, target=user.email, new=new_email)
    context = {"user": user, "change": change, "hours": max(1, settings.EMAIL_CHANGE_TIMEOUT // 3600)}
    email_queue(
        "email_change_confirm",
        to=new_email,
        context={**context, "link": settings.SITE_URL + reverse("accounts:email_change_confirm", args=[confirm])},
    )
    email_queue(
        "email_change_requested",
        to=user.email,
        context={**context, "link": settings.SITE_URL + reverse("accounts:email_change_cancel", args=[cancel])},
    )
    return change


def email_change_for_token(token, *, kind):
    """The change a link names (``kind``: "confirm" or "cancel"), if it can still be used, else None."""
    if not token:
        return None
    field = "confirm_digest" if kind == "confirm" else "cancel_digest"
    change = EmailChange.objects.select_related("user").filter(**{field: _digest(token)}).first()
    return change if change is not None and change.is_open else None


@transaction.atomic
def email_change_confirm(token, *, request=None):
    """The new address's owner used the link: the account's identifier becomes the new address.
    Single use: the change is closed and its links die. The old and new addresses are told."""
    change = email_change_for_token(token, kind="confirm")
    if change is None:
        raise ValidationError(_("Ce lien n'est plus valable : il a déjà servi, a expiré ou a été annulé."))
    change = EmailChange.objects.select_for_update().get(pk=change.pk)
    user = User.objects.select_for_update().get(pk=change.user_id)
    if not change.is_open or user.email != change.old_email or not user.is_active:
        raise ValidationError(_("Ce lien n'est plus valable : il a déjà servi, a expiré ou a été annulé."))
    if User.objects.filter(email=change.new_email).exclude(pk=user.pk).exists():
        raise ValidationError(_("Cette adresse mail est déjà celle d'un autre compte."))
    user.email = change.new_email
    user.save(update_fields=["email"])
    change.status = EmailChange.Status.CONFIRMED
    change.decided_at = timezone.now()
    change.confirm_digest = change.cancel_digest = None
    change.save(update_fields=["status", "decided_at", "confirm_digest", "cancel_digest"])
    record(
        "email_changed",
        actor=None,
        request=request,
        establishment=user.establishment,
        target=user.email,
        old=change.old_email,
    )
    email_change_notify_old(user, change.old_email)
    email_change_notify_new(user, change.old_email)
    return user


@transaction.atomic
def email_change_cancel(token, *, request=None):
    """The old address's owner refused the change: it will never take effect."""
    change = email_change_for_token(token, kind="cancel")
    if change is None:
        raise ValidationError(_("Ce lien n'est plus valable : le changement a déjà été confirmé, annulé ou a expiré."))
    EmailChange.objects.filter(pk=change.pk, status=EmailChange.Status.PENDING).update(
        status=EmailChange.Status.CANCELLED, decided_at=timezone.now(), confirm_digest=None, cancel_digest=None
    )
    record(
        "email_change_cancelled",
        actor=None,
        request=request,
        establishment=change.user.establishment,
        target=change.old_email,
        new=change.new_email,
    )
    return change


@transaction.atomic
def email_change_by_staff(user, *, old_email, acting_user, request=None):
    """The vendor's administrator changed the address in the back office (already saved): recorded
    as such (an applied EmailChange naming them, a security event), and both addresses told."""
    EmailChange.objects.filter(user=user, status=EmailChange.Status.PENDING).update(
        status=EmailChange.Status.SUPERSEDED, decided_at=timezone.now(), confirm_digest=None, cancel_digest=None
    )
    change = EmailChange.objects.create(
        user=user,
        old_email=old_email,
        new_email=user.email,
        status=EmailChange.Status.APPLIED,
        decided_at=timezone.now(),
        requested_by=acting_user,
    )
    record(
        "email_changed_in_back_office",
        actor=acting_user,
        request=request,
        establishment=user.establishment,
        target=user.email,
        old=old_email,
    )
    email_change_notify_old(user, old_email)
    email_change_notify_new(user, old_email)
    return change


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
        # A flood of requests never floods an administrator's mailbox: past a few notices an hour,
        # the requests wait in the back office's list without an e-mail each.
        if ratelimit.hit("account_request_notice", email) is None:
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
