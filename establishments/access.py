"""Scoped reads of establishments and contracts: a client reads their own establishment's; the
vendor's staff read every establishment's. "Does not exist" and "not yours" get the same 404."""

from .models import Contract, Product


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


def entitled_products(user):
    """The products the user is entitled to: those of a contract of their establishment in force
    today (the vendor's staff: every product). Downloads, and whatever else a contract entitles
    to, are gated by this."""
    if not user.is_authenticated or not user.is_active:
        return Product.objects.none()
    if user.is_vendor:
        return Product.objects.all()
    if user.establishment_id is None:
        return Product.objects.none()
    in_force = Contract.objects.active().filter(establishment_id=user.establishment_id)
    return Product.objects.filter(pk__in=in_force.values("product_id"))
