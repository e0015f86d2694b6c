"""« Etablissement » (SPEC M5): the sheet of the user's own establishment."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import client_required, collaborators_for

COLLABORATORS_SHOWN = 50


def contract_state(contract, today):
    """The badge of a contract: « Actif », « Expiré », « Suspendu » or « À venir »."""
    if contract.end_date is not None and contract.end_date < today:
        return "expired"
    if contract.start_date > today:
        return "upcoming"
    return "active" if contract.is_active else "suspended"


@client_required
@require_GET
def establishment_detail(request):
    establishment = request.user.establishment
    today = timezone.localdate()
    contracts = list(establishment.contracts.select_related("product").order_by("product__name", "-start_date"))
    for contract in contracts:
        contract.state = contract_state(contract, today)
    collaborators = collaborators_for(request.user).order_by("last_name", "first_name")
    return render(
        request,
        "establishments/detail.html",
        {
            "establishment": establishment,
            "contracts": contracts,
            "collaborators": collaborators[:COLLABORATORS_SHOWN],
            "collaborator_count": collaborators.count(),
        },
    )
