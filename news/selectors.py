"""Reads of the news shown on every page."""

import contextlib

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import NewsItem

BANNER_KEY = "news:banner"
# The banner is on every page of every signed-in user: read from the cache, forgotten when a news
# item is saved or deleted; a news item that comes online or expires on its own shows within this.
BANNER_TTL = 60


def banner_items():
    """The news of the scrolling banner (at most five, latest first), as dicts (title, published_at)."""
    try:
        items = cache.get(BANNER_KEY)
    except Exception:  # the cache is down: read the database
        items = None
    if items is None:
        items = list(
            NewsItem.objects.current()
            .filter(in_banner=True)
            .order_by("-published_at")
            .values("title", "published_at")[:5]
        )
        with contextlib.suppress(Exception):
            cache.set(BANNER_KEY, items, BANNER_TTL)
    return items


@receiver(post_save, sender=NewsItem, dispatch_uid="news.forget_banner.save")
@receiver(post_delete, sender=NewsItem, dispatch_uid="news.forget_banner.delete")
def forget_banner(**kwargs):
    with contextlib.suppress(Exception):
        cache.delete(BANNER_KEY)
