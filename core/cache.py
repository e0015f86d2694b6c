"""Django's Redis cache backend, with one client object per connection pool, reads sent straight
on a connection of the thread's own, and no memcached key check.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` object for every cache
operation (about 50 µs of Python each on the benchmark's machine, for a GET whose round trip
costs about 70 µs): the session, the signed-in user, the news banner and every counter pay it on
every page. A ``redis.Redis`` object is thread-safe and holds no connection of its own (it takes
one from the pool per command), so one per pool is enough. The pools are Django's own.

The reads every page makes (``get``, ``get_many``: the session and the signed-in user in one
``MGET``, the banner, the counters) go further: each thread keeps one connection of its own and
sends the command on it, without redis-py's per-command machinery (taking a connection from the
pool and checking it with a ``poll``, the retry wrapper, the metrics hooks): about a fifth of the
portal's fixed page (issue 18, docs/performance.md). A read that fails there (Redis restarted,
the connection dropped) drops that connection and is sent again through redis-py's own path,
with its retries, as are the thread's reads of the next five seconds: a failure the portal sees
is one redis-py would have raised too, and an unreachable Redis costs a read one connection
timeout, not two.

Its serializer reads a pickle as one (``PickleFirstSerializer``). Django also checks every key
against memcached's rules (at most 250 characters, no space or control character), a Python
loop over the key's characters, only to warn: Redis takes any key.
"""

import os
import pickle
import threading
import time
import weakref

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient, RedisSerializer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

FAILED = object()
OWN_CONNECTION_PAUSE = 5  # seconds without the thread's own connection after it failed


class PickleFirstSerializer(RedisSerializer):
    """Django's serializer (integers stored as digits for ``incr``, everything else pickled),
    reading a pickle without first trying it as an integer: Django's ``int(data)`` fails on every
    pickle, and the ``ValueError`` quotes the whole value (a signed-in user's copy: 1.3 µs in a
    loop, far more on a page). Every pickle of protocol 2 or more starts with the PROTO opcode."""

    def loads(self, data):
        if data[:1] == b"\x80":
            return pickle.loads(data)  # noqa: S301 (what Django's does: the cache is the portal's own)
        return super().loads(data)


class ReusedRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if type(self._serializer) is RedisSerializer:
            self._serializer = PickleFirstSerializer(self._serializer.protocol)
        self._clients = {}
        self._own = threading.local()
        _clients_with_connections.add(self)

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(index))
        return client

    def _own_connection(self):
        """This thread's connection to the server reads go to (a forked child makes its own), or
        None for a few seconds after it failed: while Redis is unreachable, reads go straight to
        redis-py's path and wait for one connection timeout, not two."""
        connection = getattr(self._own, "connection", None)
        if connection is None:
            if time.monotonic() - getattr(self._own, "failed_at", -OWN_CONNECTION_PAUSE) < OWN_CONNECTION_PAUSE:
                return None
            pool = self._get_connection_pool(self._get_connection_pool_index(False))
            connection = self._own.connection = pool.connection_class(**pool.connection_kwargs)
        return connection

    def _forget_connections(self):
        self._own = threading.local()

    def _read(self, *command):
        """The raw reply to a read command sent on this thread's connection; ``FAILED`` when that
        connection failed (it is dropped: the caller goes through redis-py's own path)."""
        connection = self._own_connection()
        if connection is None:
            return FAILED
        try:
            connection.send_command(*command)
            return connection.read_response()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            connection.disconnect()
            self._own.connection = None
            self._own.failed_at = time.monotonic()
            return FAILED
        except BaseException:
            # Anything else (an interrupted read): the connection may hold half a reply.
            connection.disconnect()
            self._own.connection = None
            raise

    def get(self, key, default):
        reply = self._read("GET", key)
        if reply is FAILED:
            return super().get(key, default)
        return default if reply is None else self._serializer.loads(reply)

    def get_many(self, keys):
        keys = list(keys)
        if not keys:
            return {}
        reply = self._read("MGET", *keys)
        if reply is FAILED:
            return super().get_many(keys)
        return {key: self._serializer.loads(value) for key, value in zip(keys, reply, strict=True) if value is not None}


# A forked child (gunicorn's workers) makes its own connections: the parent's sockets are not its.
_clients_with_connections = weakref.WeakSet()


def _forget_connections_in_child():
    for client in list(_clients_with_connections):
        client._forget_connections()


os.register_at_fork(after_in_child=_forget_connections_in_child)


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedRedisCacheClient

    def validate_key(self, key):
        """Any key is a Redis key: no memcached warning to compute."""
