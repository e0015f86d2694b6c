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


def confirmed_devices_to_cache(user):
    """The user's confirmed authenticator apps, without their keys (kept with the signed-in user in
    the cache by accounts.signed_in: no secret leaves the database)."""
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).only("id", "user_id", "name", "confirmed"))


def device_loaded_with(user, persistent_id):
    """The confirmed device of this persistent id among those loaded with the signed-in user, or None
    (then django-otp reads it from the database). Its key is read from the database if ever used."""
    for device in getattr(user, "confirmed_devices", ()):
        if device.persistent_id == persistent_id:
            return device
    return None


def enrolled_when_loaded(user):
    """``is_enrolled`` as read with the signed-in user (accounts.signed_in keeps the answer with
    them, forgotten whenever a device changes): the middleware's check costs no query."""
    known = getattr(user, "enrolled_when_loaded", None)
    return is_enrolled(user) if known is None else known


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
