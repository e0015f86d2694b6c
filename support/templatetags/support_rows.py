"""The rows of the two DI lists (client list, support desk) and a DI's thread, rendered in Python.

Through the template engine, 25 rows (two dates in two formats, a URL, a badge, three names each)
were half of a list page's time, and the lists are the portal's busiest pages; the measurements are
in docs/performance.md. The markup is the one the templates produced, every value escaped.
"""

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join, linebreaks, urlize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from support import due
from support.models import Status

from .desk import age_in_days

register = template.Library()

ROW_AWAITING = ' class="awaiting"'
DESK_ROW_AWAITING = ' class="desk-awaiting"'
BADGE_EXTRA = {Status.CLOSURE_PENDING: " warn", Status.CLOSED: " ok", Status.CANCELLED: " off"}


def _detail_prefix(name):
    """The DI URL without its number: one reverse() per page instead of one per row."""
    marker = "DI-0000-000000"
    return reverse(name, args=[marker]).split(marker)[0]


def _time(moment, fmt, tz=None):
    local = moment.astimezone(tz or timezone.get_current_timezone())
    return f'<time datetime="{local.isoformat()}">{local.strftime(fmt)}</time>'


class _Kit:
    """What every row of a page shares, computed once per page (URL prefix, time zone, labels)."""

    def __init__(self, url_name):
        self.prefix = escape(_detail_prefix(url_name))
        self.tz = timezone.get_current_timezone()
        self.status_labels = {status.value: escape(status.label) for status in Status}
        self.nobody = format_html("<em>{}</em>", _("Demande A Reaffecter"))
        self.awaiting_yours = escape(_("En attente de votre réponse"))
        self.awaiting_owner = escape(_("En attente de la réponse de son propriétaire"))
        self.awaiting_requester = format_html('<span class="badge warn">{}</span>', _("En attente du demandeur"))
        self.unassigned = format_html('<span class="meta">{}</span>', _("Non attribuée"))
        self.now, _tz, self.end_of_day = due.local_now()
        self.paused_client = escape(_("Délai suspendu"))
        self.paused_desk = format_html('<span class="badge off">{}</span>', _("En pause"))
        self.late = format_html('<span class="badge danger">{}</span>', _("En retard"))
        self.today = format_html('<span class="badge warn">{}</span>', _("Aujourd'hui"))
        self.first_label = escape(_("Réponse"))
        self.resolution_label = escape(_("Résolution"))

    @classmethod
    def of(cls, context, url_name):
        key = f"_row_kit_{url_name}"
        kit = context.get(key)
        if kit is None:
            kit = context[key] = cls(url_name)
        return kit

    def owner(self, ticket):
        return self.nobody if ticket.owner_id is None else escape(ticket.owner.full_name)

    def due(self, ticket):
        return due.due_of(ticket, self.now, self.tz, self.end_of_day)

    def client_due(self, ticket):
        """The client list's « Échéance »: the date of the next deadline (SPEC M13.3)."""
        state = self.due(ticket)
        if state.state == due.NONE:
            return "—"
        if state.state == due.PAUSED:
            return self.paused_client
        text = _("Réponse avant le %(date)s") if state.first_response else _("Résolution avant le %(date)s")
        local = state.at
        return (
            f'<time datetime="{local.isoformat()}">{escape(text % {"date": local.strftime("%d/%m/%Y %H:%M")})}</time>'
        )

    def desk_due(self, ticket):
        """The desk's « Échéance »: time left, due today (amber), late (red), always in words too
        (SPEC M13.4)."""
        state = self.due(ticket)
        if state.state == due.NONE:
            return "—"
        if state.state == due.PAUSED:
            return self.paused_desk
        which = self.first_label if state.first_response else self.resolution_label
        local = state.at
        when = f'<time datetime="{local.isoformat()}">{local.strftime("%d/%m %H:%M")}</time>'
        if state.state == due.LATE:
            left = escape(_("depuis %(d)s") % {"d": due.duration_text(state.left)})
            return f'{self.late} <span class="meta">{which} {when}, {left}</span>'
        left = escape(_("dans %(d)s") % {"d": due.duration_text(state.left)})
        flag = f"{self.today} " if state.state == due.TODAY else ""
        return f'{flag}<span class="meta">{which} {when}, {left}</span>'


# The rows below are built with f-strings: every text that comes from the data goes through
# ``escape`` (numbers, subjects, names, product and establishment names); the rest is markup,
# dates and labels escaped once per page. Compared with ``format_html`` this is a third of the cost.


@register.simple_tag(takes_context=True)
def client_ticket_row(context, ticket):
    kit = _Kit.of(context, "support:detail")
    number = escape(ticket.number)
    url = f"{kit.prefix}{number}/"
    awaiting = ""
    if ticket.awaiting_owner:
        text = kit.awaiting_yours if ticket.owner_id == context["user"].pk else kit.awaiting_owner
        awaiting = (
            f' <span class="awaiting-marker" title="{text}"><span aria-hidden="true">!</span>'
            f'<span class="visually-hidden">{text}</span></span>'
        )
    contract = ticket.contract
    status = ticket.status
    assignee = escape(ticket.assignee.full_name) if ticket.assignee_id else ""
    return mark_safe(  # noqa: S308 (every data value escaped above)
        f'<tr data-href="{url}"{ROW_AWAITING if ticket.awaiting_owner else ""}>\n'
        f'      <th scope="row"><a href="{url}">{number}</a>{awaiting}</th>\n'
        f"      <td>{_time(ticket.created_at, '%d/%m/%Y', kit.tz)}</td>\n"
        f'      <td class="subject">{escape(ticket.subject)}</td>\n'
        f'      <td>{escape(contract.product.name)} <span class="meta">{escape(contract.reference)}</span></td>\n'
        f'      <td><span class="badge status-{escape(status)}{BADGE_EXTRA.get(status, "")}">'
        f"{kit.status_labels.get(status, escape(status))}</span></td>\n"
        f"      <td>{kit.owner(ticket)}</td>\n"
        f"      <td>{assignee or '—'}</td>\n"
        f"      <td>{kit.client_due(ticket)}</td>\n"
        f"      <td>{_time(ticket.last_activity_at, '%d/%m/%Y %H:%M', kit.tz)}</td>\n"
        "    </tr>"
    )


