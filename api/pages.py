"""The tokens' pages (SPEC M15.2): « Jetons d'API » under « Mon profil » (personal tokens) and the
vendor's administrators' « Jetons d'intégration ». A new token is shown once, on the answer to
the form that made it; only its hash is kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.actions import perform_action
from core.guards import vendor_admin_required

from .forms import IntegrationTokenForm, TokenForm
from .models import ApiToken
from .tokens import get_token_for_user, token_create, token_revoke, tokens_for


def _tokens_page(request, *, kind, form, template, created=None):
    tokens = tokens_for(request.user).filter(kind=kind).select_related("user")
    return render(request, template, {"form": form, "tokens": tokens, "created": created})


def _create(request, *, kind, form_class, template):
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _tokens_page(request, kind=kind, form=form, template=template)

    created = {}

    def perform(data):
        created["token"], created["secret"] = token_create(
            acting_user=request.user,
            owner=data.get("owner"),
            name=data["name"],
            can_write=data["can_write"],
            days=data["days"],
            kind=kind,
            request=request,
        )
        return _("Le jeton « %(name)s » est créé.") % {"name": data["name"]}

    response = perform_action(
        request,
        form=form,
        perform=perform,
        on_invalid=lambda form, error: _tokens_page(request, kind=kind, form=form, template=template),
        success_url=request.path,
    )
    if created:
        # Shown once, on this answer: never stored, never in a redirect or a message.
        return _tokens_page(request, kind=kind, form=form_class(), template=template, created=created)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def personal_tokens(request):
    return _create(request, kind=ApiToken.Kind.PERSONAL, form_class=TokenForm, template="api/personal_tokens.html")


@vendor_admin_required
@require_http_methods(["GET", "POST"])
def integration_tokens(request):
    return _create(
        request,
        kind=ApiToken.Kind.INTEGRATION,
        form_class=IntegrationTokenForm,
        template="api/integration_tokens.html",
    )


@login_required
@require_POST
def token_revoke_view(request, pk):
    token = get_token_for_user(request.user, pk)
    token_revoke(token, acting_user=request.user, request=request)
    messages.success(request, _("Le jeton « %(name)s » est révoqué.") % {"name": token.name})
    back = "tokens:integration" if token.kind == ApiToken.Kind.INTEGRATION else "tokens:personal"
    return redirect(reverse(back))
