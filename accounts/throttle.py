"""Guessing slowed per account and per address, without letting anyone lock a person out.

django-axes and the login budget (``accounts.auth``) lock one (identifier, address) pair: twenty
addresses guessing one account, or one address trying thirty accounts, each stay under that limit.
Two more counters, in the shared cache, see them:

- per **account** (the identifier typed, whether or not an account has it: the answers never tell),
  failures from any address;
- per **address** (``core.network.client_address``), failures on any account.

Each failure past ``LOGIN_*_DELAY_AFTER`` makes the next try wait (1 s, then doubling up to
``LOGIN_THROTTLE_MAX_DELAY``): a try sent earlier is refused (429, ``Retry-After``) without its
password being looked at, and is not counted. Past ``LOGIN_*_HARD_CAPTCHA_AFTER`` the captcha asks
``LOGIN_HARD_CAPTCHA_FACTOR`` times more work. Past ``LOGIN_ACCOUNT_LOCK_AFTER`` the account is
locked ``LOGIN_ACCOUNT_LOCK_SECONDS``; an address is never locked (a hospital's NAT holds hundreds of
people). Counters last ``LOGIN_THROTTLE_WINDOW`` seconds after the last failure.

The person who owns the account is not shut out by someone else's guesses:
- a browser where the account signed in before carries a signed **known-device** cookie, and is
  not slowed (the pair lockout of axes still applies to it);
- choosing a new password through « Mot de passe oublié » lifts the account's counters;
- otherwise the lock ends by itself once the guesses stop.

With the cache unreachable nothing is slowed (logged): axes' database lockout still holds.
"""

import hashlib
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from core.network import client_address

from .models import normalize_email

logger = logging.getLogger(__name__)

ACCOUNT, ADDRESS = "account", "address"
DEVICE_SALT = "accounts.throttle.known-device"
DEVICES_KEPT = 5  # accounts remembered by one browser


@dataclass
class Verdict:
    wait: int = 0  # seconds before a try is accepted (0: now)
    locked: bool = False  # the account is locked (a password reset lifts it)
    hard_captcha: bool = False  # the captcha must be the harder one
    known_device: bool = False  # a browser where this account signed in before: not slowed


def _limits(kind):
    if kind == ACCOUNT:
        return settings.LOGIN_ACCOUNT_DELAY_AFTER, settings.LOGIN_ACCOUNT_HARD_CAPTCHA_AFTER
    return settings.LOGIN_ADDRESS_DELAY_AFTER, settings.LOGIN_ADDRESS_HARD_CAPTCHA_AFTER


def _keys(kind, value):
    digest = hashlib.sha256(f"{kind}|{value}".encode()).hexdigest()[:32]
    return f"throttle:{kind}:{digest}:fails", f"throttle:{kind}:{digest}:until"


def _subjects(request, email):
    return [(ACCOUNT, normalize_email(email)), (ADDRESS, client_address(request) or "")]


def hard_captcha_cost():
    return settings.ALTCHA_MAX_NUMBER * settings.LOGIN_HARD_CAPTCHA_FACTOR


def address_captcha_cost(request):
    """The captcha's work for a login page shown to this address (before any identifier is typed)."""
    try:
        fails = cache.get(_keys(ADDRESS, client_address(request) or "")[0], 0)
    except Exception:
        return settings.ALTCHA_MAX_NUMBER
    return hard_captcha_cost() if fails >= settings.LOGIN_ADDRESS_HARD_CAPTCHA_AFTER else settings.ALTCHA_MAX_NUMBER


# --- Known devices ------------------------------------------------------------------------------


def _device_tag(email):
    return salted_hmac(DEVICE_SALT, normalize_email(email)).hexdigest()[:24]


def _device_tags(request):
    value = request.COOKIES.get(settings.KNOWN_DEVICE_COOKIE_NAME)
    if not value:
        return []
    try:
        tags = signing.loads(value, salt=DEVICE_SALT, max_age=settings.KNOWN_DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return []
    return [tag for tag in tags if isinstance(tag, str)] if isinstance(tags, list) else []


def is_known_device(request, email):
    return _device_tag(email) in _device_tags(request)


def remember_device(request, response, email):
    """After a right password: this browser is known for this account (signed, HttpOnly cookie)."""
    tag = _device_tag(email)
    tags = [tag, *(other for other in _device_tags(request) if other != tag)][:DEVICES_KEPT]
    response.set_cookie(
        settings.KNOWN_DEVICE_COOKIE_NAME,
        signing.dumps(tags, salt=DEVICE_SALT),
        max_age=settings.KNOWN_DEVICE_COOKIE_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- Counters -----------------------------------------------------------------------------------


def assess(request, email):
    """What a login try for ``email`` from this request must clear, before its password is read."""
    if not settings.LOGIN_THROTTLE_ENABLED:
        return Verdict()
    if is_known_device(request, email):
        return Verdict(known_device=True)
    now = time.time()
    verdict = Verdict()
    try:
        for kind, value in _subjects(request, email):
            fails_key, until_key = _keys(kind, value)
            found = cache.get_many([fails_key, until_key])
            fails, until = found.get(fails_key, 0), found.get(until_key, 0)
            if until > now:
                verdict.wait = max(verdict.wait, math.ceil(until - now))
                if kind == ACCOUNT and fails >= settings.LOGIN_ACCOUNT_LOCK_AFTER:
                    verdict.locked = True
            if fails >= _limits(kind)[1]:
                verdict.hard_captcha = True
    except Exception:
        logger.warning("Login throttle unavailable (cache error): not slowed.", exc_info=True)
        return Verdict()
    return verdict


def _count(key):
    window = settings.LOGIN_THROTTLE_WINDOW
    cache.add(key, 0, timeout=window)
    try:
        fails = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        fails = 1
    cache.touch(key, window)  # the window runs from the last failure
    return fails


def record_failure(request, email):
    """A wrong password (or an unknown identifier) was tried: count it for the account and the
    address. Returns True when this failure locked the account."""
    if not settings.LOGIN_THROTTLE_ENABLED:
        return False
    now = time.time()
    locked = False
    try:
        for kind, value in _subjects(request, email):
            fails_key, until_key = _keys(kind, value)
            fails = _count(fails_key)
            delay_after, _hard = _limits(kind)
            until = 0
            if fails > delay_after:
                until = now + min(2 ** (fails - delay_after - 1), settings.LOGIN_THROTTLE_MAX_DELAY)
            if kind == ACCOUNT and fails >= settings.LOGIN_ACCOUNT_LOCK_AFTER:
                until = max(until, now + settings.LOGIN_ACCOUNT_LOCK_SECONDS)
                locked = fails == settings.LOGIN_ACCOUNT_LOCK_AFTER or locked
            if until:
                cache.set(until_key, until, timeout=math.ceil(until - now) + 1)
    except Exception:
        logger.warning("Login throttle not updated (cache error).", exc_info=True)
    return locked


def clear_account(email):
    """The account's counters forgotten: a password chosen by e-mailed link, or a plain login."""
    try:
        cache.delete_many(list(_keys(ACCOUNT, normalize_email(email))))
    except Exception:
        logger.warning("Login throttle not cleared (cache error).", exc_info=True)