@register.simple_tag(takes_context=True)
def desk_ticket_row(context, ticket):
    kit = _Kit.of(context, "desk:detail")
    number = escape(ticket.number)
    url = f"{kit.prefix}{number}/"
    created = ticket.created_at.astimezone(kit.tz)
    contract = ticket.contract
    created_title = escape(_("Déposée le %(date)s") % {"date": created.strftime("%d/%m/%Y %H:%M")})
    return mark_safe(  # noqa: S308 (every data value escaped above)
        f'<tr data-href="{url}"{DESK_ROW_AWAITING if ticket.awaiting_owner else ""}>\n'
        f'      <th scope="row"><a href="{url}">{number}</a></th>\n'
        f"      <td>{escape(ticket.establishment.name)}</td>\n"
        f'      <td class="subject">{escape(ticket.subject)}</td>\n'
        f'      <td>{escape(contract.product.name)} <span class="meta">{escape(contract.reference)}</span></td>\n'
        "      <td>\n"
        f'        <span class="badge status-{escape(ticket.status)}">'
        f"{kit.status_labels.get(ticket.status, escape(ticket.status))}</span>\n"
        f"        {kit.awaiting_requester if ticket.awaiting_owner else ''}\n"
        "      </td>\n"
        f"      <td>{kit.owner(ticket)}</td>\n"
        f"      <td>{escape(ticket.assignee.full_name) if ticket.assignee_id else kit.unassigned}</td>\n"
        f'      <td><time datetime="{created.isoformat()}" title="{created_title}">'
        f"{escape(age_in_days(ticket.created_at))}</time></td>\n"
        f"      <td>{kit.desk_due(ticket)}</td>\n"
        f"      <td>{_time(ticket.last_activity_at, '%d/%m/%Y %H:%M', kit.tz)}</td>\n"
        "    </tr>"
    )


# --- The thread of a DI ----------------------------------------------------------------------------
# A long thread through the template engine (dates, a URL per attachment, linebreaks) was a large
# part of the DI page's time (docs/performance.md): rendered here with the same markup.

_NO_UUID = "00000000-0000-0000-0000-000000000000"


def _thread_item(message, attachment_prefix, vendor_name):
    author = message.author
    from_vendor = author.is_vendor
    kind_badge = ""
    if message.kind != "message":
        kind_badge = format_html(
            '<span class="badge{}">{}</span>', " warn" if message.is_internal else "", message.get_kind_display()
        )
    attachments = message.attachments.all()
    files = ""
    if attachments:
        files = format_html(
            '\n    <ul class="attachments" aria-label="{}">\n{}\n    </ul>',
            _("Pièces jointes"),
            format_html_join(
                "\n",
                '      <li><a href="{}{}/" download>{}</a> <span class="meta">({})</span></li>',
                ((attachment_prefix, a.uuid, a.original_name, filesizeformat(a.size)) for a in attachments),
            ),
        )
    created = timezone.localtime(message.created_at)
    return format_html(
        '  <li class="thread-item kind-{kind}{vendor_class}" id="message-{pk}">\n'
        '    <p class="thread-meta">\n'
        "      <strong>{name}</strong>{vendor}\n"
        '      · <time datetime="{iso}">{date}</time>\n'
        "      {kind_badge}\n"
        "    </p>\n"
        '    <div class="thread-body">{body}</div>{files}\n'
        "  </li>",
        kind=message.kind,
        vendor_class=" from-vendor" if from_vendor else "",
        pk=message.pk,
        name=author.full_name,
        vendor=format_html(" ({})", vendor_name) if from_vendor else "",
        iso=created.isoformat(),
        date=created.strftime("%d/%m/%Y à %H:%M"),
        kind_badge=kind_badge,
        body=_body(message.body),
        files=files,
    )


def _body(text):
    """A message's text, escaped, its paragraphs kept; its web addresses made links (a reply may
    point to an article of the knowledge base). Only a text holding an address pays for urlize."""
    if "://" in text:
        return mark_safe(linebreaks(urlize(text, nofollow=True, autoescape=True)))  # noqa: S308 (urlize escapes)
    return mark_safe(linebreaks(text, autoescape=True))  # noqa: S308 (autoescape: the text is escaped)


@register.simple_tag(takes_context=True)
def ticket_thread(context, ticket, thread):
    """The thread of a DI, oldest first; ``thread`` holds only what the viewer may see
    (support.access.visible_messages)."""
    prefix = reverse("support:attachment", args=[ticket.number, _NO_UUID]).removesuffix(f"{_NO_UUID}/")
    vendor_name = context.get("vendor_name", "")
    items = [_thread_item(message, prefix, vendor_name) for message in thread]
    if not items:
        items = [format_html('  <li class="thread-empty">{}</li>', _("Aucun message pour le moment."))]
    return format_html('<ol class="thread">\n{}\n</ol>', mark_safe("\n".join(items)))  # noqa: S308 (each item escaped)
