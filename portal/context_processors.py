from django.conf import settings

from news.models import NewsItem


def portal(request):
    context = {
        "vendor_name": settings.VENDOR_NAME,
        "vendor_site_url": settings.VENDOR_SITE_URL,
        "vendor_logo": settings.VENDOR_LOGO,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Lazy: evaluated only by templates that show the banner.
        context["banner_news"] = NewsItem.objects.current().filter(in_banner=True).only("title", "published_at")[:5]
    return context
