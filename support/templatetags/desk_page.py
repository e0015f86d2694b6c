"""``{% desk_ticket_page %}``: the body of the desk's DI page (M11), written by the Jinja2
template ``support/jinja2/support/desk/detail.html`` inside its Django shell
(``support/templates/support/desk/detail.html``, which keeps the layout and the title).

The body was a Django template: its own nodes (fifty translations, the forms' wrappers, the
includes, the conditions) took ~1.1 ms of a ~5.6 ms render in one process; under load, interleaved
with the code before it (``python -m bench.ab desk_detail``), the page's workers spend 16.7 → 12.8
ms of CPU per request (docs/performance.md, round eleven). The Jinja2 template writes the same
markup: labels as Django's ``{% translate %}`` writes them, translated once per process
(``core.jinja_env.TemplateLabels``), sentences as ``{% blocktranslate %}`` writes them
(``core.jinja_env.sentence``); its rare parts (a refused form's summary, the linked DIs, the
satisfaction questionnaire) still come from the Django templates the client's DI page shares, and
the knowledge base's part from its own (by name: support imports nothing of the knowledge app).
"""

from django import template
from django.middleware.csrf import get_token
from django.template.backends.utils import csrf_input
from django.template.defaultfilters import filesizeformat, linebreaks_filter
from django.template.loader import get_template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.jinja_env import TemplateLabels, render_fragment, sentence
from core.reversal import reverse  # remembered per process (same answers as Django's)
from core.templatetags.fields import form_field
from core.templatetags.moments import local_moment

from .service_levels import due_sheet
from .support_rows import attachment_prefix, desk_customer_context, desk_history, detail_prefix, ticket_thread

register = template.Library()

_LABELS = TemplateLabels(
    back=gettext_lazy("Retour au guichet support"),
    awaiting=gettext_lazy("En attente du demandeur"),
    take=gettext_lazy("Prendre en charge"),
    merged_into=gettext_lazy("Cette DI a été fusionnée dans la"),
    merged_into_end=gettext_lazy("ses messages et pièces jointes y sont."),
    sheet=gettext_lazy("La DI"),
    establishment=gettext_lazy("Établissement"),
    contract=gettext_lazy("Produit / contrat"),
    team=gettext_lazy("Équipe"),
    status=gettext_lazy("Statut"),
    awaiting_answer=gettext_lazy("en attente de la réponse du demandeur"),
    owner=gettext_lazy("Agent"),
    nobody=gettext_lazy("Demande A Reaffecter"),
    author=gettext_lazy("Déposée par"),
    assignee=gettext_lazy("Support"),
    unassigned=gettext_lazy("Non attribuée"),
    created=gettext_lazy("Déposée le"),
    activity=gettext_lazy("Dernière activité"),
    module=gettext_lazy("Module concerné"),
    version=gettext_lazy("Version"),
    environment=gettext_lazy("Environnement"),
    closure_proposed=gettext_lazy("Clôture proposée le"),
    automatic_closure=gettext_lazy("Clôture automatique le"),
    cancelled=gettext_lazy("Annulée le"),
    closed=gettext_lazy("Clôturée le"),
    change_assignee=gettext_lazy("Changer la personne en charge"),
    description=gettext_lazy("Description"),
    initial_attachments=gettext_lazy("Pièces jointes au dépôt"),
    thread=gettext_lazy("Échanges"),
    thread_help=gettext_lazy("Les notes internes, marquées « Note interne », ne sont jamais montrées au client."),
    actions=gettext_lazy("Traiter la DI"),
    canned_replies=gettext_lazy("Réponses types"),
    canned_reply=gettext_lazy("Réponse type"),
    choose_canned_reply=gettext_lazy("Choisissez une réponse type"),
    canned_reply_help=gettext_lazy(
        "Son texte est inséré dans la réponse ci-dessous : relisez-le et modifiez-le avant d'envoyer."
    ),
    insert_canned_reply=gettext_lazy("Insérer dans la réponse"),
    reply=gettext_lazy("Répondre"),
    internal_note=gettext_lazy("Note interne"),
    save_internal_note=gettext_lazy("Enregistrer la note interne"),
    propose_closure=gettext_lazy("Proposer la clôture"),
    propose_closure_confirm=gettext_lazy("Proposer la clôture de cette DI au demandeur ?"),
    reroute=gettext_lazy("Réorienter"),
    reroute_help=gettext_lazy(
        "Vers un autre contrat de l'établissement ou vers l'autre équipe. Le demandeur est prévenu."
    ),
    reroute_button=gettext_lazy("Réorienter la DI"),
    merge=gettext_lazy("Fusionner ce doublon"),
    merge_confirm=gettext_lazy("Fusionner cette DI dans la DI indiquée ? Elle sera annulée et ses messages déplacés."),
    merge_button=gettext_lazy("Fusionner dans cette DI"),
    history=gettext_lazy("Historique"),
    history_region=gettext_lazy("Historique de la DI"),
    history_caption=gettext_lazy("Historique de la DI : qui, quand, et ce qui a changé."),
    date=gettext_lazy("Date"),
    action=gettext_lazy("Action"),
    by=gettext_lazy("Par"),
    person=gettext_lazy("Personne"),
)

