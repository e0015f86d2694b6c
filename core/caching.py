"""Values shared through the cache that the database can always give again.

The cache is a speed-up, never a dependency: when it is down, ``remember`` computes the value
and ``forget`` gives up (the entries expire by themselves).
"""

import contextlib

from django.core.cache import cache


def remember(key, ttl, compute):
    """The cached value of ``key``, or ``compute()`` stored for ``ttl`` seconds."""
    try:
        value = cache.get(key)
    except Exception:  # the cache is down: compute
        value = None
    if value is None:
        value = compute()
        with contextlib.suppress(Exception):
            cache.set(key, value, ttl)
    return value


def forget(*keys):
    with contextlib.suppress(Exception):
        cache.delete_many(keys)
