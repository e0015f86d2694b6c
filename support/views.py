"""The client side of the DIs (SPEC M2.5, M3): file, list, detail and the owner's actions.

Views stay thin: reads go through ``support.access``, writes through ``support.services``;
which forms a page shows is decided by ``support.workflow``.
"""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core import sorting
from core.actions import perform_action
from core.guards import CLIENTS_ONLY, client_required
from core.refusals import refuse

from . import exports, selectors, services, workflow
from .access import get_attachment_for_user, get_ticket_for_user, thread_for
from .attachments import serve_attachment
from .forms import CancelForm, MessageForm, ReassignForm, RefuseClosureForm, SurveyForm, TicketCreateForm
from .models import Status, SurveyQuestion

LIST_COLUMNS = (
    ("numero", _lazy("N°")),
    ("date", _lazy("Date")),
    ("objet", _lazy("Objet")),
    (None, _lazy("Contrat")),
    ("statut", _lazy("Statut")),
    (None, _lazy("Agent")),
    (None, _lazy("Support")),
    (None, _lazy("Échéance")),
    ("activite", _lazy("Dernière activité")),
)


def _refusal_back(ticket_number):
    """Where the refusal page of an action on a DI leads back to."""
    return {
        "refusal_back_url": reverse("support:detail", args=[ticket_number]),
        "refusal_back_label": _("Revenir à la %(number)s") % {"number": ticket_number},
    }


# --- Filing ------------------------------------------------------------------------------


def _follow_up_initial(request):
    """« Créer une DI de suite » (M11.5): ``?suite=<number>`` of a closed DI of the establishment
    prefills the form (its contract when still active, its subject) and links the new DI to it."""
    number = request.GET.get("suite", "").strip()
    if not number:
        return None, {}
    followed = get_ticket_for_user(request.user, number)
    workflow.ensure("follow_up", request.user, followed)
    subject = _("Suite de %(number)s : %(subject)s") % {"number": followed.number, "subject": followed.subject}
    initial = {"follows": followed.number, "subject": subject[:200]}
    if followed.contract.in_force:
        initial["contract"] = followed.contract_id
    return followed, initial


@client_required
def ticket_create(request):
    bound = request.method == "POST"
    followed, initial = (None, {}) if bound else _follow_up_initial(request)
    form = TicketCreateForm(
        request.POST if bound else None, request.FILES if bound else None, user=request.user, initial=initial
    )

    def render_form(form, service_error=None):
        follows = form.cleaned_data.get("follows") if form.is_bound and hasattr(form, "cleaned_data") else followed
        return render(request, "support/ticket_create.html", {"form": form, "followed": follows})

    if not bound:
        return render_form(form)

    def perform(data):
        ticket = services.ticket_create(
            acting_user=request.user,
            contract=data["contract"],
            subject=data["subject"],
            description=data["description"],
            module=data["module"],
            version=data["version"],
            environment=data["environment"],
            files=data["files"],
            follows=data["follows"],
        )
        message = _("Votre %(number)s a été enregistrée.") % {"number": ticket.number}
        return message, reverse("support:detail", args=[ticket.number])

    return perform_action(
        request,
        form=form,
        perform=perform,
        on_invalid=render_form,
        error_field="files",
        refusal_back_url=reverse("support:list"),
        refusal_back_label=_("Revenir aux DIs de mon établissement"),
    )


# --- List and dashboard ------------------------------------------------------------------


def _list_filters(request):
    """The client list's filters from the query string (invalid values: the defaults)."""
    status = request.GET.get("statut", "")
    return {
        "status": status if status in Status.values else "",
        "show_closed": request.GET.get("clotures") == "1",
        "mine": request.GET.get("mes") == "1",
        "search": request.GET.get("q", "").strip()[:200],
        "sort": sorting.sort_param(request.GET.get("tri"), selectors.CLIENT_SORTS, selectors.CLIENT_DEFAULT_SORT),
    }


