"""Values shared through the cache that the database can always give again.

The cache is a speed-up, never a dependency: when it is down, ``remember`` computes the value
and ``forget`` gives up (the entries expire by themselves).

A value every page reads (the news banner) may also be kept in the process for a second or two
(``held``): a page then makes no round trip to the cache for it. ``forget`` drops the process's
copy at once; the other processes keep theirs at most ``held`` seconds more.
"""

import contextlib
import threading
import time

from django.core.cache import cache
from django.db import transaction

_held = {}  # key: (monotonic time it expires, value), this process's copies
_held_lock = threading.Lock()


def remember(key, ttl, compute, *, held=0):
    """The cached value of ``key``, or ``compute()`` stored for ``ttl`` seconds; with ``held``,
    kept in this process that many seconds too."""
    if held:
        copy = _held.get(key)
        if copy is not None and copy[0] > time.monotonic():
            return copy[1]
    try:
        value = cache.get(key)
    except Exception:  # the cache is down: compute
        value = None
    if value is None:
        value = compute()
        with contextlib.suppress(Exception):
            cache.set(key, value, ttl)
    if held:
        with _held_lock:
            _held[key] = (time.monotonic() + held, value)
    return value


def forget(*keys):
    with _held_lock:
        for key in keys:
            _held.pop(key, None)
    with contextlib.suppress(Exception):
        cache.delete_many(keys)


def forget_now_and_after_commit(*keys):
    """``forget`` at once, and again once the current transaction commits (if one is open): a
    request that reads the rows before the commit and stores what it read is undone."""
    forget(*keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: forget(*keys))


def drop_held():
    """Forget this process's copies (the test suite's fresh cache, between tests)."""
    with _held_lock:
        _held.clear()
