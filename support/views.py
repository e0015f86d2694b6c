"""The client side of the DIs (SPEC M2.5, M3): file, list, detail and the owner's actions.

Views stay thin: reads go through ``support.access``, writes through ``support.services``;
which forms a page shows is decided by ``support.workflow``.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from audit.services import record
from core.pagination import CountedPaginator, SinglePassPaginator
from core.serving import PrivateFile, serve

from . import services, workflow
from .access import get_attachment_for_user, get_ticket_for_user, status_counts_for, tickets_for, visible_messages
from .forms import CancelForm, MessageForm, ReassignForm, RefuseClosureForm, SurveyForm, TicketCreateForm
from .models import OPEN_STATUSES, Attachment, Status, SurveyQuestion
from .rows import attach_row_relations, only_row_columns
from .search import filter_tickets
from .services import TransitionRefused

PAGE_SIZE = 25

# ?tri=<key> or ?tri=-<key>: the list's sortable columns (a whitelist).
SORTS = {
    "numero": ("number",),
    "date": ("created_at",),
    "objet": ("subject",),
    "statut": ("status_rank",),
    "activite": ("last_activity_at",),
}
DEFAULT_SORT = "-activite"
STATUS_RANK = Case(
    *(When(status=status, then=Value(rank)) for rank, status in enumerate(Status.values)),
    output_field=IntegerField(),
)


def _refused(request, message, number=None):
    return render(request, "support/refused.html", {"reason": message, "number": number}, status=403)


def client_required(view):
    """Signed-in users of an establishment only: the vendor's staff work from the desk."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_client:
            return _refused(request, _("Cette page est réservée aux comptes des établissements clients."))
        return view(request, *args, **kwargs)

    return wrapper


def refuses_transitions(view):
    """A workflow refusal is a clear 403 page naming what was refused, never a 500."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except TransitionRefused as refusal:
            return _refused(request, str(refusal), kwargs.get("number"))

    return wrapper


_require = workflow.ensure


def _add_service_errors(form, error, field):
    """Put a service's ValidationError next to its field (a dict names its fields)."""
    if hasattr(error, "error_dict"):
        form.add_error(None, error)
    else:
        form.add_error(field, error)


# --- Filing ------------------------------------------------------------------------------


@client_required
def ticket_create(request):
    bound = request.method == "POST"
    form = TicketCreateForm(request.POST if bound else None, request.FILES if bound else None, user=request.user)
    if bound and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = services.ticket_create(
                acting_user=request.user,
                contract=data["contract"],
                subject=data["subject"],
                description=data["description"],
                module=data["module"],
                version=data["version"],
                environment=data["environment"],
                files=data["files"],
            )
        except ValidationError as error:
            _add_service_errors(form, error, "files")
        else:
            messages.success(request, _("Votre DI %(number)s a été enregistrée.") % {"number": ticket.number})
            return redirect("support:detail", number=ticket.number)
    form.files_dropped = form.is_bound and bool(request.FILES)
    return render(request, "support/ticket_create.html", {"form": form})


# --- List and dashboard ------------------------------------------------------------------


def _sort_param(raw):
    """« numero » or « -numero »; anything outside the whitelist falls back to the default."""
    raw = raw or ""
    key = raw.removeprefix("-")
    return raw if key in SORTS else DEFAULT_SORT


@client_required
@require_GET
def ticket_list(request):
    status = request.GET.get("statut", "")
    if status not in Status.values:
        status = ""
    show_closed = request.GET.get("clotures") == "1"
    search = request.GET.get("q", "").strip()
    sort = _sort_param(request.GET.get("tri"))

    tickets = only_row_columns(tickets_for(request.user))
    if status:
        tickets = tickets.filter(status=status)
    elif not show_closed:
        # « Open » as a list of statuses, not « not final »: three index ranges to count.
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    if search:
        tickets = filter_tickets(tickets, search)
    descending = sort.startswith("-")
    fields = SORTS[sort.removeprefix("-")]
    if fields == SORTS["statut"]:
        tickets = tickets.annotate(status_rank=STATUS_RANK)
    tickets = tickets.order_by(*(f"-{f}" if descending else f for f in fields), "-pk" if descending else "pk")
    if search:
        paginator = SinglePassPaginator(tickets, PAGE_SIZE)
    else:  # the total from the establishment's counters: no count of up to 20,000 entries
        counts = status_counts_for(request.user)
        listed = [status] if status else (Status.values if show_closed else OPEN_STATUSES)
        paginator = CountedPaginator(tickets, PAGE_SIZE, count=sum(counts.get(s, 0) for s in listed))
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = attach_row_relations(list(page.object_list))

    columns = []
    for key, label in (
        ("numero", _("N°")),
        ("date", _("Date")),
        ("objet", _("Objet")),
        (None, _("Contrat")),
        ("statut", _("Statut")),
        (None, _("Agent")),
        (None, _("Support")),
        ("activite", _("Dernière activité")),
    ):
        current = key is not None and sort.removeprefix("-") == key
        columns.append(
            {
                "label": label,
                "key": key,
                "current": current,
                "descending": current and descending,
                # A click on the current column flips its order; another column starts ascending.
                "next_sort": (key if descending else f"-{key}") if current else key,
            }
        )
    return render(
        request,
        "support/ticket_list.html",
        {
            "page": page,
            "columns": columns,
            "status": status,
            "status_label": Status(status).label if status else "",
            "show_closed": show_closed,
            "search": search,
            "sort": sort,
            "statuses": Status.choices,
        },
    )


def dashboard_counts(user):
    """The establishment's DIs per status, in the workflow's order (one small query)."""
    counts = status_counts_for(user)
    return [{"status": value, "label": label, "count": counts.get(value, 0)} for value, label in Status.choices]


