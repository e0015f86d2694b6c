from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from news.models import NewsItem
from news.selectors import latest_items
from support import selectors as support_selectors


@login_required
def home(request):
    """The home page: what the person must do first (M11.1, M11.2), then the dashboard, then news.
    A client: their DIs waiting for their answer or their validation, then the establishment's
    tiles. The vendor's staff: their work and their team's, each count a link to the desk."""
    user = request.user
    # « Tableau de bord » in the top bar refreshes the tiles in place here (portal_chrome).
    context = {"latest_news": latest_items(), "dashboard_refresh": True}
    if user.is_client:
        context["todo"] = support_selectors.client_todo(user)
    elif user.is_vendor:
        context["worklist"] = support_selectors.vendor_worklist(user)
    return render(request, "portal/home.html", context)


@login_required
def news_list(request):
    page = Paginator(NewsItem.objects.current(), 10).get_page(request.GET.get("page"))
    return render(request, "portal/news_list.html", {"page": page})


@login_required
def help_page(request):
    """« Aide » (SPEC M7): the portal's own guide. Limits and delays come from the settings, so the
    guide says what the portal really does."""
    from datetime import timedelta

    from django.conf import settings

    from support.attachments import allowed_extensions

    cooloff = getattr(settings, "AXES_COOLOFF_TIME", timedelta(minutes=15))
    if not isinstance(cooloff, timedelta):  # django-axes also accepts a number of hours
        cooloff = timedelta(hours=float(cooloff))
    context = {
        "attachment_types": allowed_extensions(),
        "attachment_max_size": settings.ATTACHMENT_MAX_SIZE,
        "attachment_max_count": settings.ATTACHMENT_MAX_COUNT,
        "closure_days": settings.TICKET_CLOSURE_VALIDATION_DAYS,
        "lockout_failures": getattr(settings, "AXES_FAILURE_LIMIT", 5),
        "lockout_minutes": int(cooloff.total_seconds() // 60),
        "reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "invitation_days": settings.ACCOUNT_INVITATION_TIMEOUT // (24 * 3600),
        "session_hours": settings.SESSION_COOKIE_AGE // 3600,
    }
    return render(request, "portal/help.html", context)
