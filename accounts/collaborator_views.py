"""« Collaborateurs » (SPEC M4): the establishment's accounts, their sheets, and the
administrator's actions (profile, « Désactiver » / « Activer », « Réaffecter »).

Views stay thin: reads go through ``accounts.access`` and ``support.access``, writes through
``accounts.services``. Any client profile may read; only an « Administrateur » of the
establishment may act (checked here before reading the form, and again by each service).
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from support.access import tickets_for
from support.models import OPEN_STATUSES
from support.services import TransitionRefused

from . import services
from .access import client_required, collaborators_for, get_collaborator_for_user, refused
from .collaborator_forms import ReassignForm, RoleForm
from .models import CLIENT_ROLES, Role

PAGE_SIZE = 25
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


def _is_admin(user):
    return user.is_active and user.role == Role.ADMIN


def admin_required(view):
    """The administrator's actions: anyone else gets a 403, even with a crafted POST.

    Runs after the scoped read (a colleague of another establishment is a 404 first)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _is_admin(request.user):
            return refused(
                request,
                _("Seul un administrateur de l'établissement peut gérer les comptes de ses collaborateurs."),
                back_url=reverse("collaborators:list"),
            )
        try:
            return view(request, *args, **kwargs)
        except (services.AccountActionRefused, TransitionRefused) as refusal:
            return refused(request, str(refusal), back_url=reverse("collaborators:list"))

    return wrapper


def _sort_param(raw):
    raw = raw or ""
    return raw if raw.removeprefix("-") in SORTS else DEFAULT_SORT


def _columns(sort):
    descending = sort.startswith("-")
    columns = []
    for key, label in COLUMNS:
        current = sort.removeprefix("-") == key
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
    return columns


def _unassigned_tickets(user):
    """The DIs held by « Demande A Reaffecter »: the establishment's DIs without an owner."""
    return tickets_for(user).filter(owner__isnull=True)


