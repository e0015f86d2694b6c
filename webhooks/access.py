"""Scoped reads of the webhooks: the vendor's administrators only (one 404 for everyone else)."""

from django.http import Http404

from .models import Delivery, Endpoint


def endpoints_for(user):
    if not (user.is_authenticated and user.is_vendor_admin):
        return Endpoint.objects.none()
    return Endpoint.objects.all()


def get_endpoint_for_user(user, pk):
    endpoint = endpoints_for(user).filter(pk=pk).first()
    if endpoint is None:
        raise Http404("Point de réception introuvable")
    return endpoint


def get_delivery_for_user(user, endpoint_pk, pk):
    """A delivery is fetched through its endpoint."""
    endpoint = get_endpoint_for_user(user, endpoint_pk)
    delivery = Delivery.objects.filter(endpoint=endpoint, pk=pk).select_related("endpoint").first()
    if delivery is None:
        raise Http404("Livraison introuvable")
    return delivery
