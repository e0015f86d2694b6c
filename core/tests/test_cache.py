"""core.cache.RedisCache: Django's Redis backend with one client object per pool, on a real Redis."""

import uuid

import pytest
from django.core.cache.backends.redis import RedisCacheClient

from core.cache import RedisCache


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
