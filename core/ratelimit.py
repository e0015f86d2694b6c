"""Rate limits for what anyone may send without an account: a counter per (rule, key) in the shared
cache, over fixed windows.

A rule is a name of ``settings.RATE_LIMITS`` (``{name: (count, seconds)}``): at most ``count`` hits
per ``seconds``. The key is whatever is limited: the client's address (``core.network
.client_address``, never REMOTE_ADDR), an e-mail address typed in a form, a recipient. Keys are
hashed, never stored in clear. ``RATE_LIMITS_ENABLED`` turns every rule off (a test that sends
hundreds of requests on purpose).

With the cache unreachable the limits are not enforced (logged): the public forms keep working,
and the captcha still costs every request.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .network import client_address

logger = logging.getLogger(__name__)


def _key(rule, key, window):
    digest = hashlib.sha256(f"{rule}|{key}".encode()).hexdigest()[:32]
    return f"ratelimit:{rule}:{window}:{digest}"


def hit(rule, key, *, count=True):
    """Count one hit of ``rule`` for ``key``; the seconds to wait when it is over the limit, else None.
    ``count=False`` only asks (the hit is not counted)."""
    if not settings.RATE_LIMITS_ENABLED or key in (None, ""):
        return None
    limit, period = settings.RATE_LIMITS[rule]
    now = time.time()
    window = int(now // period)
    name = _key(rule, key, window)
    try:
        if count:
            cache.add(name, 0, timeout=period + 1)
            try:
                used = cache.incr(name)
            except ValueError:  # expired between add and incr
                cache.add(name, 1, timeout=period + 1)
                used = 1
        else:
            used = cache.get(name, 0)
    except Exception:
        logger.warning("Rate limit %s not enforced (cache error).", rule, exc_info=True)
        return None
    if used > limit or (not count and used >= limit):
        return max(1, math.ceil((window + 1) * period - now))
    return None


def exceeded(*hits):
    """The longest wait among several ``(rule, key)`` hits (each one counted), or None."""
    waits = [wait for wait in (hit(rule, key) for rule, key in hits) if wait]
    return max(waits) if waits else None


def first_refusal(rule, key, wait):
    """True once per refusal period of ``rule`` for ``key``: what to log, so that a flood of refused
    requests writes one line, not one per request."""
    try:
        return cache.add(_key(f"{rule}:logged", key, int(time.time() // max(wait, 1))), True, timeout=wait)
    except Exception:
        return False


def by_address(request):
    return client_address(request) or ""


def too_many_requests(request, retry_after):
    """The French 429 page, with ``Retry-After`` (seconds)."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "errors/429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(retry_after))
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    return response
