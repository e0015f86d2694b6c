"""Between the password and the code: the session remembers who typed a right password, without
logging them in, and each account gets a few tries at the code.

The pending state lives a few minutes (TWO_FACTOR_PENDING_SECONDS) and dies if the password changes
meanwhile. Wrong codes are counted per account in the shared cache: each try first takes a unit
(``cache.incr``, atomic), so parallel tries cannot exceed TWO_FACTOR_MAX_ATTEMPTS; past the limit
the account's second step is locked for AXES_COOLOFF_TIME, whatever the session.
"""

import logging
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.crypto import constant_time_compare

logger = logging.getLogger(__name__)

SESSION_KEY = "twofactor_pending"


def start(request, user, *, next_url):
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": next_url,
        "since": int(time.time()),
        "auth_hash": user.get_session_auth_hash(),
    }


def get(request):
    """``(user, state)`` of the login waiting for its code, or ``(None, None)``."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict):
        return None, None
    if time.time() - state.get("since", 0) > settings.TWO_FACTOR_PENDING_SECONDS:
        clear(request)
        return None, None
    user = (
        get_user_model().objects.filter(pk=state.get("user_id"), is_active=True).select_related("establishment").first()
    )
    if user is None or not constant_time_compare(user.get_session_auth_hash(), state.get("auth_hash", "")):
        clear(request)
        return None, None
    return user, state


def clear(request):
    request.session.pop(SESSION_KEY, None)


def _attempts_key(user):
    return f"twofactor-attempts:{user.pk}"


def _timeout():
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def attempts_exhausted(user):
    try:
        return (cache.get(_attempts_key(user)) or 0) >= settings.TWO_FACTOR_MAX_ATTEMPTS
    except Exception:
        logger.warning("Two-factor attempt counter unavailable (cache error).", exc_info=True)
        return False


def attempt_take(user):
    """Take one try; returns its number (1, 2, …). Past the limit, no code may be checked."""
    key = _attempts_key(user)
    try:
        cache.add(key, 0, timeout=_timeout())
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=_timeout())
            return 1
    except Exception:
        # Cache down: django-otp's own growing delay (kept in the database) still slows guessing.
        logger.warning("Two-factor attempt counter unavailable (cache error).", exc_info=True)
        return 1


def attempts_clear(user):
    try:
        cache.delete(_attempts_key(user))
    except Exception:
        logger.warning("Two-factor attempt counter not cleared (cache error).", exc_info=True)


def attempts_left(attempt):
    return max(0, settings.TWO_FACTOR_MAX_ATTEMPTS - attempt)
