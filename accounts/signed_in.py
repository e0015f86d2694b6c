"""The signed-in user, kept in the shared cache between requests (issue 18, item 2).

Every page needs the signed-in user, their establishment and — for the two-factor policy of an
unverified session — whether they have a confirmed authenticator app. Read from PostgreSQL, that
is two queries per request before any view runs (about half of what the portal's fixed page
cost, docs/performance.md). Here the three travel together, as plain values in the shared cache
(Redis in production) under the user's id, and a page reads them in one cache lookup.

Kept exact rather than merely recent:

- Every change that could alter what they hold forgets them, at once and again once the change
  is committed: a saved or deleted user, establishment (all its users) or authenticator device
  (signals below).
  Code that changes those rows with ``QuerySet.update()`` calls ``forget`` itself.
- Forgetting writes a short tombstone instead of deleting, and a reader that found nothing only
  *adds* what it read: a request that read the row just before a change cannot put the old row
  back after the change has been forgotten.
- ``SIGNED_IN_USER_CACHE_SECONDS`` bounds anything missed (a raw SQL change): 300 s by default.
- The cache unreachable, the user is read from the database as before (one warning per failure).

A deactivated account is not only forgotten here: its sessions are ended (``accounts.auth``).
"""

import contextlib
import functools
import hashlib
import logging
import pickle
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models.base import ModelState
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from establishments.models import Establishment
from twofactor import policy

logger = logging.getLogger(__name__)

TOMBSTONE = "forgotten"
_TOMBSTONE_SECONDS = 2


_user_model = functools.cache(get_user_model)  # Django's looks it up in the app registry each time


@functools.cache
def _shape():
    """The copies' shape: a new field on the user or the establishment gives new keys, so that a
    deployment never reads the previous code's pickles."""
    User = _user_model()
    establishment = User._meta.get_field("establishment").related_model
    fields = [f.attname for f in User._meta.concrete_fields] + [f.attname for f in establishment._meta.concrete_fields]
    return hashlib.sha256(" ".join([_PACKING, *fields]).encode()).hexdigest()[:12]


# What a copy holds: (database, the user's values, their establishment's, their devices'), each
# a plain dictionary of the instance's fields, pickled by this module (the cache stores bytes).
# Unpickling model instances went through Django's model machinery for each of them
# (``model_unpickle``, ``Model.__setstate__``): about 8 % of the portal's fixed page. Plain values
# are set back on bare instances, as unpickling did (no ``__init__``, no signal), and a worker
# unpickles the same bytes once: the values of the copies it has read are kept by their bytes
# (a changed row is other bytes), so a page only looks the bytes up.
_PACKING = "values-2"
_NO_ESTABLISHMENT = "none"
_unpickled = {}
_UNPICKLED_BOUND = 5_000


def _values(instance):
    return {name: value for name, value in instance.__dict__.items() if name not in _NOT_FIELDS}


_NOT_FIELDS = frozenset({"_state", "confirmed_devices"})


def _instance(model, db, values):
    instance = model.__new__(model)
    instance.__dict__.update(values)
    instance._state = ModelState()
    instance._state.db = db
    instance._state.adding = False
    return instance


def _pack(user):
    related = user._state.fields_cache
    if "establishment" not in related:  # not read with the user
        establishment = None
    elif related["establishment"] is None:  # read: the vendor's staff belong to none
        establishment = _NO_ESTABLISHMENT
    else:
        establishment = _values(related["establishment"])
    devices = getattr(user, "confirmed_devices", None)
    return (user._state.db, _values(user), establishment, None if devices is None else [_values(d) for d in devices])


def _encode(user):
    return pickle.dumps(_pack(user), pickle.HIGHEST_PROTOCOL)


def _decode(raw):
    """The user of these bytes: fresh instances (a page may change them) of values unpickled once
    per worker (never changed: ``_instance`` copies them)."""
    packed = _unpickled.get(raw)
    if packed is None:
        if len(_unpickled) >= _UNPICKLED_BOUND:
            _unpickled.clear()
        packed = _unpickled[raw] = pickle.loads(raw)  # noqa: S301 (written by _encode, in the portal's own cache)
    return _unpack(packed)


