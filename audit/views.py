"""« Journal de sécurité »: an establishment's administrator reads the security events of their
establishment (logins, password resets, profile changes, activations, reassignments, downloads,
refusals). The vendor's administrator searches the whole log in the back office."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.refusals import refuse

from .access import events_for, may_read_journal
from .actions import label
from .forms import JournalFilterForm

PAGE_SIZE = 50
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _role(value):
    """A profile's label (the user model's own choices: audit sits below the accounts app)."""
    labels = dict(get_user_model()._meta.get_field("role").flatchoices)
    return labels.get(value, value or "—")


def _numbers(values):
    return ", ".join(str(v) for v in values or [])


def describe(event):
    """What the event changed, in words, from its details (a whitelist: nothing else is shown)."""
    data = event.data or {}
    action = event.action
    if action == "role_changed":
        return f"{_role(data.get('old'))} → {_role(data.get('new'))}"
    if action in ("email_changed", "email_changed_in_back_office"):
        return _("ancienne adresse : %(old)s") % {"old": data.get("old", "")}
    if action in ("email_change_requested", "email_change_cancelled"):
        return _("nouvelle adresse : %(new)s") % {"new": data.get("new", "")}
    if action == "user_deactivated" and data.get("released"):
        return _("DIs passées à « Demande A Reaffecter » : %(numbers)s") % {"numbers": _numbers(data["released"])}
    if action == "tickets_reassigned":
        return _("DIs : %(numbers)s") % {"numbers": _numbers(data.get("tickets"))}
    if action == "ticket_reassigned":
        return _("de %(old)s à %(new)s") % {
            "old": data.get("previous_owner") or _("Demande A Reaffecter"),
            "new": data.get("new_owner", ""),
        }
    if action == "download":
        text = data.get("product", "")
        if data.get("range"):
            text += " · " + _("octets %(range)s") % {"range": data["range"]}
        return text
    if action == "access_refused":
        # The page's pattern, not its path: the log never repeats an identifier someone tried.
        page = ROUTE_PARAMETER.sub(r"‹\1›", data.get("route", ""))
        return _("page %(page)s — réponse %(status)s") % {"page": page, "status": data.get("status", "")}
    if action in ("account_request_approved", "account_created_by_training"):
        return _role(data.get("role")) if data.get("role") else ""
    if action == "user_changed_in_back_office":
        return _("champs : %(fields)s") % {"fields": ", ".join(data.get("fields", []))}
    return ""


@dataclass
class Row:
    event: object
    label: str
    actor: str
    target: str
    details: str
    ip_address: str


def _row(event):
    actor = event.actor
    vendor_actor = actor is not None and actor.is_vendor
    who = event.actor_email or _("Non connecté")
    if vendor_actor:
        who += " " + _("(éditeur)")
    target = "" if event.action == "access_refused" else event.target
    # The vendor's staff addresses are not the establishment's business.
    ip_address = "" if vendor_actor else (event.ip_address or "")
    return Row(event, label(event.action), who, target, describe(event), ip_address)


def _filter(events, form):
    if not form.is_valid():
        return events
    action, start, end = (form.cleaned_data.get(name) for name in ("evenement", "du", "au"))
    if action:
        events = events.filter(action=action)
    zone = timezone.get_current_timezone()
    if start:
        events = events.filter(created_at__gte=timezone.make_aware(datetime.combine(start, time.min), zone))
    if end:
        next_day = datetime.combine(end + timedelta(days=1), time.min)
        events = events.filter(created_at__lt=timezone.make_aware(next_day, zone))
    return events


@login_required
@require_GET
def journal(request):
    user = request.user
    if user.is_vendor_admin:
        return redirect("admin:audit_event_changelist")
    if not may_read_journal(user):
        return refuse(request, _("Le journal de sécurité est réservé aux administrateurs de l'établissement."))
    form = JournalFilterForm(request.GET)
    events = _filter(events_for(user).select_related("actor"), form).order_by("-created_at", "-pk")
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = form.is_valid() and any(form.cleaned_data.values())
    return render(
        request,
        "audit/journal.html",
        {"form": form, "page": page, "rows": [_row(event) for event in page], "filtered": filtered},
    )
