from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.jinja_env import TemplateLabels, render_fragment, sentence
from core.templatetags.moments import local_moment
from support import due

register = template.Library()

# The due sheet's labels, translated once per process (its Django template's {% translate %}).
_DUE_LABELS = TemplateLabels(
    level=gettext_lazy("Niveau de service"),
    first_response_due=gettext_lazy("Réponse attendue avant le"),
    late=gettext_lazy("En retard"),
    today=gettext_lazy("Aujourd'hui"),
    resolution_due=gettext_lazy("Résolution visée avant le"),
    paused_closure=gettext_lazy("Délai suspendu pendant la validation de la clôture."),
    paused_desk=gettext_lazy("Délai suspendu : la DI attend la réponse du demandeur."),
    paused_client=gettext_lazy("Délai suspendu en attendant votre réponse."),
    due=gettext_lazy("Échéance"),
    first_response=gettext_lazy("Première réponse le"),
)


@register.simple_tag
def due_sheet(ticket, desk=False):
    """The service level's dates on a DI's page (SPEC M13.3, M13.4): nothing without a level.
    A Jinja2 fragment (``support/jinja2/support/due_sheet.html``): it was a Django inclusion tag,
    ~5 % of the desk's DI page in a sampled worker once the page itself was Jinja2."""
    now, tz, end_of_day = due.local_now()
    state = due.due_of(ticket, now, tz, end_of_day)
    left = due.duration_text(state.left) if state.left is not None else ""
    markup = render_fragment(
        "support/due_sheet.html",
        ticket=ticket,
        desk=desk,
        state=state.state,
        open=ticket.is_open,
        k=_DUE_LABELS.current(),
        level=str(ticket.service_level) if ticket.service_level_id and desk else "",
        moment=local_moment,
        # « dépassée depuis 3 h » when late, else « dans 3 h » (shown on the desk only)
        due_text=sentence(_("dépassée depuis %(left)s") if state.state == due.LATE else _("dans %(left)s"), left=left),
    )
    return SafeString(markup + "\n")  # the newline the inclusion tag's template ended with


@register.inclusion_tag("support/includes/due_counts.html")
def due_counts():
    """The vendor's home: per team, the DIs due today and the late ones (SPEC M13.4). A block of
    its own, to sit in any vendor home page."""
    from support.selectors import due_counts_by_team

    return {"teams": due_counts_by_team()}
