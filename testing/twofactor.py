"""Two-factor authentication in tests: an enrolled account, the code its app shows, the key the set-up
page shows, the two login steps."""

import re
import time
from base64 import b32decode
from binascii import unhexlify

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from testing.personas import PASSWORD
from twofactor import services
from twofactor.totp import new_key

LOGIN = reverse("accounts:login")
VERIFY = reverse("twofactor:verify")
SETUP = reverse("twofactor:setup")


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


def setup_key(client):
    """The text key shown on the set-up page, as the hex django-otp stores."""
    text = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', client.get(SETUP).content.decode()).group(1)
    return b32decode(text.replace(" ", "")).hex()


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


def log_in_with_code(client, captcha, user, *, password=PASSWORD, next_url=None):
    """Both steps; returns the answer to the code."""
    password_step(client, captcha, user, password=password, next_url=next_url)
    return client.post(VERIFY, {"code": fresh_code(user)})
