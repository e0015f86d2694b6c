"""« Collaborateurs » (SPEC M4): the establishment's accounts, their sheets, and the
administrator's actions (profile, « Désactiver » / « Activer », « Réaffecter »); « Etablissement »
(SPEC M5): the sheet of the establishment, its contracts and its collaborators.

Views stay thin: reads go through ``accounts.access`` and ``support.access``, writes through
``accounts.services``. Any client profile may read; only an « Administrateur » of the
establishment may act (checked here before reading the form, and again by each service).
"""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import collaborators_for, get_collaborator_for_user
from accounts.models import CLIENT_ROLES
from core import sorting
from core.actions import perform_action
from core.guards import ESTABLISHMENT_ADMINS_ONLY, client_required
from establishments.access import contracts_for
from support.access import tickets_for
from support.models import OPEN_STATUSES

from . import services
from .forms import ReassignForm, RoleForm

PAGE_SIZE = 25
ESTABLISHMENT_COLLABORATORS_SHOWN = 50
TICKETS_PAGE_SIZE = 20

ROLE_RANK = Case(
    *(When(role=role, then=Value(rank)) for rank, role in enumerate(CLIENT_ROLES)), output_field=IntegerField()
)
# ?tri=<key> or ?tri=-<key>: the list's sortable columns (a whitelist).
SORTS = {
    "nom": ("last_name", "first_name"),
    "email": ("email",),
    "profil": ("role_rank", "last_name", "first_name"),
    "actif": ("is_active", "last_name", "first_name"),
    "dis": ("open_dis", "last_name", "first_name"),
}
DEFAULT_SORT = "nom"
COLUMNS = (
    ("nom", gettext_lazy("Nom")),
    ("email", gettext_lazy("Adresse mail")),
    ("profil", gettext_lazy("Profil")),
    ("actif", gettext_lazy("Actif")),
    ("dis", gettext_lazy("DIs ouvertes")),
)


def _unassigned_tickets(user):
    """The DIs held by « Demande A Reaffecter »: the establishment's DIs without an owner."""
    return tickets_for(user).filter(owner__isnull=True)


@client_required
@require_GET
def collaborator_list(request):
    search = request.GET.get("q", "").strip()[:200]
    sort = sorting.sort_param(request.GET.get("tri"), SORTS, DEFAULT_SORT)
    collaborators = collaborators_for(request.user).annotate(
        open_dis=Count("owned_tickets", filter=Q(owned_tickets__status__in=OPEN_STATUSES)),
        role_rank=ROLE_RANK,
    )
    for term in search.split():
        collaborators = collaborators.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    collaborators = collaborators.order_by(*sorting.order_by(SORTS[sort.removeprefix("-")], sort))
    page = Paginator(collaborators, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collaborators/list.html",
        {
            "page": page,
            "columns": sorting.columns(COLUMNS, sort),
            "search": search,
            "sort": sort,
            "unassigned_count": _unassigned_tickets(request.user).filter(status__in=OPEN_STATUSES).count(),
            "is_admin": request.user.is_establishment_admin,
        },
    )


def _tickets_page(request, tickets):
    tickets = tickets.select_related("contract__product", "assignee").order_by("-created_at", "-pk")
    return Paginator(tickets, TICKETS_PAGE_SIZE).get_page(request.GET.get("page"))


def _candidates(request, exclude=None):
    """Who may receive DIs: the active accounts of the establishment."""
    candidates = collaborators_for(request.user).filter(is_active=True).order_by("last_name", "first_name")
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return candidates


def _checked(form):
    """The DI numbers ticked before a rejected submission: they stay ticked."""
    return set(form["tickets"].value() or ()) if form is not None and form.is_bound else set()


def _render_sheet(request, collaborator, *, status=200, **bound_forms):
    user = request.user
    tickets = tickets_for(user).filter(owner=collaborator)
    open_tickets = tickets.filter(status__in=OPEN_STATUSES)
    context = {
        "collaborator": collaborator,
        "page": _tickets_page(request, tickets),
        "open_count": open_tickets.count(),
        "is_admin": user.is_establishment_admin,
        "is_self": collaborator.pk == user.pk,
        "action_error": bound_forms.pop("action_error", None),
    }
    if context["is_admin"]:
        context["role_form"] = bound_forms.get("role_form") or RoleForm(initial={"role": collaborator.role})
        if context["open_count"] or "reassign_form" in bound_forms:
            context["reassign_form"] = bound_forms.get("reassign_form") or ReassignForm(
                open_tickets=open_tickets, candidates=_candidates(request, exclude=collaborator)
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
        released = tickets_for(request.user).filter(owner=collaborator, status__in=OPEN_STATUSES).count()
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
        changed = services.user_change_role(
            collaborator, acting_user=request.user, role=data["role"], request=request
        )
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
            "%(count)s DI a été réaffectée à %(name)s, qui en est informé(e) par e-mail.",
            "%(count)s DIs ont été réaffectées à %(name)s, qui en est informé(e) par e-mail.",
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
    open_tickets = tickets_for(request.user).filter(owner=collaborator, status__in=OPEN_STATUSES)
    form = ReassignForm(request.POST, open_tickets=open_tickets, candidates=_candidates(request, exclude=collaborator))
    return _reassign(
        request,
        form,
        success_url=reverse("collaborators:detail", kwargs={"pk": collaborator.pk}),
        on_invalid=lambda form, error: _render_sheet(request, collaborator, reassign_form=form),
    )


# --- « Demande A Reaffecter »: the placeholder owner of the DIs whose owner is gone -----------


def _render_unassigned(request, **bound_forms):
    tickets = _unassigned_tickets(request.user)
    open_tickets = tickets.filter(status__in=OPEN_STATUSES)
    context = {
        "page": _tickets_page(request, tickets),
        "open_count": open_tickets.count(),
        "is_admin": request.user.is_establishment_admin,
    }
    if context["is_admin"] and (context["open_count"] or "reassign_form" in bound_forms):
        context["reassign_form"] = bound_forms.get("reassign_form") or ReassignForm(
            open_tickets=open_tickets, candidates=_candidates(request)
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
    open_tickets = _unassigned_tickets(request.user).filter(status__in=OPEN_STATUSES)
    form = ReassignForm(request.POST, open_tickets=open_tickets, candidates=_candidates(request))
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
