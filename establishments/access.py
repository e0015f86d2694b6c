"""Scoped reads of establishments and contracts: a client reads their own establishment's; the
vendor's staff read every establishment's. "Does not exist" and "not yours" get the same 404."""

from django.http import Http404
from django.utils import timezone

from core.prepared import Prepared

from .models import Contract, Establishment, Product


def establishments_for(user):
    """The establishments a user may read: their own for a client; every one for the vendor's staff."""
    if not (user.is_authenticated and user.is_active):
        return Establishment.objects.none()
    if user.is_vendor:
        return Establishment.objects.all()
    if user.establishment_id is None:
        return Establishment.objects.none()
    return Establishment.objects.filter(pk=user.establishment_id)


def get_establishment_for_user(user, pk):
    try:
        return establishments_for(user).get(pk=pk)
    except (Establishment.DoesNotExist, ValueError, TypeError):
        raise Http404("Établissement introuvable") from None


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


# The two reads the suggestions under « Objet » make at every pause of the typing (a client with an
# establishment), prepared: compiled once per process (docs/performance.md).
_ENTITLED_IDS = Prepared(
    lambda establishment_id, today: Product.objects.filter(
        pk__in=Contract.objects.active(on=today).filter(establishment_id=establishment_id).values("product_id")
    ).values_list("pk")
)
_ACTIVE_CONTRACT = Prepared(
    lambda establishment_id, pk, today: (
        Contract.objects.select_related("product").filter(establishment_id=establishment_id, pk=pk).active(on=today)
    )
)


def _a_client_of(user):
    return user.is_authenticated and user.is_active and not user.is_vendor and user.establishment_id is not None


def entitled_product_ids(user):
    """The keys of ``entitled_products(user)`` (a list)."""
    if not _a_client_of(user):
        return list(entitled_products(user).values_list("pk", flat=True))
    return [pk for (pk,) in _ENTITLED_IDS.run(establishment_id=user.establishment_id, today=timezone.localdate())]


def active_contract_for(user, pk):
    """The contract ``pk`` of ``contracts_for(user)`` in force today, with its product, or None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not _a_client_of(user):
        return contracts_for(user).active().filter(pk=pk).first()
    found = _ACTIVE_CONTRACT.run(establishment_id=user.establishment_id, pk=pk, today=timezone.localdate())
    return found[0] if found else None