# What ``{% include %}`` wrote for a part whose condition is false (a form without errors, no link).
_NOTHING_INCLUDED = SafeString("\n")


def _django(name, **values):
    """A Django template of the portal rendered with these values (the page's rare parts)."""
    return SafeString(get_template(name).render(values))


def _form_errors(form):
    """The summary at the top of a refused form (``includes/form_errors.html``)."""
    return _django("includes/form_errors.html", form=form) if form.errors else _NOTHING_INCLUDED


def _attachments_field(field):
    """The attachments input, and the files to choose again after a refusal
    (``support/includes/attachments_field.html``)."""
    if field.dropped:
        return _django("support/includes/attachments_field.html", field=field)
    return SafeString(f"{form_field(field)}\n")


def _read_only(ticket):
    """Why this user may not act on the DI: another team's, or no longer open."""
    if ticket.is_open:
        text = _("Cette DI relève de l'équipe « %(team)s » : vous pouvez la consulter, mais pas la traiter.")
        return sentence(text, team=ticket.get_team_display())
    return sentence(
        _("Cette DI est « %(status)s » : elle ne peut plus être modifiée."), status=ticket.get_status_display()
    )


@register.simple_tag(takes_context=True)
def desk_ticket_page(context):
    """The DI, its thread, the forms of the actions its workflow allows this user, its history and
    the customer's context (``support.desk_views._render_detail`` gives the values)."""
    request = context["request"]
    ticket = context["ticket"]
    number = ticket.number
    actions = context["actions"]
    action_forms = context["action_forms"]
    links = context["context"].links
    csrf = csrf_input(request)
    url = {
        "desk": reverse("desk:list"),
        "detail": detail_prefix("desk:detail"),
        "attachment": attachment_prefix(number),
    }
    for action in ("take", "change_assignee", "reply", "internal_note", "propose_closure", "reroute", "merge"):
        if action in actions:
            url[action] = reverse(f"desk:{action}", args=[number])
    has_links = links["follows"] or links["merged_into"] or links["follow_ups"] or links["merged"]
    survey = context["survey"]
    return render_fragment(
        "support/desk/detail.html",
        t=_LABELS.current(),
        ticket=ticket,
        status=ticket.get_status_display(),
        team=ticket.get_team_display(),
        environment=ticket.get_environment_display() if ticket.environment else "",
        automatic_closure_at=ticket.automatic_closure_at,
        description=linebreaks_filter(ticket.description, autoescape=True),
        read_only="" if actions else _read_only(ticket),
        actions=actions,
        action_forms=action_forms,
        canned_replies=context["canned_replies"],
        chosen_reply=context["chosen_reply"],
        context=context["context"],
        initial_attachments=context["initial_attachments"],
        url=url,
        csrf_input=csrf,
        moment=local_moment,
        filesize=filesizeformat,
        field=form_field,
        form_errors=_form_errors,
        attachments_field=_attachments_field,
        due_sheet=due_sheet(ticket, desk=True),
        linked_tickets=(
            _django("support/includes/linked_tickets.html", links=links, url_name="desk:detail")
            if has_links
            else _NOTHING_INCLUDED
        ),
        survey_answers=_django("support/includes/survey_answers.html", survey=survey) if survey else "",
        thread=ticket_thread(context, ticket, context["thread"]),
        # The knowledge base's part (M14.5), its Django template by name: support imports nothing of
        # the knowledge app, which sits in a higher layer (tests/test_layering.py).
        knowledge_tools=_django(
            "knowledge/includes/desk_tools.html",
            ticket=ticket,
            action_forms=action_forms,
            csrf_token=get_token(request),
        ),
        history=desk_history(context["events"]),
        customer_context=desk_customer_context(ticket, context["context"]),
    )
