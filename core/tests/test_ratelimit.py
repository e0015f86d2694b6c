"""core.ratelimit: counters per rule and key in the shared cache (issue 12, item 3)."""

from django.core.cache import cache
from django.test import RequestFactory

from core import ratelimit


def test_a_rule_allows_its_count_per_window_then_tells_the_wait(settings):
    """M10"""
    settings.RATE_LIMITS = {"essai": (3, 60)}
    assert [ratelimit.hit("essai", "192.0.2.1") for _ in range(3)] == [None] * 3
    wait = ratelimit.hit("essai", "192.0.2.1")
    assert 1 <= wait <= 60
    assert ratelimit.hit("essai", "192.0.2.2") is None  # another key: its own counter


def test_keys_are_hashed_never_stored_in_clear(settings):
    """M10: the cache holds no e-mail address"""
    settings.RATE_LIMITS = {"essai": (3, 60)}
    ratelimit.hit("essai", "louise@alpha.example")
    keys = list(cache._cache.keys())
    assert keys and not any("louise" in key for key in keys)


def test_asking_does_not_count(settings):
    """M10"""
    settings.RATE_LIMITS = {"essai": (1, 60)}
    for _ in range(3):
        assert ratelimit.hit("essai", "k", count=False) is None
    assert ratelimit.hit("essai", "k") is None
    assert ratelimit.hit("essai", "k", count=False) is not None


def test_turned_off_or_without_the_cache_nothing_is_refused(settings, monkeypatch):
    """M10: the public forms keep working (the captcha still costs each request)"""
    settings.RATE_LIMITS = {"essai": (1, 60)}
    settings.RATE_LIMITS_ENABLED = False
    assert [ratelimit.hit("essai", "k") for _ in range(3)] == [None] * 3
    settings.RATE_LIMITS_ENABLED = True

    def down(*args, **kwargs):
        raise ConnectionError("Redis unreachable")

    monkeypatch.setattr(cache, "add", down)
    assert [ratelimit.hit("essai", "k") for _ in range(3)] == [None] * 3


def test_the_429_page_is_french_and_says_when_to_retry(db):
    """M10"""
    response = ratelimit.too_many_requests(RequestFactory().get("/"), 125)
    assert response.status_code == 429 and response["Retry-After"] == "125"
    body = response.content.decode()
    assert "Trop de demandes" in body and "3 minutes" in body
    assert "no-store" in response["Cache-Control"]
