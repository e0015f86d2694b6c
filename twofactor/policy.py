"""Who must, who may use two-factor authentication, and what a user has set up (reads only)."""

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


def is_required(user):
    """The vendor's staff always; client administrators when TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS."""
    if user.is_vendor:
        return True
    return user.is_establishment_admin and settings.TWO_FACTOR_REQUIRED_FOR_CLIENT_ADMINS


def totp_device(user):
    """The user's confirmed authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_enrolled(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def enrolled_when_loaded(user):
    """``is_enrolled`` as read with the signed-in user (accounts.signed_in keeps the answer with
    them, forgotten whenever a device changes): the middleware's check costs no query."""
    known = getattr(user, "enrolled_when_loaded", None)
    return is_enrolled(user) if known is None else known


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
