"""« Collaborateurs » (SPEC M4): the establishment's accounts, their sheets, and the
administrator's actions (profile, « Désactiver » / « Activer », « Réaffecter »); « Etablissement »
(SPEC M5): the sheet of the establishment, its contracts and its collaborators.

Views stay thin: reads go through ``collaborators.selectors`` (built on ``accounts.access`` and
``support.access``), writes through ``collaborators.services``. Any client profile may read; only
an « Administrateur » of the establishment may act (checked here before reading the form, and again
by each service).
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import collaborators_for, get_collaborator_for_user
from core import sorting
from core.actions import perform_action
from core.guards import ESTABLISHMENT_ADMINS_ONLY, client_required
from establishments.access import contracts_for

from . import selectors, services
from .forms import ReassignForm, RoleForm

ESTABLISHMENT_COLLABORATORS_SHOWN = 50
COLUMNS = (
    ("nom", gettext_lazy("Nom")),
    ("email", gettext_lazy("Adresse mail")),
    ("profil", gettext_lazy("Profil")),
    ("actif", gettext_lazy("Actif")),
    ("dis", gettext_lazy("DIs ouvertes")),
)


@client_required
@require_GET
def collaborator_list(request):
    search = request.GET.get("q", "").strip()[:200]
    sort = sorting.sort_param(request.GET.get("tri"), selectors.SORTS, selectors.DEFAULT_SORT)
    return render(
        request,
        "collaborators/list.html",
        {
            "page": selectors.collaborator_page(request.user, request.GET.get("page"), search=search, sort=sort),
            "columns": sorting.columns(COLUMNS, sort),
            "search": search,
            "sort": sort,
            "unassigned_count": selectors.open_tickets(request.user, None).count(),
            "is_admin": request.user.is_establishment_admin,
        },
    )


def _checked(form):
    """The DI numbers ticked before a rejected submission: they stay ticked."""
    return set(form["tickets"].value() or ()) if form is not None and form.is_bound else set()


def _render_sheet(request, collaborator, *, status=200, **bound_forms):
    user = request.user
    open_tickets = selectors.open_tickets(user, collaborator)
    context = {
        "collaborator": collaborator,
        "page": selectors.ticket_page(user, collaborator, request.GET.get("page")),
        "open_count": open_tickets.count(),
        "is_admin": user.is_establishment_admin,
        "is_self": collaborator.pk == user.pk,
        "action_error": bound_forms.pop("action_error", None),
    }
    if context["is_admin"]:
        context["role_form"] = bound_forms.get("role_form") or RoleForm(initial={"role": collaborator.role})
        if context["open_count"] or "reassign_form" in bound_forms:
            context["reassign_form"] = bound_forms.get("reassign_form") or ReassignForm(
                open_tickets=open_tickets,
                candidates=selectors.reassignment_candidates(request.user, exclude=collaborator),
            )
    context["checked"] = _checked(context.get("reassign_form"))
    return render(request, "collaborators/detail.html", context, status=status)


@client_required
@require_GET
def collaborator_detail(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)
    return _render_sheet(request, collaborator)


def _check_admin(user):
    """Checked after the scoped read: another establishment's colleague is a 404 first."""
    if not user.is_establishment_admin:
        raise PermissionDenied(ESTABLISHMENT_ADMINS_ONLY)


def _act(request, collaborator, perform, *, form=None, form_name=None, error_field=None):
    """One administrator's action on a colleague's sheet (``core.actions.perform_action``): a
    service refusal (not their establishment's administrator…) is the refusal page; a rule of
    M4.2/M4.4 (oneself, the last administrator…) shows the sheet again with the reason, as a 409
    (the request conflicts with the establishment's current state)."""

    def sheet_again(form, service_error):
        if form is None:
            return _render_sheet(request, collaborator, status=409, action_error=" ".join(service_error.messages))
        return _render_sheet(request, collaborator, status=409 if service_error else 200, **{form_name: form})

    return perform_action(
        request,
        check=lambda: _check_admin(request.user),
        perform=perform,
        form=form,
        error_field=error_field,
        on_invalid=sheet_again,
        success_url=reverse("collaborators:detail", kwargs={"pk": collaborator.pk}),
        refusal_back_url=reverse("collaborators:list"),
        refusal_back_label=_("Revenir aux collaborateurs"),
    )


