"""The side menu (SPEC M2.4). Each entry names a URL that exists; an entry with children unfolds."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.reversal import reverse


@dataclass
class Entry:
    label: str
    url: str = ""
    children: list = field(default_factory=list)
    external: bool = False
    active: bool = False


def menu_for(user, path):
    entries = []
    if user.is_client:
        entries.append(
            Entry(
                _("Support"),
                children=[
                    Entry(_("Déposer une DI"), reverse("support:create")),
                    Entry(_("Voir les DIs de mon établissement"), reverse("support:list")),
                ],
            )
        )
        entries.append(Entry(_("Collaborateurs"), reverse("collaborators:list")))
        if user.is_establishment_admin:
            entries.append(Entry(_("Journal de sécurité"), reverse("audit:journal")))
        entries.append(Entry(_("Etablissement"), reverse("collaborators:establishment")))
    if user.is_vendor:
        entries.append(Entry(_("Guichet support"), reverse("desk:list")))
        entries.append(Entry(_("Établissements"), reverse("collaborators:vendor_establishments")))
        entries.append(Entry(_("Satisfaction"), reverse("desk:satisfaction")))
        entries.append(Entry(_("Rapport de la base de connaissances"), reverse("knowledge:report")))
    if user.is_manager:
        entries.append(Entry(_("Rapports"), reverse("reports:report")))
    entries.append(Entry(_("Téléchargements"), reverse("downloads:list")))
    entries.append(
        Entry(
            _("Aide"),
            children=[
                Entry(_("Guide d'utilisation"), reverse("portal:help")),
                Entry(_("Base de connaissances"), reverse("knowledge:index")),
            ],
        )
    )
    if user.is_vendor_admin:
        entries.append(Entry(_("Jetons d'intégration"), reverse("tokens:integration")))
        entries.append(Entry(_("Webhooks"), reverse("webhooks:list")))
        entries.append(Entry(_("Import du référentiel"), reverse("referential:import")))
        entries.append(Entry(_("Back office"), reverse("admin:index")))
    entries.append(
        Entry(_("Site de %(vendor)s") % {"vendor": settings.VENDOR_NAME}, settings.VENDOR_SITE_URL, external=True)
    )
    current = active_link(links_of(entries), path)  # never an external link's URL
    for entry in entries:
        for child in entry.children:
            child.active = child.url == current
        entry.active = entry.url == current or any(c.active for c in entry.children)
    return entries


def menu_key(user):
    """What ``menu_for`` reads of a person: which entries they get (with the language and the
    vendor's settings, the whole menu but for the current page)."""
    return (user.is_client, user.is_establishment_admin, user.is_vendor, user.is_manager, user.is_vendor_admin)


def links_of(entries):
    """The URLs of the menu's links within the portal (entries and their children)."""
    return [e.url for e in entries if e.url and not e.external] + [c.url for e in entries for c in e.children]


def active_link(urls, path):
    """The current page's link: the longest URL that prefixes the path (« Satisfaction »,
    /guichet/satisfaction/, not also « Guichet support », /guichet/); None outside the menu."""
    matches = [url for url in urls if path.startswith(url)]
    return max(matches, key=len) if matches else None
