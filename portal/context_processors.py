from django.conf import settings

from news.selectors import banner_items


def portal(request):
    context = {
        "vendor_name": settings.VENDOR_NAME,
        "vendor_site_url": settings.VENDOR_SITE_URL,
        "vendor_logo": settings.VENDOR_LOGO,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # A callable: the template calls it only where it shows the banner.
        context["banner_news"] = banner_items
    return context
