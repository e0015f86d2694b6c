"""core.cache.RedisCache: Django's Redis backend with one client object per pool, on a real Redis."""

import uuid

import pytest
from django.core.cache.backends.redis import RedisCacheClient

from core.cache import OWN_CONNECTION_PAUSE, RedisCache


@pytest.fixture
def redis_cache():
    prefix = uuid.uuid4().hex
    cache = RedisCache("redis://127.0.0.1:6379/13", {"KEY_PREFIX": prefix, "OPTIONS": {"socket_timeout": 2}})
    yield cache
    cache._cache.get_client(write=True).delete(*(cache._cache.get_client().keys(f"{prefix}:*") or ["none"]))


def test_one_client_object_serves_every_operation(redis_cache):
    """M10: Django builds a redis.Redis object per operation; this backend builds one per pool"""
    client = redis_cache._cache
    assert client.get_client("a") is client.get_client("b")
    django_s = RedisCacheClient(["redis://127.0.0.1:6379/13"])
    assert django_s.get_client("a") is not django_s.get_client("a")


def test_the_reused_client_reads_and_writes_like_django_s(redis_cache):
    """M10"""
    redis_cache.set("session", {"_auth_user_id": "7"}, 30)
    assert redis_cache.add("session", "other", 30) is False
    redis_cache.set_many({"a": 1, "b": [2]}, 30)
    assert redis_cache.get_many(["session", "a", "b", "none"]) == {"session": {"_auth_user_id": "7"}, "a": 1, "b": [2]}
    assert redis_cache.incr("a") == 2
    redis_cache.delete("session")
    assert redis_cache.get("session") is None


def test_a_key_memcached_would_refuse_is_stored_without_a_warning(redis_cache, recwarn):
    """M10: Redis takes any key; Django's memcached check is skipped"""
    key = "liste des DIs : « étiquette » " + "x" * 300
    redis_cache.set(key, 1, 30)
    assert redis_cache.get(key) == 1
    assert not [w for w in recwarn if "memcached" in str(w.message).lower()]


def _commands(redis_cache):
    """The number of commands the Redis server has processed so far."""
    info = redis_cache._cache.get_client().info("stats")
    return info["total_commands_processed"]


def test_reads_go_on_the_thread_s_own_connection_one_command_each(redis_cache):
    """M10: a GET or an MGET is one command on the thread's connection, a missing key included"""
    redis_cache.set_many({"a": 1, "b": "deux"}, 30)
    redis_cache.get("a")  # the connection made
    before = _commands(redis_cache)
    assert redis_cache.get("missing", "défaut") == "défaut"
    assert redis_cache.get("b") == "deux"
    assert redis_cache.get_many(["a", "missing", "b"]) == {"a": 1, "b": "deux"}
    assert redis_cache.get_many([]) == {}
    # three reads, plus the INFO that counts them
    assert _commands(redis_cache) - before == 3 + 1
    assert redis_cache._cache._own.connection is not None


def test_a_dropped_connection_is_read_again_through_redis_py_and_then_made_anew(redis_cache):
    """M10: Redis closing the thread's connection (a restart, a timeout) costs no read"""
    redis_cache.set("a", {"x": 1}, 30)
    assert redis_cache.get("a") == {"x": 1}
    own = redis_cache._cache._own.connection
    client = redis_cache._cache.get_client()
    client.client_kill_filter(_id=_client_id(own), skipme=True)
    assert redis_cache.get("a") == {"x": 1}  # through redis-py's path
    assert redis_cache._cache._own.connection is None
    assert redis_cache.get_many(["a"]) == {"a": {"x": 1}}  # still redis-py's, for a few seconds
    assert redis_cache._cache._own.connection is None
    redis_cache._cache._own.failed_at -= OWN_CONNECTION_PAUSE
    assert redis_cache.get_many(["a"]) == {"a": {"x": 1}}  # then a new connection of the thread's
    assert redis_cache._cache._own.connection not in (None, own)


def _client_id(connection):
    connection.send_command("CLIENT", "ID")
    return connection.read_response()


def test_with_redis_down_a_read_raises_as_django_s_does():
    """M10: nothing listening: the error redis-py raises reaches the caller (the 503 page)"""
    import socket

    from redis.exceptions import ConnectionError as RedisConnectionError

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = RedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 0.2}})
    client = cache._cache
    given = []
    own_connection = client._own_connection
    client._own_connection = lambda: given.append(own_connection()) or given[-1]
    with pytest.raises(RedisConnectionError):
        cache.get("a")
    with pytest.raises(RedisConnectionError):
        cache.get_many(["a", "b"])
    # the thread's own connection tried once; the second read went straight to redis-py's path
    assert given[0] is not None and given[1] is None


def test_the_serializer_reads_integers_and_pickles_as_django_s_does(redis_cache):
    """M10: integers stay digits (incr works), a pickle is read without trying it as an integer"""
    from django.core.cache.backends.redis import RedisSerializer

    from core.cache import PickleFirstSerializer

    ours, django_s = PickleFirstSerializer(), RedisSerializer()
    for value in (0, -7, 12345678901234567890, "12", b"\x80", {"user": ("default", {"id": 1})}, None, 1.5):
        stored = django_s.dumps(value)
        raw = stored if isinstance(stored, bytes) else str(stored).encode()
        assert ours.loads(raw) == django_s.loads(raw) == value
    assert type(redis_cache._cache._serializer) is PickleFirstSerializer
    redis_cache.set("n", 41, 30)
    assert redis_cache.incr("n") == 42 and redis_cache.get("n") == 42


def test_a_forked_child_makes_its_own_connection(redis_cache):
    """M10: gunicorn forks its workers: a child never reads on its parent's socket"""
    import os

    redis_cache.set("a", "parent", 30)
    assert redis_cache.get("a") == "parent"
    parent_s = redis_cache._cache._own.connection
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            ok = getattr(redis_cache._cache._own, "connection", None) is None and redis_cache.get("a") == "parent"
            ok = ok and redis_cache._cache._own.connection is not parent_s
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert redis_cache._cache._own.connection is parent_s and redis_cache.get("a") == "parent"
