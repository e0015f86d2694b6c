"""Login hooks: the lockout key, and a password check that cannot be raced past the lockout.

django-axes checks the lockout *before* trying the password and records the failure *after*: thirty
wrong passwords sent at once all pass the check while none is recorded yet, and thirty guesses are
tried where AXES_FAILURE_LIMIT allows five (the class of Zammad CVE-2022-35490; measured here: 30 of
30 tried on PostgreSQL). ``LoginBudgetBackend`` makes each try take one unit of an atomic counter in
the shared cache first (``cache.incr``, atomic in Redis and in the per-process cache); past the
limit no password is tried and the request gets axes' lockout page.
"""

import contextlib
import hashlib
import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from core.network import client_address

from . import signed_in
from .models import normalize_email

logger = logging.getLogger(__name__)


def axes_username(request, credentials):
    """The lockout key's username part: the e-mail as stored (lower case, trimmed)."""
    if credentials is not None and "username" in credentials:
        return normalize_email(credentials.get("username"))
    return normalize_email(request.POST.get("username", "")) if request is not None else ""


def _client_ip(request):
    return client_address(request) or ""


def budget_key(request, username):
    """One counter per e-mail + IP pair, as axes locks (AXES_LOCKOUT_PARAMETERS)."""
    digest = hashlib.sha256(f"{normalize_email(username)}|{_client_ip(request)}".encode()).hexdigest()
    return f"login-budget:{digest}"


def _take(key):
    timeout = int(settings.AXES_COOLOFF_TIME.total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


class LoginBudgetBackend(ModelBackend):
    """Django's ModelBackend, trying a password only within the e-mail + IP pair's budget.

    Each try takes one unit before the password is checked; a right password gives it back; a
    completed login clears the counter (as AXES_RESET_ON_SUCCESS clears axes' own). So at most
    AXES_FAILURE_LIMIT wrong passwords are ever tried per pair and cool-off, however many arrive
    at once. If the cache is down, axes alone (database) still locks, without this guarantee.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or username is None:
            return super().authenticate(request, username=username, password=password, **kwargs)
        key = budget_key(request, username)
        try:
            taken = _take(key)
        except Exception:  # cache unreachable: degrade to axes' database lockout
            logger.warning("Login budget unavailable (cache error); axes alone guards this attempt.", exc_info=True)
            return super().authenticate(request, username=username, password=password, **kwargs)
        if taken > settings.AXES_FAILURE_LIMIT:
            # Shown as axes' lockout page by axes.middleware.AxesMiddleware.
            request.axes_locked_out = True
            request.axes_credentials = {"username": username}
            raise PermissionDenied("login budget exhausted")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            with contextlib.suppress(Exception):  # expired or unreachable: nothing to give back
                cache.decr(key)
        return user

    def get_user(self, user_id):
        """The signed-in user and their establishment, from the shared cache (accounts.signed_in):
        every page's header shows them."""
        user = signed_in.load(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


@receiver(user_logged_in, dispatch_uid="accounts.auth.clear_login_budget")
def clear_login_budget(sender, request, user, **kwargs):
    if request is None:
        return
    try:
        cache.delete(budget_key(request, user.get_username()))
    except Exception:
        logger.warning("Login budget not cleared (cache error).", exc_info=True)


def end_sessions(user_id):
    """Delete every open session of an account (database-backed engines: db, cached_db).

    A deactivated account's session is refused while it stays inactive (ModelBackend.get_user),
    but it is not deleted: reactivating the account would bring it back to life, cookie and all
    (the class of GLPI CVE-2022-39234). Deactivation deletes them instead. Sessions are scanned
    (no index by user); they live SESSION_COOKIE_AGE at most, and deactivations are rare."""
    engine = import_module(settings.SESSION_ENGINE)
    store_class = engine.SessionStore
    if not hasattr(store_class, "get_model_class"):
        return 0
    ended = 0
    for key, data in (
        store_class.get_model_class()
        .objects.filter(expire_date__gt=timezone.now())
        .values_list("session_key", "session_data")
    ):
        if store_class().decode(data).get(SESSION_KEY) == str(user_id):
            store_class(session_key=key).delete()
            ended += 1
    return ended


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.auth.end_sessions_of_inactive")
def end_sessions_of_inactive(sender, instance, created, **kwargs):
    """Whatever deactivates an account (collaborators page, back office, shell) ends its sessions."""
    if not created and not instance.is_active:
        transaction.on_commit(lambda: end_sessions(instance.pk))
