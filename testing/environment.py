"""Each test's surroundings: its own folder of private files and an empty cache; the cache down."""

import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "files")


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from core.caching import drop_held

    cache.clear()
    drop_held()
    yield
    cache.clear()
    drop_held()


@pytest.fixture
def cache_down(monkeypatch):
    """Reads and writes of the cache fail, as with Redis unreachable."""
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis unreachable")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
