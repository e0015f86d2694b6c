"""The rows of the two DI lists (client list, support desk), a DI's thread, and the desk's history
and customer context of a DI, rendered by Jinja2 templates (``support/jinja2/support/rows/`` and
``support/jinja2/support/desk/``, the second engine of ``settings.TEMPLATES``).

Through Django's template engine, 25 rows (two dates in two formats, a URL, a badge, three names
each) were half of a list page's time, and the lists are the portal's busiest pages; hand-built,
escaped f-strings made them fast and hard to read. The Jinja2 templates are as fast (the
measurements are in docs/performance.md), escape every value as Django does (``core.jinja_env``),
and produce the same markup. What every row of a page shares (URL prefix, time zone, labels, the
clock) is computed once per page.
"""

import html
import re
from urllib.parse import quote

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import urlize
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.jinja_env import Labels, render_fragment, sentence
from core.reversal import reverse  # remembered per process (same answers as Django's)
from establishments.templatetags.contracts import contract_state
from support import due
from support.models import Status, TicketEvent

from .desk import age_in_days

register = template.Library()

BADGE_EXTRA = {Status.CLOSURE_PENDING: " warn", Status.CLOSED: " ok", Status.CANCELLED: " off"}


def detail_prefix(name):
    """The DI URL without its number: one reverse() per page instead of one per row."""
    marker = "DI-0000-000000"
    return reverse(name, args=[marker]).split(marker)[0]


# The rows' labels (the support.models.Status labels apart), translated once per process.
_LABELS = Labels(
    nobody=gettext_lazy("Demande A Reaffecter"),
    awaiting_yours=gettext_lazy("En attente de votre réponse"),
    awaiting_owner=gettext_lazy("En attente de la réponse de son propriétaire"),
    awaiting_requester=gettext_lazy("En attente du demandeur"),
    unassigned=gettext_lazy("Non attribuée"),
    paused_client=gettext_lazy("Délai suspendu"),
    paused_desk=gettext_lazy("En pause"),
    late=gettext_lazy("En retard"),
    today=gettext_lazy("Aujourd'hui"),
    first_label=gettext_lazy("Réponse"),
    resolution_label=gettext_lazy("Résolution"),
    first_before=gettext_lazy("Réponse avant le %(date)s"),
    resolution_before=gettext_lazy("Résolution avant le %(date)s"),
    since=gettext_lazy("depuis %(d)s"),
    within=gettext_lazy("dans %(d)s"),
    created_on=gettext_lazy("Déposée le %(date)s"),
    automatic=gettext_lazy("Automatique"),  # the desk's history: an event of no one
    to=gettext_lazy("vers"),
    no_event=gettext_lazy("Aucun événement."),
)
_STATUS_LABELS = Labels(**{status.value: status.label for status in Status})


@register.simple_tag
def status_badge(ticket):
    """A DI's status as a badge, ``{% status_badge ticket %}``: the markup of the rows' badges,
    written in Python (it was an ``{% include %}`` per DI: ~0.1 ms each, fifteen on the desk's DI
    page)."""
    label = _STATUS_LABELS.current()[ticket.status]
    return SafeString(f'<span class="badge {_Kit.badge_classes[ticket.status]}">{html.escape(label)}</span>')


class _Kit:
    """What every row of a page shares, computed once per page (URL prefix, time zone, labels, the
    clock); ``due`` reads a DI's deadline (SPEC M13.3, M13.4) from its columns."""

    NONE, PAUSED, LATE, TODAY = due.NONE, due.PAUSED, due.LATE, due.TODAY
    # The class and label of every status's badge (StrictUndefined: an unknown status is an error).
    badge_classes = {status.value: f"status-{status.value}{BADGE_EXTRA.get(status, '')}" for status in Status}

    def __init__(self, url_name):
        self.prefix = detail_prefix(url_name)
        self.tz = timezone.get_current_timezone()
        self.now, _tz, self.end_of_day = due.local_now()
        self.status_labels = _STATUS_LABELS.current()
        self.__dict__.update(_LABELS.current())

    def due(self, ticket):
        return due.due_of(ticket, self.now, self.tz, self.end_of_day)


@register.simple_tag(takes_context=True)
def client_ticket_rows(context, tickets):
    """The rows of the client DI list (``support/jinja2/support/rows/client_rows.html``)."""
    kit = _Kit("support:detail")
    return render_fragment(
        "support/rows/client_rows.html",
        rows=[(ticket, kit.due(ticket)) for ticket in tickets],
        kit=kit,
        user_id=context["user"].pk,
    )


@register.simple_tag
def desk_ticket_rows(tickets):
    """The rows of the support desk (``support/jinja2/support/rows/desk_rows.html``)."""
    kit = _Kit("desk:detail")
    return render_fragment(
        "support/rows/desk_rows.html",
        rows=[(ticket, kit.due(ticket)) for ticket in tickets],
        kit=kit,
        age=age_in_days,
        duration=due.duration_text,
    )


# --- The thread of a DI ----------------------------------------------------------------------------
# A long thread through Django's template engine (dates, a URL per attachment, linebreaks) was a
# large part of the DI page's time (docs/performance.md): one Jinja2 template for the whole thread.

_NO_UUID = "00000000-0000-0000-0000-000000000000"


