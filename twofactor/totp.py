"""The authenticator app's secret: made, shown (QR code, text key) and checked before it is saved."""

import io
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.util import random_hex

DIGITS = 6
STEP = 30


def new_key():
    """20 random bytes, hex-encoded as django-otp's TOTPDevice.key stores them."""
    return random_hex(20)


def key_base32(key):
    return b32encode(unhexlify(key)).decode()


def key_for_humans(key):
    """The text key in groups of four, for typing into an app by hand."""
    text = key_base32(key)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otpauth_url(user, key):
    """The Key URI that authenticator apps read from the QR code (same form as TOTPDevice.config_url)."""
    issuer = settings.OTP_TOTP_ISSUER.replace(":", "")
    label = quote(f"{issuer}:{user.email}")
    params = urlencode({"secret": key_base32(key), "algorithm": "SHA1", "digits": DIGITS, "period": STEP})
    return f"otpauth://totp/{label}?{params}&issuer={quote(issuer)}"


def qr_svg(text):
    """An SVG image of the QR code: paths and attributes only, no style (the CSP forbids inline styles)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()


def check_code(key, code):
    """The TOTP (time step) that ``code`` matches for ``key``, allowing one step of clock drift, or None."""
    if not (code.isdigit() and len(code) == DIGITS):
        return None
    totp = TOTP(unhexlify(key), step=STEP, digits=DIGITS)
    if totp.verify(int(code), tolerance=1):
        return totp
    return None


def normalize_code(text):
    """What the user typed, without spaces or dashes, lower case (recovery codes are shown « abcd-efgh »)."""
    return "".join((text or "").split()).replace("-", "").lower()


def format_recovery_code(token):
    return f"{token[:4]}-{token[4:]}"
