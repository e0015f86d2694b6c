"""The side menu (SPEC M2.4). Each entry names a URL that exists; an entry with children unfolds."""

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass
class Entry:
    label: str
    url: str = ""
    children: list = field(default_factory=list)
    external: bool = False
    active: bool = False


def menu_for(user, path):
    entries = []
    if user.role == "vendor_admin":
        entries.append(Entry(_("Back office"), reverse("admin:index")))
    entries.append(
        Entry(_("Site de %(vendor)s") % {"vendor": settings.VENDOR_NAME}, settings.VENDOR_SITE_URL, external=True)
    )
    for entry in entries:
        for child in entry.children:
            child.active = path.startswith(child.url)
        entry.active = any(c.active for c in entry.children) or (
            bool(entry.url) and not entry.external and path.startswith(entry.url)
        )
    return entries