def _unpack(packed):
    db, values, establishment, devices = packed
    user = _instance(_user_model(), db, values)
    if establishment == _NO_ESTABLISHMENT:
        user._state.fields_cache["establishment"] = None
    elif establishment is not None:
        user._state.fields_cache["establishment"] = _instance(Establishment, db, establishment)
    if devices is not None:
        user.confirmed_devices = [_instance(TOTPDevice, db, device) for device in devices]
    return user


def key(user_id):
    return f"signed-in-user:{_shape()}:{user_id}"


def _read(user_id):
    user = _user_model()._default_manager.select_related("establishment").filter(pk=user_id).first()
    if user is not None and settings.TWO_FACTOR_ENFORCED:
        # Read on every request by the two-factor middlewares (twofactor.policy.enrolled_when_loaded
        # for a session not verified by a code, device_loaded_with for one that is). Where the
        # policy is off (the test settings) both ask the database, as django-otp does.
        user.confirmed_devices = policy.confirmed_devices_to_cache(user)
        user.enrolled_when_loaded = bool(user.confirmed_devices)
    return user


# The session being read while the signed-in user is loaded (accounts.middleware): the session
# engine (accounts.sessions) may have brought the user's cached copy in the same round trip.
_session = ContextVar("signed_in_session", default=None)
_NOT_LOOKED_UP = object()


@contextlib.contextmanager
def reading(session):
    """While the user of this session is loaded, use what its engine looked up with it."""
    token = _session.set(session)
    try:
        yield
    finally:
        _session.reset(token)


def load(user_id):
    """The user of this id with their establishment (one cache lookup, or none when the session
    brought it), or None."""
    cached = _NOT_LOOKED_UP
    session = _session.get()
    looked_up = getattr(session, "signed_in_lookup", None)
    if looked_up is not None and str(looked_up[0]) == str(user_id):
        cached = looked_up[1]
    cache_key = key(user_id)
    if cached is _NOT_LOOKED_UP:
        try:
            cached = cache.get(cache_key)
        except Exception:
            logger.warning("Signed-in user not read from the cache (cache error): read from the database.")
            return _read(user_id)
    if isinstance(cached, bytes):
        return _decode(cached)
    user = _read(user_id)
    if user is not None and cached is None:
        with contextlib.suppress(Exception):
            cache.add(cache_key, _encode(user), settings.SIGNED_IN_USER_CACHE_SECONDS)
    return user


def forget(*user_ids):
    """Forget these users' copies at once, and again once the current transaction commits: a
    request that reads the row before the commit finds the tombstone and keeps nothing."""
    ids = [pk for pk in user_ids if pk is not None]
    if ids:
        _forget_now(ids)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: _forget_now(ids))


def _forget_now(ids):
    try:
        cache.set_many({key(pk): TOMBSTONE for pk in ids}, _TOMBSTONE_SECONDS)
    except Exception:
        logger.error(
            "Signed-in users %s not forgotten (cache error): their cached copy expires within %s s.",
            ids,
            settings.SIGNED_IN_USER_CACHE_SECONDS,
        )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.signed_in.user_saved")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.signed_in.user_deleted")
def _user_changed(sender, instance, **kwargs):
    forget(instance.pk)


@receiver(post_save, sender=Establishment, dispatch_uid="accounts.signed_in.establishment_saved")
@receiver(post_delete, sender=Establishment, dispatch_uid="accounts.signed_in.establishment_deleted")
def _establishment_changed(sender, instance, created=False, **kwargs):
    if created:  # nobody belongs to it yet
        return
    forget(*_user_model()._default_manager.filter(establishment_id=instance.pk).values_list("pk", flat=True))


@receiver(post_save, sender=TOTPDevice, dispatch_uid="accounts.signed_in.device_saved")
@receiver(post_delete, sender=TOTPDevice, dispatch_uid="accounts.signed_in.device_deleted")
def _device_changed(sender, instance, **kwargs):
    forget(instance.user_id)
