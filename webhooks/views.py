"""The vendor's administrators' « Webhooks » pages (SPEC M15.4): the endpoints, each with its
secret and its delivery log, « Renvoyer » on a delivery."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.actions import perform_action
from core.guards import vendor_admin_required

from . import services
from .access import endpoints_for, get_delivery_for_user, get_endpoint_for_user
from .forms import EndpointForm

DELIVERIES_PAGE_SIZE = 25


@vendor_admin_required
@require_http_methods(["GET", "POST"])
def endpoint_list(request):
    bound = request.method == "POST"
    form = EndpointForm(request.POST if bound else None)

    def page(form, service_error=None):
        return render(request, "webhooks/endpoint_list.html", {"form": form, "endpoints": endpoints_for(request.user)})

    if not bound:
        return page(form)

    def perform(data):
        endpoint = services.endpoint_create(
            acting_user=request.user, url=data["url"], events=data["events"], description=data["description"]
        )
        message = _("Le point de réception est enregistré : configurez son secret chez le destinataire.")
        return message, reverse("webhooks:detail", args=[endpoint.pk])

    return perform_action(request, form=form, perform=perform, on_invalid=page, error_field="url")


@vendor_admin_required
@require_http_methods(["GET"])
def endpoint_detail(request, pk):
    endpoint = get_endpoint_for_user(request.user, pk)
    deliveries = Paginator(endpoint.deliveries.all(), DELIVERIES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "webhooks/endpoint_detail.html", {"endpoint": endpoint, "page": deliveries})


@vendor_admin_required
@require_POST
def endpoint_toggle(request, pk):
    endpoint = get_endpoint_for_user(request.user, pk)

    def perform(data):
        services.endpoint_set_active(endpoint, acting_user=request.user, active=not endpoint.is_active)
        return (
            _("Le point de réception est activé.") if endpoint.is_active else _("Le point de réception est désactivé.")
        )

    return perform_action(
        request, perform=perform, on_invalid=None, success_url=reverse("webhooks:detail", args=[endpoint.pk])
    )


@vendor_admin_required
@require_POST
def delivery_resend(request, endpoint_pk, pk):
    delivery = get_delivery_for_user(request.user, endpoint_pk, pk)

    def perform(data):
        services.delivery_resend(delivery, acting_user=request.user)
        return _("Le message %(id)s est renvoyé.") % {"id": delivery.message_id}

    return perform_action(
        request, perform=perform, on_invalid=None, success_url=reverse("webhooks:detail", args=[endpoint_pk])
    )