@require_GET
def dashboard(request):
    """The dashboard's tiles alone: the header's « Tableau de bord » link refreshes them with htmx."""
    home = reverse("portal:home") + "#tableau-de-bord"
    if not request.htmx:
        return redirect(home)
    if not request.user.is_authenticated:
        # An expired session: the whole page goes to the login form, not into the tiles.
        return HttpResponseClientRedirect(redirect_to_login(home).url)
    if not request.user.is_client:
        return _refused(request, _("Cette page est réservée aux comptes des établissements clients."))
    response = render(request, "support/includes/dashboard_tiles.html", {"tiles": dashboard_counts(request.user)})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Detail and the owner's actions -------------------------------------------------------


def _render_detail(request, ticket, **bound_forms):
    user = request.user
    actions = workflow.allowed_actions(user, ticket)
    forms = {}
    if "owner_message" in actions:
        forms["message_form"] = bound_forms.get("message_form") or MessageForm()
    if "validate_closure" in actions:
        questions = SurveyQuestion.objects.filter(is_active=True)
        forms["survey_form"] = bound_forms.get("survey_form") or SurveyForm(questions=questions)
    if "refuse_closure" in actions:
        forms["refuse_form"] = bound_forms.get("refuse_form") or RefuseClosureForm()
    if "reassign" in actions:
        forms["reassign_form"] = bound_forms.get("reassign_form") or ReassignForm(ticket=ticket)
    context = {
        "ticket": ticket,
        "thread": visible_messages(user).filter(ticket=ticket),
        "creation_attachments": Attachment.objects.filter(ticket=ticket, message__isnull=True),
        "actions": actions,
        "is_owner": workflow.is_owner(user, ticket),
        **forms,
    }
    return render(request, "support/ticket_detail.html", context)


@login_required
@require_GET
def ticket_detail(request, number):
    ticket = get_ticket_for_user(request.user, number)
    if request.user.is_vendor:
        return redirect("desk:detail", number=ticket.number)
    return _render_detail(request, ticket)


def _done(request, ticket, message):
    messages.success(request, message)
    return redirect("support:detail", number=ticket.number)


@login_required
@require_POST
@refuses_transitions
def ticket_message(request, number):
    ticket = get_ticket_for_user(request.user, number)
    _require("owner_message", request.user, ticket)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.ticket_post_message(
                ticket, acting_user=request.user, body=form.cleaned_data["body"], files=form.cleaned_data["files"]
            )
        except ValidationError as error:
            _add_service_errors(form, error, "files")
        else:
            return _done(request, ticket, _("Votre message a été envoyé au support."))
    form.files_dropped = bool(request.FILES)
    return _render_detail(request, ticket, message_form=form)


@login_required
@require_POST
@refuses_transitions
def ticket_validate_closure(request, number):
    ticket = get_ticket_for_user(request.user, number)
    _require("validate_closure", request.user, ticket)
    form = SurveyForm(request.POST, questions=SurveyQuestion.objects.filter(is_active=True))
    if form.is_valid():
        try:
            services.ticket_validate_closure(
                ticket, acting_user=request.user, ratings=form.ratings(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            _add_service_errors(form, error, None)
        else:
            return _done(
                request,
                ticket,
                _("La clôture de la DI %(number)s est validée. Merci pour vos réponses.") % {"number": ticket.number},
            )
    return _render_detail(request, ticket, survey_form=form)


@login_required
@require_POST
@refuses_transitions
def ticket_refuse_closure(request, number):
    ticket = get_ticket_for_user(request.user, number)
    _require("refuse_closure", request.user, ticket)
    form = RefuseClosureForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_refuse_closure(ticket, acting_user=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            _add_service_errors(form, error, "body")
        else:
            return _done(
                request,
                ticket,
                _("Clôture refusée : la DI %(number)s repasse « En cours ».") % {"number": ticket.number},
            )
    return _render_detail(request, ticket, refuse_form=form)


@login_required
@refuses_transitions
def ticket_cancel(request, number):
    """GET: the confirmation page, with the reason to give; POST: cancel."""
    ticket = get_ticket_for_user(request.user, number)
    _require("cancel", request.user, ticket)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.ticket_cancel(ticket, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            _add_service_errors(form, error, "reason")
        else:
            return _done(request, ticket, _("La DI %(number)s est annulée.") % {"number": ticket.number})
    return render(request, "support/ticket_cancel.html", {"ticket": ticket, "form": form})


@login_required
@require_POST
@refuses_transitions
def ticket_reassign(request, number):
    ticket = get_ticket_for_user(request.user, number)
    _require("reassign", request.user, ticket)
    form = ReassignForm(request.POST, ticket=ticket)
    if form.is_valid():
        new_owner = form.cleaned_data["new_owner"]
        try:
            services.ticket_reassign(ticket, acting_user=request.user, new_owner=new_owner)
        except ValidationError as error:
            _add_service_errors(form, error, "new_owner")
        else:
            return _done(
                request,
                ticket,
                _("La DI %(number)s est réaffectée à %(name)s.")
                % {"number": ticket.number, "name": new_owner.full_name},
            )
    return _render_detail(request, ticket, reassign_form=form)


# --- Attachments --------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request, number, uuid):
    """A file is streamed only through this view, which checks the right at each request."""
    attachment = get_attachment_for_user(request.user, number, uuid)
    return serve(
        request,
        PrivateFile(
            file=attachment.file,
            name=attachment.original_name,
            content_type=attachment.content_type,
            size=attachment.size,
            etag=attachment.sha256,
        ),
        on_served=lambda byte_range: record(
            "attachment_download",
            actor=request.user,
            request=request,
            establishment=attachment.ticket.establishment,
            target=f"{number} · {attachment.original_name}",
        ),
    )
