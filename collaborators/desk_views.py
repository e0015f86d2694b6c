"""The vendor's staff read establishments and their collaborators (M11.3): the list of
establishments (where a DI for a client who phoned starts), an establishment's sheet with its
contracts, collaborators and open DIs, and a collaborator's sheet with their DIs. Read-only: the
establishment's own administrators manage its accounts."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import get_account_of_establishment
from core.guards import vendor_staff_required
from establishments.access import get_establishment_for_user

from . import selectors


@require_GET
@vendor_staff_required
def establishment_list(request):
    search = request.GET.get("q", "").strip()[:200]
    page = selectors.establishment_page(request.user, request.GET.get("page"), search=search)
    return render(request, "collaborators/vendor/establishment_list.html", {"page": page, "search": search})


@require_GET
@vendor_staff_required
def establishment_sheet(request, pk):
    establishment = get_establishment_for_user(request.user, pk)
    open_tickets, open_count = selectors.establishment_open_tickets(request.user, establishment)
    return render(
        request,
        "collaborators/vendor/establishment.html",
        {
            "establishment": establishment,
            "contracts": selectors.establishment_contracts(request.user, establishment),
            "page": selectors.establishment_accounts_page(request.user, establishment, request.GET.get("page")),
            "open_tickets": open_tickets,
            "open_count": open_count,
        },
    )


@require_GET
@vendor_staff_required
def collaborator_sheet(request, pk, user_pk):
    establishment = get_establishment_for_user(request.user, pk)
    account = get_account_of_establishment(request.user, establishment.pk, user_pk)
    return render(
        request,
        "collaborators/vendor/collaborator.html",
        {
            "establishment": establishment,
            "collaborator": account,
            "page": selectors.account_ticket_page(request.user, account, request.GET.get("page")),
        },
    )