@client_required
@require_GET
def ticket_list(request):
    filters = _list_filters(request)
    status, show_closed, mine, search, sort = (
        filters[key] for key in ("status", "show_closed", "mine", "search", "sort")
    )
    page = selectors.client_ticket_page(request.user, request.GET.get("page"), **filters)
    return render(
        request,
        "support/ticket_list.html",
        {
            "page": page,
            "columns": sorting.columns(LIST_COLUMNS, sort),
            "status": status,
            "status_label": Status(status).label if status else "",
            "show_closed": show_closed,
            "mine": mine,
            "search": search,
            "sort": sort,
            "statuses": Status.choices,
            "finished_matches": page.finished_matches,
        },
    )


@client_required
@require_GET
def ticket_export(request, fmt):
    """« Exporter » (M15.5): the list as shown, every page of it, streamed."""
    tickets = selectors.client_tickets(request.user, **_list_filters(request))
    return exports.export_response(tickets, fmt, columns=exports.CLIENT_COLUMNS)


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
        return refuse(request, str(CLIENTS_ONLY))
    tiles = selectors.dashboard_counts(request.user)
    response = render(request, "support/includes/dashboard_tiles.html", {"tiles": tiles})
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
    context = {
        "ticket": ticket,
        "links": selectors.ticket_links(user, ticket),
        "survey": selectors.survey_of(ticket) if ticket.status == Status.CLOSED else None,
        "thread": (thread := thread_for(user, ticket)),
        "creation_attachments": thread.initial_files,
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


def _act(request, number, action, perform, *, form=None, form_name=None, error_field=None):
    """One owner's (or administrator's) action on a DI: the workflow table decides, the form is
    read, the one service is called (``core.actions.perform_action``)."""
    ticket = get_ticket_for_user(request.user, number)
    return perform_action(
        request,
        check=lambda: workflow.ensure(action, request.user, ticket),
        form=form(ticket) if callable(form) else form,
        perform=lambda data: perform(ticket, data),
        on_invalid=lambda form, error: _render_detail(request, ticket, **({form_name: form} if form_name else {})),
        success_url=reverse("support:detail", args=[ticket.number]),
        error_field=error_field,
        **_refusal_back(ticket.number),
    )


@login_required
@require_POST
def ticket_message(request, number):
    def perform(ticket, data):
        services.ticket_post_message(ticket, acting_user=request.user, body=data["body"], files=data["files"])
        return _("Votre message a été envoyé au support.")

    form = MessageForm(request.POST, request.FILES)
    return _act(request, number, "owner_message", perform, form=form, form_name="message_form", error_field="files")


@login_required
@require_POST
def ticket_validate_closure(request, number):
    def perform(ticket, data):
        services.ticket_validate_closure(
            ticket, acting_user=request.user, ratings=survey.ratings(), comment=data["comment"]
        )
        return _("La clôture de la %(number)s est validée. Merci pour vos réponses.") % {"number": ticket.number}

    survey = SurveyForm(request.POST, questions=SurveyQuestion.objects.filter(is_active=True))
    return _act(request, number, "validate_closure", perform, form=survey, form_name="survey_form")


@login_required
@require_POST
def ticket_refuse_closure(request, number):
    def perform(ticket, data):
        services.ticket_refuse_closure(ticket, acting_user=request.user, body=data["body"])
        return _("Clôture refusée : la %(number)s repasse « En cours ».") % {"number": ticket.number}

    form = RefuseClosureForm(request.POST)
    return _act(request, number, "refuse_closure", perform, form=form, form_name="refuse_form", error_field="body")


def _action_page(request, number, action, *, template, make_form, perform, error_field, context=None):
    """An action on a DI with a page of its own (« Annuler la DI », « Confier à un collègue »,
    « Réaffecter »): GET shows its form, or says why it is refused; POST acts through
    ``core.actions.perform_action``, and a form with an error comes back on that page with what
    was chosen. ``make_form(ticket, data)``; ``perform(ticket, data)`` returns the message;
    ``context(ticket)``: what else the page shows."""
    ticket = get_ticket_for_user(request.user, number)
    back = _refusal_back(ticket.number)

    def page(form, service_error=None):
        return render(request, template, {"ticket": ticket, "form": form, **(context(ticket) if context else {})})

    if request.method != "POST":
        if not workflow.can(action, request.user, ticket):
            return refuse(
                request,
                workflow.refusal_reason(action, ticket),
                title=_("Action refusée"),
                back_url=back["refusal_back_url"],
                back_label=back["refusal_back_label"],
            )
        return page(make_form(ticket, None))
    return perform_action(
        request,
        check=lambda: workflow.ensure(action, request.user, ticket),
        form=make_form(ticket, request.POST),
        perform=lambda data: perform(ticket, data),
        on_invalid=page,
        success_url=reverse("support:detail", args=[ticket.number]),
        error_field=error_field,
        **back,
    )


@login_required
def ticket_cancel(request, number):
    """GET: the confirmation page, with the reason to give; POST: cancel."""

    def perform(ticket, data):
        services.ticket_cancel(ticket, acting_user=request.user, reason=data["reason"])
        return _("La %(number)s est annulée.") % {"number": ticket.number}

    return _action_page(
        request,
        number,
        "cancel",
        template="support/ticket_cancel.html",
        make_form=lambda ticket, data: CancelForm(data),
        perform=perform,
        error_field="reason",
    )


# « Réaffecter » and « Confier à un collègue » choose among the establishment's colleagues (500 in
# a large hospital): the list is on a page of its own, not on every view of the DI.
NEW_OWNER_PAGES = {
    "reassign": {
        "prefix": "reassign",
        "title": gettext_lazy("Réaffecter la %(number)s"),
        "intro": gettext_lazy(
            "Confiez cette DI à un autre collaborateur actif de l'établissement : il en devient le propriétaire "
            "et reçoit un mail."
        ),
        "button": gettext_lazy("Réaffecter"),
    },
    "hand_over": {
        "prefix": "confier",
        "title": gettext_lazy("Confier la %(number)s à un collègue"),
        "intro": gettext_lazy(
            "Vous partez en congés ou un collègue suit mieux ce sujet ? Confiez-lui cette DI : il en devient le "
            "propriétaire, reçoit un mail, et c'est à lui que le support s'adressera."
        ),
        "button": gettext_lazy("Confier la DI"),
    },
}


def _new_owner_page(request, number, action, perform):
    texts = NEW_OWNER_PAGES[action]
    return _action_page(
        request,
        number,
        action,
        template="support/ticket_new_owner.html",
        make_form=lambda ticket, data: ReassignForm(data, ticket=ticket, prefix=texts["prefix"]),
        perform=perform,
        error_field="new_owner",
        context=lambda ticket: {
            "title": texts["title"] % {"number": ticket.number},
            "intro": texts["intro"],
            "button": texts["button"],
        },
    )


@login_required
def ticket_reassign(request, number):
    """« Réaffecter » (M4.3): an administrator of the establishment gives the DI to a colleague."""

    def perform(ticket, data):
        new_owner = data["new_owner"]
        services.ticket_reassign(ticket, acting_user=request.user, new_owner=new_owner)
        return _("La %(number)s est réaffectée à %(name)s.") % {"number": ticket.number, "name": new_owner.full_name}

    return _new_owner_page(request, number, "reassign", perform)


@login_required
def ticket_hand_over(request, number):
    """« Confier à un collègue » (M11.5): the owner gives their DI to a colleague."""

    def perform(ticket, data):
        new_owner = data["new_owner"]
        services.ticket_hand_over(ticket, acting_user=request.user, new_owner=new_owner)
        return _("La %(number)s est confiée à %(name)s, qui en est informé(e) par mail.") % {
            "number": ticket.number,
            "name": new_owner.full_name,
        }

    return _new_owner_page(request, number, "hand_over", perform)


# --- Attachments --------------------------------------------------------------------------


@login_required
@require_GET
def attachment_download(request, number, uuid):
    """A file is streamed only through this view, which checks the right at each request."""
    return serve_attachment(request, get_attachment_for_user(request.user, number, uuid))