def attachment_prefix(number):
    """The URL of an attachment of DI ``number`` without its UUID: one reverse() per page."""
    return reverse("support:attachment", args=[number, _NO_UUID]).removesuffix(f"{_NO_UUID}/")


_NEWLINES = re.compile(r"\r\n|\r")
_BLANK_LINES = re.compile(r"\n{2,}")


def _paragraphs(markup):
    """Django's ``linebreaks`` of an escaped text, the same markup (each paragraph in ``<p>``, a
    single line break as ``<br>``), without the ``keep_lazy`` wrappers of its three steps (a
    thread of 30 messages: ~7 µs a message)."""
    if "\r" in markup:
        markup = _NEWLINES.sub("\n", markup)
    return "\n\n".join(["<p>" + paragraph.replace("\n", "<br>") + "</p>" for paragraph in _BLANK_LINES.split(markup)])


def _body(text):
    """A message's text, escaped, its paragraphs kept; its web addresses made links (a reply may
    point to an article of the knowledge base). Only a text holding an address pays for urlize."""
    if "://" in text:
        return SafeString(_paragraphs(urlize(text, nofollow=True, autoescape=True)))  # urlize escapes
    return SafeString(_paragraphs(html.escape(text)))  # escaped as Django escapes (``html.escape``)


@register.simple_tag(takes_context=True)
def ticket_thread(context, ticket, thread):
    """The thread of a DI, oldest first; ``thread`` holds only what the viewer may see
    (support.access.thread_for)."""
    return render_fragment(
        "support/rows/thread.html",
        thread=thread,
        tz=timezone.get_current_timezone(),
        prefix=attachment_prefix(ticket.number),
        vendor_name=context.get("vendor_name", ""),
        attachments_label=_("Pièces jointes"),
        empty=_("Aucun message pour le moment."),
        body=_body,
        filesize=filesizeformat,
    )


# The desk's « Historique »: its actions' labels, translated once per process as the rows' are.
_ACTION_LABELS = Labels(**{action.value: action.label for action in TicketEvent.Action})


@register.simple_tag
def desk_history(events):
    """The rows of the desk's « Historique » (who, when, what changed), one per event: through
    Django's template, thirty events took ~6 ms of the desk's DI page."""
    return render_fragment(
        "support/rows/history.html",
        events=events,
        tz=timezone.get_current_timezone(),
        kit=_LABELS.current(),
        actions=_ACTION_LABELS.current(),
        statuses=_STATUS_LABELS.current(),
    )


# --- The customer's context beside a DI on the desk (M11.3) ------------------------------------
# Through Django's template (its includes, translations and URLs): ~2 ms of the desk's DI page.

_CONTEXT_LABELS = Labels(
    client=gettext_lazy("Le client"),
    requester=gettext_lazy("Demandeur"),
    name=gettext_lazy("Nom"),
    disabled=gettext_lazy("Désactivé"),
    function=gettext_lazy("Fonction"),
    phone=gettext_lazy("Téléphone"),
    email=gettext_lazy("Adresse mail"),
    nobody=gettext_lazy("Demande A Reaffecter"),
    no_access=gettext_lazy("son propriétaire n'a plus accès à l'Espace Clients."),
    establishment=gettext_lazy("Établissement"),
    finess=gettext_lazy("N° FINESS"),
    siret=gettext_lazy("N° SIRET"),
    city=gettext_lazy("Commune"),
    contracts=gettext_lazy("Contrats"),
    this_contract=gettext_lazy("contrat de cette DI"),
    no_contract=gettext_lazy("Aucun contrat."),
    all_open=gettext_lazy("Toutes ses DIs ouvertes au guichet"),
    no_other_open=gettext_lazy("Aucune autre DI ouverte."),
    none=gettext_lazy("Aucune."),
    file_for=gettext_lazy("Déposer une DI pour cet établissement"),
)


@register.simple_tag
def desk_customer_context(ticket, context):
    """The customer's context (``support/jinja2/support/desk/customer_context.html``): the
    requester, the establishment, its contracts, its other open DIs and its last DIs closed on
    the same product; ``context``: ``support.selectors.customer_context``."""
    tz = timezone.get_current_timezone()
    closed_on = _("clôturée le %(date)s")
    count = context.other_open_count
    open_title = ngettext("Son autre DI ouverte (%(counter)s)", "Ses autres DIs ouvertes (%(counter)s)", count)
    markup = render_fragment(
        "support/desk/customer_context.html",
        ticket=ticket,
        context=context,
        k=_CONTEXT_LABELS.current(),
        filed_by=sentence(_("Déposée par %(name)s."), name=ticket.author.full_name),
        open_title=sentence(open_title, counter=count),
        closed_title=sentence(_("Dernières DIs clôturées sur %(product)s"), product=ticket.contract.product.name),
        closed_on=lambda moment: sentence(closed_on, date=moment.astimezone(tz).strftime("%d/%m/%Y")),
        contract_state=contract_state,
        badge=status_badge,
        detail=detail_prefix("desk:detail"),
        establishment_url=reverse("collaborators:vendor_establishment", args=[ticket.establishment.pk]),
        establishment_query=quote(ticket.establishment.name, safe="/"),
        desk_url=reverse("desk:list"),
        file_url=reverse("desk:file_on_behalf", args=[ticket.establishment.pk]),
    )
    return SafeString(markup + "\n")  # the newline the include wrote (Jinja2 drops a last newline)
