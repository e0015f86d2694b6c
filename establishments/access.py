"""Scoped reads of establishments and contracts: a client reads their own establishment's; the
vendor's staff read every establishment's. "Does not exist" and "not yours" get the same 404."""

from .models import Contract


def contracts_for(user):
    """The contracts a user may see (a queryset), with their product."""
    contracts = Contract.objects.select_related("product")
    if not (user.is_authenticated and user.is_active):
        return contracts.none()
    if user.is_vendor:
        return contracts
    if user.establishment_id is None:
        return contracts.none()
    return contracts.filter(establishment_id=user.establishment_id)
