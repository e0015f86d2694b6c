"""The rows of the two DI lists (client list, support desk) and a DI's thread, rendered in Python.

A row through the template engine cost about 0.5 ms (two dates in two formats, a URL, a badge,
three names: some twenty nodes); 25 of them were half of a list page's time, and the lists are the
portal's busiest pages (docs/performance.md). The markup is the one the templates produced, every
value escaped by ``format_html``.
"""

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from support.models import Status

from .desk import age_in_days

register = template.Library()

BADGE_EXTRA = {Status.CLOSURE_PENDING: " warn", Status.CLOSED: " ok", Status.CANCELLED: " off"}


def _detail_prefix(name):
    """The DI URL without its number: one reverse() per page instead of one per row."""
    marker = "DI-0000-000000"
    return reverse(name, args=[marker]).split(marker)[0]


def _time(moment, fmt):
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime(fmt))


def _owner(ticket):
    if ticket.owner_id is None:
        return format_html("<em>{}</em>", _("Demande A Reaffecter"))
    return ticket.owner.full_name


@register.simple_tag(takes_context=True)
def client_ticket_row(context, ticket):
    prefix = context.get("_client_row_prefix")
    if prefix is None:
        prefix = context["_client_row_prefix"] = _detail_prefix("support:detail")
    url = f"{prefix}{ticket.number}/"
    awaiting = ""
    if ticket.awaiting_owner:
        user = context["user"]
        text = (
            _("En attente de votre réponse")
            if ticket.owner_id == user.pk
            else _("En attente de la réponse de son propriétaire")
        )
        awaiting = format_html(
            ' <span class="awaiting-marker" title="{}"><span aria-hidden="true">!</span>'
            '<span class="visually-hidden">{}</span></span>',
            text,
            text,
        )
    return format_html(
        '<tr data-href="{url}"{row_class}>\n'
        '      <th scope="row"><a href="{url}">{number}</a>{awaiting}</th>\n'
        "      <td>{created}</td>\n"
        "      <td>{subject}</td>\n"
        '      <td>{product} <span class="meta">{reference}</span></td>\n'
        '      <td><span class="badge status-{status}{badge_extra}">{status_label}</span></td>\n'
        "      <td>{owner}</td>\n"
        "      <td>{assignee}</td>\n"
        "      <td>{activity}</td>\n"
        "    </tr>",
        url=url,
        row_class=mark_safe(' class="awaiting"') if ticket.awaiting_owner else "",
        number=ticket.number,
        awaiting=awaiting,
        created=_time(ticket.created_at, "%d/%m/%Y"),
        subject=ticket.subject,
        product=ticket.contract.product.name,
        reference=ticket.contract.reference,
        status=ticket.status,
        badge_extra=BADGE_EXTRA.get(ticket.status, ""),
        status_label=ticket.get_status_display(),
        owner=_owner(ticket),
        assignee=(ticket.assignee.full_name if ticket.assignee_id else "") or "—",
        activity=_time(ticket.last_activity_at, "%d/%m/%Y %H:%M"),
    )


@register.simple_tag(takes_context=True)
def desk_ticket_row(context, ticket):
    prefix = context.get("_desk_row_prefix")
    if prefix is None:
        prefix = context["_desk_row_prefix"] = _detail_prefix("desk:detail")
    url = f"{prefix}{ticket.number}/"
    created = timezone.localtime(ticket.created_at)
    return format_html(
        '<tr data-href="{url}"{row_class}>\n'
        '      <th scope="row"><a href="{url}">{number}</a></th>\n'
        "      <td>{establishment}</td>\n"
        "      <td>{subject}</td>\n"
        '      <td>{product} <span class="meta">{reference}</span></td>\n'
        "      <td>\n"
        '        <span class="badge status-{status}">{status_label}</span>\n'
        "        {awaiting}\n"
        "      </td>\n"
        "      <td>{owner}</td>\n"
        "      <td>{assignee}</td>\n"
        '      <td><time datetime="{created_iso}" title="{created_title}">{age}</time></td>\n'
        "      <td>{activity}</td>\n"
        "    </tr>",
        url=url,
        row_class=mark_safe(' class="desk-awaiting"') if ticket.awaiting_owner else "",
        number=ticket.number,
        establishment=ticket.establishment.name,
        subject=ticket.subject,
        product=ticket.contract.product.name,
        reference=ticket.contract.reference,
        status=ticket.status,
        status_label=ticket.get_status_display(),
        awaiting=format_html('<span class="badge warn">{}</span>', _("En attente du demandeur"))
        if ticket.awaiting_owner
        else "",
        owner=_owner(ticket),
        assignee=ticket.assignee.full_name
        if ticket.assignee_id
        else format_html('<span class="meta">{}</span>', _("Non attribuée")),
        created_iso=created.isoformat(),
        created_title=_("Déposée le %(date)s") % {"date": created.strftime("%d/%m/%Y %H:%M")},
        age=age_in_days(ticket.created_at),
        activity=_time(ticket.last_activity_at, "%d/%m/%Y %H:%M"),
    )


# --- The thread of a DI ----------------------------------------------------------------------------
# A 30-message thread through the template engine cost ~6.5 ms of the DI page (dates, a URL per
# attachment, linebreaks): rendered here with the same markup.

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
        body=mark_safe(linebreaks(message.body, autoescape=True)),  # noqa: S308 (autoescape: the text is escaped)
        files=files,
    )


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
