"""The vendor's support desk (SPEC M8.1): every establishment's DIs, by team, status and age.

Reads go through ``support.access`` and ``support.selectors``; each action is one POST view that
calls one service of ``support.services`` and redirects to the DI. The workflow table decides
which forms are shown and which POSTs are refused (403).
"""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.actions import perform_action
from core.guards import vendor_staff_required
from establishments.access import get_establishment_for_user

from . import exports, selectors, services, workflow
from .access import get_ticket_for_user, thread_for
from .desk_forms import (
    AssigneeForm,
    InternalNoteForm,
    MergeForm,
    ProposeClosureForm,
    ReplyForm,
    RerouteForm,
    SatisfactionFilterForm,
    desk_filters,
)
from .forms import OnBehalfForm
from .models import Status

PAGE_SIZE = 25
COMMENTS_PAGE_SIZE = 20

# action name (support.workflow) -> (form class, prefix)
ACTION_FORMS = {
    "reply": (ReplyForm, "reponse"),
    "internal_note": (InternalNoteForm, "note"),
    "propose_closure": (ProposeClosureForm, "cloture"),
    "change_assignee": (AssigneeForm, "support"),
    "reroute": (RerouteForm, "reorienter"),
    "merge": (MergeForm, "fusion"),
}


# --- List ------------------------------------------------------------------------------------


def _desk_tickets(request, filters):
    return selectors.desk_tickets(
        request.user,
        team=filters["equipe"],
        etablissement=filters["etablissement"],
        support=filters["support"],
        older_than_days=int(filters["age"]) if filters["age"] else None,
        q=filters["q"],
        suivi=filters["suivi"],
    )


