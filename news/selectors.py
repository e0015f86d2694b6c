"""Reads of the news shown on every page."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core.caching import forget, remember

from .models import NewsItem

BANNER_KEY = "news:banner"
# The banner is on every page of every signed-in user: read from the cache, forgotten when a news
# item is saved or deleted; a news item that comes online or expires on its own shows within this.
BANNER_TTL = 60
# …and kept in each process this long: no round trip to the cache for it on most pages (a change
# shows at once in the process that made it, within this many seconds in the others).
BANNER_HELD = 2


def banner_items():
    """The news of the scrolling banner (at most five, latest first), as dicts (title, published_at)."""

    def read():
        current = NewsItem.objects.current().filter(in_banner=True).order_by("-published_at")
        return list(current.values("title", "published_at")[:5])

    return remember(BANNER_KEY, BANNER_TTL, read, held=BANNER_HELD)


LATEST_KEY = "news:latest"


def latest_items():
    """The three latest current news of the home page, as dicts (title, published_at, body): read
    from the cache and kept in the process as the banner is (same delays, forgotten together)."""

    def read():
        return list(NewsItem.objects.current().values("title", "published_at", "body")[:3])

    return remember(LATEST_KEY, BANNER_TTL, read, held=BANNER_HELD)


@receiver(post_save, sender=NewsItem, dispatch_uid="news.forget_banner.save")
@receiver(post_delete, sender=NewsItem, dispatch_uid="news.forget_banner.delete")
def forget_banner(**kwargs):
    forget(BANNER_KEY, LATEST_KEY)
