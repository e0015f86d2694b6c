"""Personal and integration tokens (SPEC M15.2): made once, shown once, stored hashed."""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from .models import ApiToken, digest_of

PREFIX = "ec_"
LAST_USE_PRECISION = timedelta(minutes=1)  # « last use » is written at most once a minute
EXPIRY_CHOICES = (30, 90, 365)  # days


def tokens_for(user):
    """The tokens a person manages: their own personal tokens; the vendor's administrators, also
    every integration token."""
    if not (user.is_authenticated and user.is_active):
        return ApiToken.objects.none()
    own = ApiToken.objects.filter(user=user, kind=ApiToken.Kind.PERSONAL)
    if user.is_vendor_admin:
        return own | ApiToken.objects.filter(kind=ApiToken.Kind.INTEGRATION)
    return own


def get_token_for_user(user, pk):
    token = tokens_for(user).filter(pk=pk).select_related("user").first()
    if token is None:
        raise Http404(_("Jeton introuvable"))
    return token


def _new_secret():
    prefix = secrets.token_hex(6)
    return prefix, f"{PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def token_create(*, acting_user, name, can_write, days, kind=ApiToken.Kind.PERSONAL, owner=None, request=None):
    """A new token; returns (token, its text), the text shown once and never stored.

    A personal token acts as its creator. An integration token is made by a vendor's administrator
    for an account of the vendor's staff (the ERP or CRM acts as that account)."""
    owner = owner or acting_user
    if not acting_user.is_active:
        raise PermissionDenied(_("Ce compte est désactivé."))
    if kind == ApiToken.Kind.INTEGRATION:
        if not acting_user.is_vendor_admin:
            raise PermissionDenied(_("Seul un administrateur de l'éditeur crée un jeton d'intégration."))
        if not (owner.is_active and owner.is_vendor):
            raise ValidationError({"owner": _("Choisissez un compte actif du personnel de l'éditeur.")})
    elif owner.pk != acting_user.pk:
        raise PermissionDenied(_("Un jeton personnel se crée depuis son propre profil."))
    if days not in EXPIRY_CHOICES:
        raise ValidationError({"days": _("Choisissez une durée de validité proposée.")})
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Donnez un nom au jeton (à quoi il sert).")})
    prefix, secret = _new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=owner,
            kind=kind,
            name=name[:100],
            prefix=prefix,
            digest=digest_of(secret),
            can_write=can_write,
            created_by=acting_user,
            expires_at=timezone.now() + timedelta(days=days),
        )
        record(
            "api_token_created",
            actor=acting_user,
            request=request,
            establishment=owner.establishment,
            target=f"{token.name} ({prefix})",
        )
    return token, secret


def token_revoke(token, *, acting_user, request=None):
    """« Révoquer »: the token stops at once."""
    if token.pk not in set(tokens_for(acting_user).values_list("pk", flat=True)):
        raise PermissionDenied(_("Ce jeton n'est pas le vôtre."))
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record(
            "api_token_revoked",
            actor=acting_user,
            request=request,
            establishment=token.user.establishment,
            target=f"{token.name} ({token.prefix})",
        )
    return token


def token_for_secret(secret):
    """The usable token of that text, with its account; None otherwise (unknown, revoked, expired)."""
    if not secret.startswith(PREFIX) or secret.count("_") < 2:
        return None
    prefix = secret[len(PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user", "user__establishment").filter(prefix=prefix).first()
    if token is None or not secrets.compare_digest(token.digest, digest_of(secret)):
        return None
    return token if token.is_usable() else None


def token_used(token):
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USE_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