@require_GET
@vendor_staff_required
def desk_list(request):
    filters, filter_fields = desk_filters(request.GET, user=request.user)
    tickets = _desk_tickets(request, filters)
    counts = selectors.desk_status_counts(request.user, filters["equipe"])
    listed = selectors.for_desk_list(
        selectors.filter_status(tickets, filters["statut"], q=filters["q"]), filters["tri"]
    )
    only_team_and_status = not (
        filters["q"] or filters["etablissement"] or filters["support"] or filters["age"] or filters["suivi"]
    )
    if filters["q"]:
        paginator = selectors.SearchPaginator(listed, PAGE_SIZE)
    elif only_team_and_status:
        # Only the team and the status: the total is the sum of the counters shown above it.
        total = selectors.total_of_counts(counts, selectors.statuses_of(filters["statut"]))
        paginator = selectors.BoundedPaginator(listed, PAGE_SIZE, count=total)
    else:
        paginator = selectors.BoundedPaginator(listed, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    if only_team_and_status and page.number == 1 and paginator.count:
        page.object_list = selectors.desk_first_page(
            request.user, team=filters["equipe"], status=filters["statut"], sort=filters["tri"], size=PAGE_SIZE
        )
    page.object_list = selectors.attach_row_relations(list(page.object_list), with_establishment=True)
    return render(
        request,
        "support/desk/list.html",
        {
            "filter_fields": filter_fields,
            "filters": filters,
            "page": page,
            "counters": [(status, status.label, counts[status]) for status in Status],
            "finished_matches": selectors.desk_finished_matches(tickets, filters["statut"], filters["q"]),
        },
    )


@require_GET
@vendor_staff_required
def desk_export(request, fmt):
    """« Exporter » (M15.5): the desk's list with its current filters, every page of it, streamed."""
    filters, _fields = desk_filters(request.GET, user=request.user)
    tickets = selectors.filter_status(_desk_tickets(request, filters), filters["statut"], q=filters["q"])
    return exports.export_response(tickets.order_by(*selectors.SORTS[filters["tri"]]), fmt, name="guichet")


# --- Detail and actions ----------------------------------------------------------------------


def _action_form(action, ticket, user, data=None, files=None, initial=None):
    form_class, prefix = ACTION_FORMS[action]
    return form_class(data, files, prefix=prefix, ticket=ticket, user=user, initial=initial)


def _fill_in(text, ticket, user):
    """A « Réponse type » for this DI: [demandeur], [numéro] and [support] replaced."""
    owner = ticket.owner.full_name if ticket.owner else ""
    return text.replace("[demandeur]", owner).replace("[numéro]", ticket.number).replace("[support]", user.full_name)


def _render_detail(request, ticket, *, bound=None):
    """The DI with the forms its workflow allows this user and the customer's context (M11.3);
    ``bound`` holds a rejected form. ``?reponse_type=<id>`` starts the reply with that « Réponse
    type » (the same as the page's script inserts, for browsers without it)."""
    user = request.user
    actions = workflow.allowed_actions(user, ticket)
    bound = bound or {}
    canned = []
    if "reply" in actions:
        canned = [(reply, _fill_in(reply.body, ticket, user)) for reply in selectors.canned_replies(ticket.team)]
    initial = {}
    chosen = request.GET.get("reponse_type", "")
    for reply, text in canned:
        if str(reply.pk) == chosen:
            initial["reply"] = {"body": text}
    action_forms = {
        action: bound[action] if action in bound else _action_form(action, ticket, user, initial=initial.get(action))
        for action in ACTION_FORMS
        if action in actions
    }
    return render(
        request,
        "support/desk/detail.html",
        {
            "ticket": ticket,
            "actions": actions,
            "action_forms": action_forms,
            "canned_replies": canned,
            "chosen_reply": chosen,
            "context": selectors.customer_context(user, ticket),
            "survey": selectors.survey_of(ticket) if ticket.status == Status.CLOSED else None,
            "thread": (thread := thread_for(user, ticket)),
            "initial_attachments": thread.initial_files,
            "events": selectors.ticket_history(ticket),
        },
    )


@require_GET
@vendor_staff_required
def desk_detail(request, number):
    ticket = get_ticket_for_user(request.user, number, contract=False)
    return _render_detail(request, selectors.with_service_level(selectors.with_establishment_contracts(ticket)))


def _act(request, number, action, perform, *, error_field=None):
    """Run one action on a DI (``core.actions.perform_action``): the workflow table decides, the
    action's form is read, ``perform(ticket, cleaned_data)`` calls the service and returns the
    success message; the DI's page again with the rejected form otherwise."""
    ticket = get_ticket_for_user(request.user, number)
    form = _action_form(action, ticket, request.user, request.POST, request.FILES) if action in ACTION_FORMS else None
    return perform_action(
        request,
        check=lambda: workflow.ensure(action, request.user, ticket),
        form=form,
        perform=lambda data: perform(ticket, data),
        on_invalid=lambda form, error: _render_detail(request, ticket, bound={action: form}),
        success_url=reverse("desk:detail", args=[ticket.number]),
        error_field=error_field,
        refusal_back_url=reverse("desk:detail", args=[ticket.number]),
        refusal_back_label=_("Revenir à la %(number)s") % {"number": ticket.number},
    )


@require_POST
@vendor_staff_required
def desk_take(request, number):
    def perform(ticket, data):
        services.ticket_take(ticket, acting_user=request.user)
        return _("Vous avez pris la DI en charge.")

    return _act(request, number, "take", perform)


@require_POST
@vendor_staff_required
def desk_reply(request, number):
    def perform(ticket, data):
        services.ticket_reply(
            ticket, acting_user=request.user, body=data["body"], question=data["question"], files=data["files"]
        )
        if data["question"]:
            return _("Votre question a été envoyée au demandeur.")
        return _("Votre réponse a été envoyée au demandeur.")

    return _act(request, number, "reply", perform, error_field="files")


@require_POST
@vendor_staff_required
def desk_internal_note(request, number):
    def perform(ticket, data):
        services.ticket_add_internal_note(ticket, acting_user=request.user, body=data["body"], files=data["files"])
        return _("La note interne a été enregistrée.")

    return _act(request, number, "internal_note", perform, error_field="files")


@require_POST
@vendor_staff_required
def desk_propose_closure(request, number):
    def perform(ticket, data):
        services.ticket_propose_closure(ticket, acting_user=request.user, body=data["body"])
        return _("La clôture a été proposée au demandeur.")

    return _act(request, number, "propose_closure", perform, error_field="body")


@require_POST
@vendor_staff_required
def desk_change_assignee(request, number):
    def perform(ticket, data):
        services.ticket_change_assignee(ticket, acting_user=request.user, new_assignee=data["assignee"])
        return _("La personne en charge est maintenant %(name)s.") % {"name": data["assignee"].full_name}

    return _act(request, number, "change_assignee", perform, error_field="assignee")


@require_POST
@vendor_staff_required
def desk_reroute(request, number):
    def perform(ticket, data):
        team = RerouteForm.chosen_team(data)
        rerouted = services.ticket_reroute(ticket, acting_user=request.user, contract=data["contract"], team=team)
        return _("La DI est réorientée : %(team)s, contrat %(contract)s.") % {
            "team": rerouted.get_team_display(),
            "contract": data["contract"].reference,
        }

    return _act(request, number, "reroute", perform, error_field="contract")


@require_POST
@vendor_staff_required
def desk_merge(request, number):
    def perform(ticket, data):
        target = services.ticket_merge(ticket, acting_user=request.user, target=data["target"])
        message = _("La %(duplicate)s est fusionnée dans la %(number)s ; les deux propriétaires sont prévenus.") % {
            "duplicate": ticket.number,
            "number": target.number,
        }
        return message, reverse("desk:detail", args=[target.number])

    return _act(request, number, "merge", perform, error_field="target")


# --- Filing a DI for a client who phoned (M11.4) -------------------------------------------


@require_http_methods(["GET", "POST"])
@vendor_staff_required
def desk_file_on_behalf(request, establishment_pk):
    """The form « Déposer une DI pour un client » of one establishment (chosen from its sheet)."""
    establishment = get_establishment_for_user(request.user, establishment_pk)
    bound = request.method == "POST"
    form = OnBehalfForm(
        request.POST if bound else None,
        request.FILES if bound else None,
        user=request.user,
        establishment=establishment,
    )

    def render_form(form, service_error=None):
        return render(request, "support/desk/file_on_behalf.html", {"form": form, "establishment": establishment})

    if not bound:
        return render_form(form)

    def perform(data):
        ticket = services.ticket_create_on_behalf(
            acting_user=request.user,
            owner=data["owner"],
            contract=data["contract"],
            subject=data["subject"],
            description=data["description"],
            module=data["module"],
            version=data["version"],
            environment=data["environment"],
            files=data["files"],
        )
        message = _("La %(number)s est enregistrée pour %(name)s, qui en reçoit l'accusé de réception.") % {
            "number": ticket.number,
            "name": ticket.owner.full_name,
        }
        return message, reverse("desk:detail", args=[ticket.number])

    return perform_action(request, form=form, perform=perform, on_invalid=render_form, error_field="files")


# --- Satisfaction ----------------------------------------------------------------------------


@require_GET
@vendor_staff_required
def desk_satisfaction(request):
    form = SatisfactionFilterForm(request.GET if ("du" in request.GET or "au" in request.GET) else None)
    period = {"since": None, "until": None}
    if form.is_bound and form.is_valid():
        period = {"since": form.cleaned_data["du"], "until": form.cleaned_data["au"]}
    questions = selectors.satisfaction_questions()
    comments = Paginator(selectors.satisfaction_comments(**period), COMMENTS_PAGE_SIZE)
    return render(
        request,
        "support/desk/satisfaction.html",
        {
            "form": form,
            "questions": questions,
            "overall": selectors.satisfaction_summary(questions, **period),
            "by_team": selectors.satisfaction_summary(questions, by=selectors.BY_TEAM, **period),
            "by_product": selectors.satisfaction_summary(questions, by=selectors.BY_PRODUCT, **period),
            "comments": comments.get_page(request.GET.get("page")),
        },
    )