@client_required
@require_POST
def collaborator_deactivate(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)

    def perform(data):
        released = selectors.open_tickets(request.user, collaborator).count()
        services.user_deactivate(collaborator, acting_user=request.user, request=request)
        text = _("Le compte de %(name)s est désactivé : il ne peut plus se connecter.") % {
            "name": collaborator.full_name
        }
        if released:
            text += " " + ngettext(
                "%(count)s DI est détenue par « Demande A Reaffecter ».",
                "%(count)s DIs sont détenues par « Demande A Reaffecter ».",
                released,
            ) % {"count": released}
        return text

    return _act(request, collaborator, perform)


@client_required
@require_POST
def collaborator_activate(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)

    def perform(data):
        services.user_activate(collaborator, acting_user=request.user, request=request)
        return _(
            "Le compte de %(name)s est réactivé : il peut de nouveau se connecter. Ses anciennes DIs restent où elles sont."
        ) % {"name": collaborator.full_name}

    return _act(request, collaborator, perform)


@client_required
@require_POST
def collaborator_change_role(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)

    def perform(data):
        changed = services.user_change_role(collaborator, acting_user=request.user, role=data["role"], request=request)
        return _("%(name)s a désormais le profil « %(role)s ».") % {
            "name": changed.full_name,
            "role": changed.get_role_display(),
        }

    return _act(request, collaborator, perform, form=RoleForm(request.POST), form_name="role_form", error_field="role")


def _reassign(request, form, *, success_url, on_invalid):
    """« Réaffecter » the DIs chosen in a bound ReassignForm."""

    def perform(data):
        new_owner = data["new_owner"]
        moved = services.tickets_reassign_many(
            form.chosen_tickets(), acting_user=request.user, new_owner=new_owner, request=request
        )
        return ngettext(
            "%(count)s DI a été réaffectée à %(name)s, qui en est informé(e) par mail.",
            "%(count)s DIs ont été réaffectées à %(name)s, qui en est informé(e) par mail.",
            len(moved),
        ) % {"count": len(moved), "name": new_owner.full_name}

    return perform_action(
        request,
        check=lambda: _check_admin(request.user),
        perform=perform,
        form=form,
        error_field="new_owner",
        on_invalid=on_invalid,
        success_url=success_url,
        refusal_back_url=reverse("collaborators:list"),
        refusal_back_label=_("Revenir aux collaborateurs"),
    )


@client_required
@require_POST
def collaborator_reassign(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)
    open_tickets = selectors.open_tickets(request.user, collaborator)
    form = ReassignForm(
        request.POST,
        open_tickets=open_tickets,
        candidates=selectors.reassignment_candidates(request.user, exclude=collaborator),
    )
    return _reassign(
        request,
        form,
        success_url=reverse("collaborators:detail", kwargs={"pk": collaborator.pk}),
        on_invalid=lambda form, error: _render_sheet(request, collaborator, reassign_form=form),
    )


# --- « Demande A Reaffecter »: the placeholder owner of the DIs whose owner is gone -----------


def _render_unassigned(request, **bound_forms):
    open_tickets = selectors.open_tickets(request.user, None)
    context = {
        "page": selectors.ticket_page(request.user, None, request.GET.get("page")),
        "open_count": open_tickets.count(),
        "is_admin": request.user.is_establishment_admin,
    }
    if context["is_admin"] and (context["open_count"] or "reassign_form" in bound_forms):
        context["reassign_form"] = bound_forms.get("reassign_form") or ReassignForm(
            open_tickets=open_tickets, candidates=selectors.reassignment_candidates(request.user)
        )
    context["checked"] = _checked(context.get("reassign_form"))
    return render(request, "collaborators/unassigned.html", context)


@client_required
@require_GET
def unassigned_detail(request):
    return _render_unassigned(request)


@client_required
@require_POST
def unassigned_reassign(request):
    open_tickets = selectors.open_tickets(request.user, None)
    form = ReassignForm(
        request.POST, open_tickets=open_tickets, candidates=selectors.reassignment_candidates(request.user)
    )
    return _reassign(
        request,
        form,
        success_url=reverse("collaborators:unassigned"),
        on_invalid=lambda form, error: _render_unassigned(request, reassign_form=form),
    )


# --- « Etablissement » (SPEC M5): the sheet of the user's own establishment --------------------


@client_required
@require_GET
def establishment_detail(request):
    contracts = contracts_for(request.user).order_by("product__name", "-start_date")
    collaborators = collaborators_for(request.user).order_by("last_name", "first_name")
    return render(
        request,
        "collaborators/establishment.html",
        {
            "establishment": request.user.establishment,
            "contracts": contracts,
            "collaborators": collaborators[:ESTABLISHMENT_COLLABORATORS_SHOWN],
            "collaborator_count": collaborators.count(),
        },
    )