@client_required
@require_GET
def collaborator_list(request):
    search = request.GET.get("q", "").strip()[:200]
    sort = _sort_param(request.GET.get("tri"))
    collaborators = collaborators_for(request.user).annotate(
        open_dis=Count("owned_tickets", filter=Q(owned_tickets__status__in=OPEN_STATUSES)),
        role_rank=ROLE_RANK,
    )
    for term in search.split():
        collaborators = collaborators.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    descending = sort.startswith("-")
    fields = SORTS[sort.removeprefix("-")]
    collaborators = collaborators.order_by(
        *(f"-{f}" if descending else f for f in fields), "-pk" if descending else "pk"
    )
    page = Paginator(collaborators, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/collaborators/list.html",
        {
            "page": page,
            "columns": _columns(sort),
            "search": search,
            "sort": sort,
            "unassigned_count": _unassigned_tickets(request.user).filter(status__in=OPEN_STATUSES).count(),
            "is_admin": _is_admin(request.user),
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
        "is_admin": _is_admin(user),
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
    return render(request, "accounts/collaborators/detail.html", context, status=status)


@client_required
@require_GET
def collaborator_detail(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)
    return _render_sheet(request, collaborator)


def _sheet(collaborator):
    return redirect("collaborators:detail", pk=collaborator.pk)


def _refused_by_rule(request, collaborator, error):
    """A rule of M4.2/M4.4 refuses the action (oneself, the last administrator…): the sheet again,
    with the reason, as a 409 (the request conflicts with the establishment's current state)."""
    return _render_sheet(request, collaborator, status=409, action_error=" ".join(error.messages))


@client_required
@require_POST
def collaborator_deactivate(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)
    return _deactivate(request, collaborator)


@admin_required
def _deactivate(request, collaborator):
    released = tickets_for(request.user).filter(owner=collaborator, status__in=OPEN_STATUSES).count()
    try:
        services.user_deactivate(collaborator, acting_user=request.user, request=request)
    except ValidationError as error:
        return _refused_by_rule(request, collaborator, error)
    text = _("Le compte de %(name)s est désactivé : il ne peut plus se connecter.") % {"name": collaborator.full_name}
    if released:
        text += " " + ngettext(
            "%(count)s DI est détenue par « Demande A Reaffecter ».",
            "%(count)s DIs sont détenues par « Demande A Reaffecter ».",
            released,
        ) % {"count": released}
    messages.success(request, text)
    return _sheet(collaborator)


@client_required
@require_POST
def collaborator_activate(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)
    return _activate(request, collaborator)


@admin_required
def _activate(request, collaborator):
    try:
        services.user_activate(collaborator, acting_user=request.user, request=request)
    except ValidationError as error:
        return _refused_by_rule(request, collaborator, error)
    messages.success(
        request,
        _(
            "Le compte de %(name)s est réactivé : il peut de nouveau se connecter. Ses anciennes DIs restent où elles sont."
        )
        % {"name": collaborator.full_name},
    )
    return _sheet(collaborator)


@client_required
@require_POST
def collaborator_change_role(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)
    return _change_role(request, collaborator)


@admin_required
def _change_role(request, collaborator):
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            collaborator = services.user_change_role(
                collaborator, acting_user=request.user, role=form.cleaned_data["role"], request=request
            )
        except ValidationError as error:
            form.add_error("role", error)
            return _render_sheet(request, collaborator, status=409, role_form=form)
        messages.success(
            request,
            _("%(name)s a désormais le profil « %(role)s ».")
            % {"name": collaborator.full_name, "role": collaborator.get_role_display()},
        )
        return _sheet(collaborator)
    return _render_sheet(request, collaborator, role_form=form)


def _reassign(request, form, success_url):
    """Run a bound ReassignForm; returns a redirect when done, None when the form has errors."""
    if not form.is_valid():
        return None
    new_owner = form.cleaned_data["new_owner"]
    try:
        moved = services.tickets_reassign_many(
            form.chosen_tickets(), acting_user=request.user, new_owner=new_owner, request=request
        )
    except ValidationError as error:
        form.add_error("new_owner", error)
        return None
    messages.success(
        request,
        ngettext(
            "%(count)s DI a été réaffectée à %(name)s, qui en est informé(e) par e-mail.",
            "%(count)s DIs ont été réaffectées à %(name)s, qui en est informé(e) par e-mail.",
            len(moved),
        )
        % {"count": len(moved), "name": new_owner.full_name},
    )
    return redirect(success_url)


@client_required
@require_POST
def collaborator_reassign(request, pk):
    collaborator = get_collaborator_for_user(request.user, pk)
    return _reassign_collaborator(request, collaborator)


@admin_required
def _reassign_collaborator(request, collaborator):
    open_tickets = tickets_for(request.user).filter(owner=collaborator, status__in=OPEN_STATUSES)
    form = ReassignForm(request.POST, open_tickets=open_tickets, candidates=_candidates(request, exclude=collaborator))
    done = _reassign(request, form, reverse("collaborators:detail", kwargs={"pk": collaborator.pk}))
    return done or _render_sheet(request, collaborator, reassign_form=form)


# --- « Demande A Reaffecter »: the placeholder owner of the DIs whose owner is gone -----------


def _render_unassigned(request, **bound_forms):
    tickets = _unassigned_tickets(request.user)
    open_tickets = tickets.filter(status__in=OPEN_STATUSES)
    context = {
        "page": _tickets_page(request, tickets),
        "open_count": open_tickets.count(),
        "is_admin": _is_admin(request.user),
    }
    if context["is_admin"] and (context["open_count"] or "reassign_form" in bound_forms):
        context["reassign_form"] = bound_forms.get("reassign_form") or ReassignForm(
            open_tickets=open_tickets, candidates=_candidates(request)
        )
    context["checked"] = _checked(context.get("reassign_form"))
    return render(request, "accounts/collaborators/unassigned.html", context)


@client_required
@require_GET
def unassigned_detail(request):
    return _render_unassigned(request)


@client_required
@require_POST
@admin_required
def unassigned_reassign(request):
    open_tickets = _unassigned_tickets(request.user).filter(status__in=OPEN_STATUSES)
    form = ReassignForm(request.POST, open_tickets=open_tickets, candidates=_candidates(request))
    done = _reassign(request, form, reverse("collaborators:unassigned"))
    return done or _render_unassigned(request, reassign_form=form)
