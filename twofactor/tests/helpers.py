"""Builders for the two-factor tests: an enrolled account, the code its app shows, the login steps."""

import time
from binascii import unhexlify

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from twofactor import services
from twofactor.totp import new_key

LOGIN = reverse("accounts:login")
VERIFY = reverse("twofactor:verify")


def code_for(key, *, steps=0):
    """What an authenticator app holding ``key`` shows now (or ``steps`` × 30 s from now)."""
    totp = TOTP(unhexlify(key), step=30, digits=6)
    totp.time = time.time() + steps * 30
    return f"{totp.token():06d}"


def enrol(user):
    """2FA set up as the enrolment page does. Returns (key, recovery codes)."""
    key = new_key()
    _device, codes = services.twofactor_enable(user, key=key, code=code_for(key))
    return key, codes


def fresh_code(user):
    """A code the app shows once the previous one has expired (a TOTP code serves only once)."""
    TOTPDevice.objects.filter(user=user).update(
        last_t=-1, throttling_failure_count=0, throttling_failure_timestamp=None
    )
    return code_for(TOTPDevice.objects.get(user=user).key)


def password_step(client, captcha, user, *, password=PASSWORD, next_url=None):
    data = {"username": user.email, "password": password, "captcha": captcha()}
    url = LOGIN
    if next_url is not None:
        data["next"] = next_url
        url = f"{LOGIN}?next={next_url}"
    return client.post(url, data)


def log_in_with_code(client, captcha, user, *, next_url=None):
    """Both steps; returns the answer to the code."""
    password_step(client, captcha, user, next_url=next_url)
    return client.post(VERIFY, {"code": fresh_code(user)})
