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
    # The current page is the link with the longest URL that prefixes the path
    # (« Satisfaction », /guichet/satisfaction/, not also « Guichet support », /guichet/).
    links = [e for e in entries if e.url and not e.external] + [c for e in entries for c in e.children]
    matches = [link for link in links if path.startswith(link.url)]
    if matches:
        max(matches, key=lambda link: len(link.url)).active = True
    for entry in entries:
        entry.active = entry.active or any(c.active for c in entry.children)
    return entries
