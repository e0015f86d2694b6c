import secrets

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from markupsafe import Markup, escape

from accounts.models import Role
from core.jinja_env import Labels, render_fragment
from core.memo import Memo
from core.reversal import reverse
from news.selectors import banner_items
from portal.menu import active_link, links_of, menu_for, menu_key

register = template.Library()

_LABELS = Labels(
    latest_news=_("Dernières news"),
    pause=_("Pause"),
    news=_("News"),
    top_bar=_("Barre d’en-tête"),
    dashboard=_("Tableau de bord"),
    profile=_("Mon profil"),
    logout=_("Déconnexion"),
    main_menu=_("Menu principal"),
    menu=_("Menu"),
    new_tab=_("(nouvel onglet)"),
    logo_alt=_("%(vendor_name)s — accueil"),
)


def _urls():
    # core.reversal remembers each (under the script prefix, the URLconf and the language).
    return {
        name: reverse(view)
        for name, view in (
            ("home", "portal:home"),
            ("news", "portal:news"),
            ("dashboard", "support:dashboard"),
            ("profile", "accounts:profile"),
            ("logout", "accounts:logout"),
        )
    }


@register.simple_tag(takes_context=True)
def portal_chrome(context):
    """The top bar and the side menu of a signed-in page (``portal/jinja2/portal/chrome.html``).

    They were Django templates (``base_portal.html`` and an inclusion tag for the menu): about a
    millisecond of every signed-in page, some 30 translations and a template per menu entry. The
    Jinja2 template writes the same markup; what it shows is worked out here. A page whose
    « Tableau de bord » link refreshes the tiles in place (the home page) sets ``dashboard_refresh``."""
    request = context["request"]
    user = request.user
    banner = []
    for item in banner_items():
        moment = timezone.localtime(item["published_at"])
        banner.append((moment.isoformat(), moment.strftime("%d/%m/%Y"), item["title"]))
    whoami = [user.full_name]
    if user.establishment:
        whoami.append(str(user.establishment))
    whoami.append(_role_label(user.role))
    whoami = " · ".join(whoami)
    refresh = bool(context.get("dashboard_refresh")) and user.is_client
    logo = static(settings.VENDOR_LOGO)
    menu = (get_language(), settings.VENDOR_NAME, settings.VENDOR_SITE_URL, menu_key(user))
    links = _MENU_LINKS.get(menu)
    if links is None:
        links = _MENU_LINKS.keep(menu, links_of(menu_for(user, "")))
    key = (menu, active_link(links, request.path), logo, whoami, refresh, tuple(banner))
    parts = _CHROME.get(key)
    if parts is None:
        markup = render_fragment(
            "portal/chrome.html",
            urls=_urls(),
            labels=_LABELS.current(),
            logo_alt=_LABELS.current()["logo_alt"] % {"vendor_name": settings.VENDOR_NAME},
            logo=logo,
            banner=banner,
            dashboard_refresh=refresh,
            csrf_token=_TOKEN_SLOT,
            whoami=whoami,
            entries=menu_for(user, request.path),
        )
        parts = _CHROME.keep(key, tuple(markup.split(_TOKEN_SLOT)))
    # Only the CSRF token (masked anew for each request) is not kept.
    return mark_safe(str(escape(get_token(request))).join(parts))  # noqa: S308 (kept markup, escaped token)


# The frame is the same markup for the same person's name and kind of access, page of the menu,
# news and language, but for its CSRF token: kept per process (bounded), the token put in at each request.
_CHROME = Memo(bound=4096)
_TOKEN_SLOT = f"csrf-{secrets.token_hex(16)}"


# The menu's links for each kind of person and language (``menu_for`` without a current page).
_MENU_LINKS = Memo(bound=256)
_ROLES = Labels(**{role.value: role.label for role in Role})


def _role_label(role):
    """``user.get_role_display()``, its labels translated once per process and language."""
    return _ROLES.current().get(role, role)


_WORKLIST_LABELS = Labels(
    more_than=_("plus de %(n)s"), waiting_since=_("attend depuis %(since)s"), answered=_("le demandeur a répondu")
)


@register.simple_tag
def worklist_rows(worklist):
    """The rows of the vendor's home's worklist table (``portal/jinja2/portal/worklist_rows.html``):
    each kind of work, and its count for each column, a link to the desk so filtered. They were a
    Django loop of some twenty cells, each with its translation and reversal (about a third of the
    page); the Jinja2 template writes the same markup."""
    desk = reverse("desk:list")
    more_than = _WORKLIST_LABELS.current()["more_than"]
    rows = [
        (
            row.key,
            row.label,
            row.help,
            [
                (
                    f"{desk}?{cell.query}",
                    Markup(more_than) % {"n": cell.count.label}  # noqa: S704 (a translation; values escaped)
                    if getattr(cell.count, "capped", False)
                    else str(cell.count),
                    cell.header,
                )
                for cell in row.cells
            ],
        )
        for row in worklist.rows
    ]
    return render_fragment("portal/worklist_rows.html", rows=rows)


@register.simple_tag
def worklist_oldest(worklist):
    """The items of the list of DIs waiting longest for the support (``portal/jinja2/portal/
    worklist_oldest.html``), written as the Django loop they replace wrote them."""
    labels = _WORKLIST_LABELS.current()
    items = [
        (
            reverse("desk:detail", args=[ticket.number]),
            ticket.number,
            ticket.subject,
            ticket.establishment.name,
            # As {% blocktranslate %}: the translation as written, its values escaped.
            Markup(labels["waiting_since"])  # noqa: S704 (a translation; values escaped)
            % {"since": timesince(ticket.waiting_since) if ticket.waiting_since else ""},
            labels["answered"] if ticket.client_answered else "",
        )
        for ticket in worklist.oldest
    ]
    return render_fragment("portal/worklist_oldest.html", items=items)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
