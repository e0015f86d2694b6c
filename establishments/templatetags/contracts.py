"""``{% contract_state contract %}``: a contract's badge today (« Actif », « Expiré », « Suspendu »,
« À venir »), on the establishments' sheets; the desk's customer context (a Jinja2 fragment,
``support.templatetags.support_rows``) calls the same function."""

import html

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

register = template.Library()

# Contract.state -> (the badge's class, its label); any other state is « À venir ».
_STATES = {
    "active": ("badge ok", gettext_lazy("Actif")),
    "expired": ("badge off", gettext_lazy("Expiré")),
    "suspended": ("badge warn", gettext_lazy("Suspendu")),
}
_UPCOMING = ("badge", gettext_lazy("À venir"))


@register.simple_tag
def contract_state(contract):
    classes, label = _STATES.get(contract.state, _UPCOMING)
    return SafeString(f'<span class="{classes}">{html.escape(str(label))}</span>')
