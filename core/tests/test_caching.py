"""core.caching: values shared through the cache, and the copies a process holds a moment."""

from unittest import mock

from django.core.cache import cache

from core.caching import forget, remember


def test_a_held_value_is_read_once_from_the_cache_for_its_seconds():
    """M10: the news banner is on every page: no round trip for it on most of them"""
    compute = mock.Mock(return_value=["une"])
    assert remember("k:held", 60, compute, held=30) == ["une"]
    with mock.patch.object(cache, "get", side_effect=AssertionError("a round trip")):
        assert remember("k:held", 60, compute, held=30) == ["une"]
    assert compute.call_count == 1


def test_a_held_value_expires_and_is_read_again(monkeypatch):
    """M10"""
    clock = [1000.0]
    monkeypatch.setattr("core.caching.time.monotonic", lambda: clock[0])
    remember("k:held", 60, lambda: "ancienne", held=2)
    cache.set("k:held", "nouvelle", 60)  # another process changed it
    assert remember("k:held", 60, lambda: "x", held=2) == "ancienne"
    clock[0] += 2.5
    assert remember("k:held", 60, lambda: "x", held=2) == "nouvelle"


def test_forget_drops_this_process_s_copy_at_once():
    """M10: a news item saved shows on the next page of the process that saved it"""
    remember("k:held", 60, lambda: "ancienne", held=30)
    forget("k:held")
    assert remember("k:held", 60, lambda: "nouvelle", held=30) == "nouvelle"


def test_without_held_every_read_goes_to_the_cache():
    """M10"""
    remember("k:plain", 60, lambda: "v")
    cache.set("k:plain", "w", 60)
    assert remember("k:plain", 60, lambda: "x") == "w"
