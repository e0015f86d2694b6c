"""Writes on two-factor authentication: one function per action, atomic, audited, e-mails after commit.

The devices are django-otp's: a ``TOTPDevice`` (the authenticator app) and a ``StaticDevice`` holding
the recovery codes (« Codes de secours »), each used up when it serves. Never is a code or a secret
written to the audit log.
"""

import django_otp
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.services import record
from notifications.services import email_queue

from . import policy
from .totp import check_code, format_recovery_code, normalize_code

RECOVERY_CODES = 10


def _remove_devices(user):
    removed, _detail = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return removed


def _issue_recovery_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    tokens = set()
    while len(tokens) < RECOVERY_CODES:
        tokens.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in sorted(tokens))
    return [format_recovery_code(token) for token in sorted(tokens)]


@transaction.atomic
def twofactor_enable(user, *, key, code, request=None):
    """Save the authenticator app whose current ``code`` matches ``key`` and issue 10 recovery codes.

    Replaces any previous setup (a new phone). Returns ``(device, recovery_codes)``: the codes in
    clear, to be shown once."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    totp = check_code(key, normalize_code(code))
    if totp is None:
        raise ValidationError(
            _("Ce code ne correspond pas. Vérifiez l'heure de votre téléphone et saisissez le code affiché.")
        )
    _remove_devices(user)
    device = TOTPDevice.objects.create(
        user=user,
        name="Application d'authentification",
        key=key,
        confirmed=True,
        drift=totp.drift,
        last_t=totp.t(),  # the code just typed cannot serve again
    )
    codes = _issue_recovery_codes(user)
    record("2fa_enabled", actor=user, request=request, target=user.email)
    email_queue("twofactor_enabled", to=user.email, context={"user": user})
    return device, codes


@transaction.atomic
def recovery_codes_regenerate(user, *, request=None):
    """New « Codes de secours »: the previous ones stop working. Returns the codes in clear."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not policy.is_enrolled(user):
        raise ValidationError(_("La double authentification n'est pas activée sur ce compte."))
    codes = _issue_recovery_codes(user)
    record("2fa_recovery_codes_regenerated", actor=user, request=request, target=user.email)
    return codes


@transaction.atomic
def twofactor_disable(user, *, acting_user, request=None):
    """Remove the authenticator app and the recovery codes: by the user (after password + code) or,
    for a lost phone, by the vendor's administrator from the back office."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not _remove_devices(user):
        raise ValidationError(_("La double authentification n'est pas activée sur ce compte."))
    by_admin = acting_user.pk != user.pk
    record(
        "2fa_disabled",
        actor=acting_user,
        request=request,
        establishment=user.establishment,
        target=user.email,
        by_admin=by_admin,
    )
    email_queue(
        "twofactor_disabled",
        to=user.email,
        context={"user": user, "by_admin": by_admin, "required": policy.is_required(user)},
    )
    return user


def code_wait_seconds(user, code):
    """Seconds before the device this code is for accepts another try (django-otp's growing delay
    after each wrong code), 0 if it may be tried now."""
    device = _device_for(user, normalize_code(code))
    if device is None:
        return 0
    allowed, data = device.verify_is_allowed()
    if allowed or not data or not data.get("locked_until"):
        return 0
    return max(1, int((data["locked_until"] - timezone.now()).total_seconds()) + 1)


def _device_for(user, token):
    if token.isdigit() and len(token) == 6:
        return policy.totp_device(user)
    return StaticDevice.objects.filter(user=user, confirmed=True).first()


def second_factor_check(user, code, *, request=None, attempt=None):
    """Check a code typed after the password, or to confirm a sensitive change: the 6 digits of the
    authenticator app, or a recovery code (used up). Returns the device that accepted it, or None.

    A TOTP code serves once (django-otp keeps the last time step); concurrent tries are serialised
    by django-otp (the device is locked while it is checked)."""
    token = normalize_code(code)
    device = _device_for(user, token)
    verified = django_otp.verify_token(user, device.persistent_id, token) if device is not None else None
    if verified is None:
        record(
            "2fa_failed",
            actor=None,
            request=request,
            establishment=user.establishment,
            target=user.email,
            attempt=attempt,
        )
        return None
    if isinstance(verified, StaticDevice):
        left = StaticToken.objects.filter(device=verified).count()
        record("recovery_code_used", actor=user, request=request, target=user.email, left=left)
    return verified


def login_complete(request, user, device, *, backend):
    """Open the session once the second factor is checked: Django's login (new session key) and
    django-otp's mark that this session is verified."""
    auth_login(request, user, backend=backend)
    django_otp.login(request, device)
    record("login_succeeded", actor=user, request=request, target=user.email, second_factor=device.__class__.__name__)
